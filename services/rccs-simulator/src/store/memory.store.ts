import type { OrderRecord, RequestRecord, ResultRecord, ShopCredentials } from '../domain/types';
import {
  FIRST_REQUEST_ID,
  type LedgerFilter,
  type OrderFilter,
  type RequestWithResults,
  type ResultSearch,
  type SimulatorStore,
  type SubmitCommand,
  type SubmitResult,
} from './store.port';

const clone = <T>(v: T): T => structuredClone(v);

/**
 * In-memory driver: same contract as PostgreSQL, for unit tests and throwaway runs. Every method runs
 * synchronously inside one tick, which makes each call atomic.
 */
export class MemoryStore implements SimulatorStore {
  readonly kind = 'memory' as const;
  private shops = new Map<string, ShopCredentials>();
  private settings = new Map<string, unknown>();
  private requests = new Map<number, RequestRecord>();
  private orders = new Map<string, OrderRecord>();
  private results: ResultRecord[] = [];
  private resultsByRequest = new Map<number, ResultRecord[]>();
  private nextRequestId = FIRST_REQUEST_ID;

  async init(): Promise<void> {}
  async close(): Promise<void> {}
  async ping(): Promise<boolean> {
    return true;
  }

  async listShops(): Promise<ShopCredentials[]> {
    return [...this.shops.values()].map(clone).sort((a, b) => a.shopUrl.localeCompare(b.shopUrl));
  }
  async upsertShop(shop: ShopCredentials): Promise<void> {
    this.shops.set(shop.shopUrl, clone(shop));
  }
  async deleteShop(shopUrl: string): Promise<boolean> {
    return this.shops.delete(shopUrl);
  }

  async getSetting<T>(key: string): Promise<T | undefined> {
    return this.settings.has(key) ? clone(this.settings.get(key) as T) : undefined;
  }
  async setSetting(key: string, value: unknown): Promise<void> {
    this.settings.set(key, clone(value));
  }

  async issueRequestId(shopUrl: string, now: Date): Promise<number> {
    const requestId = this.nextRequestId++;
    this.requests.set(requestId, {
      requestId,
      shopUrl,
      issuedAt: now,
      op: null,
      usedAt: null,
      itemCount: 0,
      acceptedUntil: null,
      completeAt: null,
      stuck: false,
    });
    return requestId;
  }

  async submit(cmd: SubmitCommand): Promise<SubmitResult> {
    const req = this.requests.get(cmd.requestId);
    if (!req) return { ok: false, reason: 'unknown' };
    if (req.shopUrl !== cmd.shopUrl) return { ok: false, reason: 'foreign' };
    if (req.usedAt) return { ok: false, reason: 'used' };
    if (req.issuedAt.getTime() <= cmd.issuedAfter.getTime()) return { ok: false, reason: 'expired' };

    if (cmd.provision) {
      for (const o of cmd.provision(cmd.orderNumbers.filter((n) => !this.orders.has(n)))) this.orders.set(o.orderNumber, clone(o));
    }
    const current = new Map<string, OrderRecord>();
    for (const n of cmd.orderNumbers) {
      const o = this.orders.get(n);
      if (o) current.set(n, clone(o));
    }
    const { results, changed } = cmd.decide(current);

    Object.assign(req, {
      op: cmd.op,
      usedAt: cmd.now,
      itemCount: cmd.itemCount,
      acceptedUntil: cmd.acceptedUntil,
      completeAt: cmd.completeAt,
      stuck: cmd.completeAt === null,
    });
    for (const o of changed) this.orders.set(o.orderNumber, clone(o));
    const stored = results.map(clone);
    this.results.push(...stored);
    this.resultsByRequest.set(cmd.requestId, stored);
    return { ok: true, results: results.map(clone) };
  }

  async getRequests(requestIds: number[]): Promise<RequestWithResults[]> {
    return [...new Set(requestIds)].flatMap((id) => {
      const r = this.requests.get(id);
      return r ? [{ request: clone(r), results: (this.resultsByRequest.get(id) ?? []).map(clone) }] : [];
    });
  }

  async searchResults(q: ResultSearch): Promise<ResultRecord[]> {
    let rows = this.results.filter(
      (r) =>
        r.shopUrl === q.shopUrl &&
        r.regAt !== null &&
        r.regAt.getTime() <= q.now.getTime() &&
        r.regAt.getTime() >= q.from.getTime() &&
        r.regAt.getTime() < q.until.getTime() &&
        (q.orderNumber === undefined || r.orderNumber === q.orderNumber),
    );
    if (q.latestPerOrder) {
      const latest = new Map<string, ResultRecord>();
      for (const r of rows) {
        const prev = latest.get(r.orderNumber);
        if (!prev || compareResultTime(r, prev) > 0) latest.set(r.orderNumber, r);
      }
      rows = [...latest.values()];
    }
    rows = rows.filter(
      (r) =>
        (q.brandName === undefined || r.brandName === q.brandName) &&
        (q.cardState === undefined || r.cardState === q.cardState) &&
        (q.helpItem === undefined || r.helpItem === q.helpItem) &&
        (q.ownerName === undefined || r.ownerName === q.ownerName) &&
        (q.payType === undefined || r.payType === q.payType),
    );
    rows.sort((a, b) => (a.orderNumber < b.orderNumber ? -1 : a.orderNumber > b.orderNumber ? 1 : compareResultTime(a, b)));
    return rows.slice(0, q.limit).map(clone);
  }

  async completeRequest(requestId: number, at: Date): Promise<boolean> {
    const req = this.requests.get(requestId);
    if (!req || !req.usedAt) return false;
    const when = req.completeAt && req.completeAt.getTime() < at.getTime() ? req.completeAt : at;
    req.completeAt = when;
    req.stuck = false;
    for (const r of this.resultsByRequest.get(requestId) ?? []) r.regAt = when;
    for (const o of this.orders.values()) if (o.pending?.requestId === requestId) o.pending.until = when;
    return true;
  }

  async upsertOrders(orders: OrderRecord[]): Promise<void> {
    for (const o of orders) this.orders.set(o.orderNumber, clone(o));
  }
  async getOrder(orderNumber: string): Promise<OrderRecord | undefined> {
    const o = this.orders.get(orderNumber);
    return o ? clone(o) : undefined;
  }
  async listOrders(f: OrderFilter): Promise<OrderRecord[]> {
    return [...this.orders.values()]
      .filter((o) => (f.shopUrl === undefined || o.shopUrl === f.shopUrl) && (f.cardState === undefined || o.cardState === f.cardState))
      .sort((a, b) => (a.orderNumber < b.orderNumber ? -1 : 1))
      .slice(f.offset, f.offset + f.limit)
      .map(clone);
  }
  async deleteOrder(orderNumber: string): Promise<boolean> {
    return this.orders.delete(orderNumber);
  }

  async ledger(f: LedgerFilter): Promise<ResultRecord[]> {
    return this.results
      .filter(
        (r) =>
          (f.shopUrl === undefined || r.shopUrl === f.shopUrl) &&
          (f.orderNumber === undefined || r.orderNumber === f.orderNumber) &&
          (f.requestId === undefined || r.requestId === f.requestId) &&
          (f.op === undefined || r.op === f.op) &&
          (f.errorCode === undefined || r.errorCode === f.errorCode) &&
          (f.since === undefined || r.createdAt.getTime() >= f.since.getTime()) &&
          (f.until === undefined || r.createdAt.getTime() < f.until.getTime()),
      )
      .slice(f.offset, f.offset + f.limit)
      .map(clone);
  }

  async reset(): Promise<void> {
    this.settings.clear();
    this.requests.clear();
    this.orders.clear();
    this.results = [];
    this.resultsByRequest.clear();
  }
}

function compareResultTime(a: ResultRecord, b: ResultRecord): number {
  return (a.regAt?.getTime() ?? 0) - (b.regAt?.getTime() ?? 0) || a.requestId - b.requestId || a.seq - b.seq;
}
