import { type CodeEntry } from './domain/codes';
import { provisionOrder } from './domain/fake-card';
import { type RequestItem, processBatch } from './domain/processor';
import { DAY_IN_MS, parseJstDay } from './domain/time';
import { type AsyncOperation, type CardState, type ShopCredentials, requestStatusAt } from './domain/types';
import type { RuntimeSettings } from './config';
import type { SimulatorRuntime } from './runtime';
import type { RequestLevel, RequestStatusView } from './soap/render';
import type { ItemInput, SearchInput } from './soap/request-parser';
import type { ResultRecord } from './domain/types';

const level = (c: CodeEntry): RequestLevel => ({ errorCode: c.errorCode, message: c.message });
/** Where a request stuck in status 1 keeps its "accepted" phase: effectively forever. */
const FAR_FUTURE = new Date(Date.UTC(9999, 11, 31));

/** Deterministic jitter in [-j, +j] per request id, so the same run completes at the same times. */
function jitter(requestId: number, settings: RuntimeSettings): number {
  if (!settings.processingJitterMs) return 0;
  const unit = ((requestId * 2654435761) % 2 ** 32) / 2 ** 32;
  return Math.round((unit * 2 - 1) * settings.processingJitterMs);
}

/** The seven operations as use cases, after authentication (which the SOAP layer does first). */
export class RccsApi {
  constructor(private readonly rt: SimulatorRuntime) {}

  async getRequestId(shop: ShopCredentials): Promise<RequestLevel & { requestId?: number }> {
    const requestId = await this.rt.store.issueRequestId(shop.shopUrl, this.rt.clock.now());
    return { ...level(this.rt.codes.ok), requestId };
  }

  /**
   * Registers an asynchronous operation: validates, claims the single-use request id and decides every
   * order's outcome now; the outcome becomes visible when the request completes (clock vs. registration).
   */
  async submit(
    shop: ShopCredentials,
    op: AsyncOperation,
    intVal: number | null,
    items: (ItemInput | null)[] | null,
    stuck?: { status: 1 | 2 },
  ): Promise<RequestLevel> {
    const { codes, settings, config } = this.rt;
    if (!items || items.length === 0 || items.length > config.limits.maxOrdersPerRequest) return level(codes.parameter);
    if (items.some((i) => !i || !i.orderNumber)) return level(codes.parameter);
    if (intVal === null || intVal <= 0) return level(codes.requestId);

    const now = this.rt.clock.now();
    const requestItems: RequestItem[] = (items as ItemInput[]).map((i) => ({
      orderNumber: i.orderNumber as string,
      helpItem: i.helpItem,
      ...(op === 'authori' ? { payType: i.payType ?? 0, price: i.price ?? 0 } : {}),
    }));
    const orderNumbers = [...new Set(requestItems.map((i) => i.orderNumber))].sort();
    const delay = Math.max(0, settings.processingDelayMs + jitter(intVal, settings));
    const completeAt = stuck ? null : new Date(now.getTime() + delay);
    const acceptedUntil = stuck?.status === 1 ? FAR_FUTURE : new Date(now.getTime() + Math.floor(delay / 2));
    const pattern = this.rt.orderNumberPattern;
    const provision = settings.autoProvision
      ? (missing: string[]) => missing.filter((n) => pattern.test(n)).map((n) => provisionOrder(n, shop.shopUrl, now))
      : undefined;
    const policy = this.rt.policy();

    const outcome = await this.rt.store.submit({
      shopUrl: shop.shopUrl,
      requestId: intVal,
      op,
      now,
      issuedAfter: new Date(now.getTime() - config.limits.requestIdTtlMs),
      itemCount: requestItems.length,
      acceptedUntil,
      completeAt,
      orderNumbers,
      provision,
      decide: (orders) => processBatch({ op, shopUrl: shop.shopUrl, requestId: intVal, now, completeAt, items: requestItems, orders, policy }),
    });
    if (!outcome.ok) return level(codes.requestId);
    return level(codes.ok);
  }

  async getResult(shop: ShopCredentials, ids: (number | null)[] | null): Promise<RequestLevel & { statuses?: RequestStatusView[] }> {
    const { codes, config } = this.rt;
    if (!ids || ids.length === 0 || ids.length > config.limits.maxIdsPerResultQuery || ids.some((i) => i === null)) return level(codes.parameter);
    const unique = [...new Set(ids as number[])];
    const now = this.rt.clock.now();
    const found = await this.rt.store.getRequests(unique);
    const requests = new Map(found.map((x) => [x.request.requestId, x.request]));
    // results are shown for this shop's completed requests only
    const resultsById = new Map(
      found.filter((x) => x.request.shopUrl === shop.shopUrl && requestStatusAt(x.request, now) === 3).map((x) => [x.request.requestId, x.results] as const),
    );
    const statuses = unique.map((requestId): RequestStatusView => {
      const r = requests.get(requestId);
      if (!r || r.shopUrl !== shop.shopUrl) {
        return { ...level(codes.requestId), requestId, count: 0, kind: 0, status: 0, startDate: null, timeStamp: null, results: [] };
      }
      const status = requestStatusAt(r, now);
      const results = resultsById.get(requestId) ?? [];
      const warn = this.rt.settings.warnOnItemErrors && results.some((x) => x.errorCode !== codes.ok.errorCode);
      const timeStamp = status === 3 ? r.completeAt : status === 2 ? r.acceptedUntil : status === 1 ? r.usedAt : r.issuedAt;
      return {
        ...level(warn ? codes.warning : codes.ok),
        requestId,
        count: r.itemCount,
        kind: r.op ? this.rt.kindCodes[r.op] : 0,
        status,
        startDate: r.usedAt ?? r.issuedAt,
        timeStamp: timeStamp && timeStamp.getTime() > now.getTime() ? now : timeStamp,
        results,
      };
    });
    return { ...level(codes.ok), statuses };
  }

  async getResultAll(shop: ShopCredentials, search: SearchInput | null): Promise<RequestLevel & { results?: ResultRecord[] }> {
    const { codes, config } = this.rt;
    if (!search?.fromDate || !search.toDate) return level(codes.parameter);
    const from = parseJstDay(search.fromDate);
    const to = parseJstDay(search.toDate);
    if (!from || !to || to.getTime() < from.getTime()) return level(codes.parameter);
    if ((to.getTime() - from.getTime()) / DAY_IN_MS > config.limits.resultAllMaxDays) return level(codes.parameter);
    const until = config.resultAllToDate === 'inclusive' ? new Date(to.getTime() + DAY_IN_MS) : to;
    let cardState: CardState | undefined;
    if (search.cardStatus !== null && search.cardStatus !== -1) {
      cardState = this.rt.statusCodes.state(search.cardStatus);
      if (!cardState) return { ...level(codes.ok), results: [] };
    }
    const text = (v: string | null) => (v === null || v === '' ? undefined : v);
    const results = await this.rt.store.searchResults({
      shopUrl: shop.shopUrl,
      from,
      until,
      now: this.rt.clock.now(),
      latestPerOrder: config.resultAllRows === 'latest',
      brandName: text(search.brandName),
      cardState,
      helpItem: text(search.helpItem),
      orderNumber: text(search.orderNumber),
      ownerName: text(search.ownerName),
      payType: search.payType === null || search.payType === -1 ? undefined : search.payType,
      limit: config.limits.resultAllMaxRows,
    });
    return { ...level(codes.ok), results };
  }
}
