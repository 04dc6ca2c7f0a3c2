import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Patch,
  Post,
  Put,
  Query,
  UseGuards,
} from '@nestjs/common';
import { z } from 'zod';
import { provisionOrder } from '../domain/fake-card';
import { type CardState, type OrderRecord, requestStatusAt } from '../domain/types';
import { SimulatorRuntime } from '../runtime';
import { declineRuleSchema, faultRuleSchema, orderDeclineSchema, shopSchema } from '../schemas';
import {
  clockSchema,
  fixCardSchema,
  ledgerQuerySchema,
  ledgerView,
  type OrderSeed,
  orderPatchSchema,
  orderQuerySchema,
  orderSeedBodySchema,
  orderView,
  parse,
  settingsSchema,
  shopView,
} from './admin.schemas';
import { LoopbackGuard } from './loopback.guard';

const DISPLAY_ONLY: CardState[] = ['authorizing', 'billing', 'authCancelling', 'billCancelling'];
const AUTHORIZED_STATES: CardState[] = ['authorized', 'billed', 'billingError', 'billCancelled', 'billCancelError'];
const BILLED_STATES: CardState[] = ['billed', 'billCancelled', 'billCancelError'];

/** Test-control API (JSON): shops, settings, clock, decline rules, faults, reset. Loopback only. */
@Controller('admin')
@UseGuards(LoopbackGuard)
export class AdminController {
  constructor(@Inject(SimulatorRuntime) private readonly rt: SimulatorRuntime) {}

  @Get('config')
  config() {
    const c = this.rt.config;
    return {
      store: this.rt.store.kind,
      limits: c.limits,
      settings: this.rt.settings,
      resultAllRows: c.resultAllRows,
      resultAllToDate: c.resultAllToDate,
      adminAllowRemote: c.adminAllowRemote,
      orderNumberPattern: c.orderNumberPattern,
      payTypes: c.payTypes,
      cardStatusCodes: this.rt.statusCodes.codes,
      kindCodes: this.rt.kindCodes,
      allowedFrom: Object.fromEntries(Object.entries(this.rt.machine.allowedFrom).map(([op, set]) => [op, [...set]])),
      codes: this.rt.codes,
      shops: this.rt.listShops().map(shopView),
    };
  }

  @Get('settings')
  settings() {
    return this.rt.settings;
  }

  @Put('settings')
  updateSettings(@Body() body: unknown) {
    this.rt.settings = { ...this.rt.settings, ...parse(settingsSchema, body) };
    return this.rt.settings;
  }

  @Get('shops')
  shops() {
    return this.rt.listShops().map(shopView);
  }

  @Put('shops/:shopUrl')
  async putShop(@Param('shopUrl') shopUrl: string, @Body() body: unknown) {
    const shop = parse(shopSchema, { ...(body as object), shopUrl });
    await this.rt.upsertShop(shop);
    return shopView(shop);
  }

  @Delete('shops/:shopUrl')
  @HttpCode(204)
  async deleteShop(@Param('shopUrl') shopUrl: string) {
    if (!(await this.rt.deleteShop(shopUrl))) throw new NotFoundException(`No shop ${shopUrl}`);
  }

  @Get('clock')
  clock() {
    return this.clockView();
  }

  @Post('clock')
  @HttpCode(200)
  async setClock(@Body() body: unknown) {
    const cmd = parse(clockSchema, body ?? {});
    const clock = this.rt.clock;
    if (cmd.reset) clock.reset();
    if (cmd.set) clock.set(new Date(cmd.set));
    if (cmd.advanceMs) clock.advance(cmd.advanceMs);
    if (cmd.freeze === true) clock.freeze();
    if (cmd.freeze === false) clock.unfreeze();
    await this.rt.saveClock();
    return this.clockView();
  }

  @Get('decline-rules')
  declineRules() {
    return this.rt.declineRules.list();
  }

  @Put('decline-rules')
  replaceDeclineRules(@Body() body: unknown) {
    return this.guard(() => this.rt.declineRules.replace(parse(z.array(declineRuleSchema), body)));
  }

  @Post('decline-rules')
  addDeclineRule(@Body() body: unknown) {
    return this.guard(() => this.rt.declineRules.add(parse(declineRuleSchema, body)));
  }

  @Delete('decline-rules')
  @HttpCode(204)
  clearDeclineRules() {
    this.rt.declineRules.replace([]);
  }

  @Delete('decline-rules/:id')
  @HttpCode(204)
  deleteDeclineRule(@Param('id') id: string) {
    if (!this.rt.declineRules.remove(id)) throw new NotFoundException(`No decline rule ${id}`);
  }

  @Get('faults')
  faults() {
    return this.rt.faults.list();
  }

  @Put('faults')
  replaceFaults(@Body() body: unknown) {
    return this.guard(() => this.rt.faults.replace(parse(z.array(faultRuleSchema), body)));
  }

  @Post('faults')
  addFault(@Body() body: unknown) {
    return this.guard(() => this.rt.faults.add(parse(faultRuleSchema, body)));
  }

  @Delete('faults')
  @HttpCode(204)
  clearFaults() {
    this.rt.faults.clear();
  }

  @Delete('faults/:id')
  @HttpCode(204)
  deleteFault(@Param('id') id: string) {
    if (!this.rt.faults.remove(id)) throw new NotFoundException(`No fault ${id}`);
  }

  @Post('reset')
  @HttpCode(200)
  async reset() {
    await this.rt.reset();
    return { reset: true, now: this.rt.clock.now().toISOString() };
  }

  private clockView() {
    const s = this.rt.clock.state();
    return { now: this.rt.clock.now().toISOString(), offsetMs: s.frozenAt === null ? s.offsetMs : null, frozen: s.frozenAt !== null };
  }

  private guard<T>(work: () => T): T {
    try {
      return work();
    } catch (err) {
      if (err instanceof BadRequestException) throw err;
      throw new BadRequestException((err as Error).message);
    }
  }
}

/** Orders, the ledger and request inspection. Loopback only. */
@Controller('admin')
@UseGuards(LoopbackGuard)
export class AdminOrdersController {
  constructor(@Inject(SimulatorRuntime) private readonly rt: SimulatorRuntime) {}

  @Post('orders')
  @HttpCode(200)
  async seedOrders(@Body() body: unknown) {
    const input = parse(orderSeedBodySchema, body);
    const seeds = Array.isArray(input) ? input : [input];
    const now = this.rt.clock.now();
    const orders: OrderRecord[] = [];
    for (const seed of seeds) orders.push(this.applySeed(seed, await this.rt.store.getOrder(seed.orderNumber), now));
    await this.rt.store.upsertOrders(orders);
    return { orders: orders.map((o) => this.view(o, now)) };
  }

  @Get('orders')
  async listOrders(@Query() query: unknown) {
    const q = parse(orderQuerySchema, query);
    const orders = await this.rt.store.listOrders({
      shopUrl: q.shopUrl,
      cardState: q.cardStatus === undefined ? undefined : this.state(q.cardStatus),
      limit: q.limit,
      offset: q.offset,
    });
    const now = this.rt.clock.now();
    return { orders: orders.map((o) => this.view(o, now)) };
  }

  @Get('orders/:orderNumber')
  async getOrder(@Param('orderNumber') orderNumber: string) {
    return this.view(await this.order(orderNumber), this.rt.clock.now());
  }

  @Patch('orders/:orderNumber')
  async patchOrder(@Param('orderNumber') orderNumber: string, @Body() body: unknown) {
    const patch = parse(orderPatchSchema, body ?? {});
    const now = this.rt.clock.now();
    const order = this.applySeed({ ...patch, orderNumber }, await this.order(orderNumber), now);
    await this.rt.store.upsertOrders([order]);
    return this.view(order, now);
  }

  @Delete('orders/:orderNumber')
  @HttpCode(204)
  async deleteOrder(@Param('orderNumber') orderNumber: string) {
    if (!(await this.rt.store.deleteOrder(orderNumber))) throw new NotFoundException(`No order ${orderNumber}`);
  }

  /** The buyer fixed their card: no forced decline, no decline rules, and the given (default: no) credit limit. */
  @Post('orders/:orderNumber/fix-card')
  @HttpCode(200)
  async fixCard(@Param('orderNumber') orderNumber: string, @Body() body: unknown) {
    const input = parse(fixCardSchema, body) ?? {};
    const now = this.rt.clock.now();
    const order = { ...(await this.order(orderNumber)), forcedDecline: null, rulesExempt: true, creditLimit: input.creditLimit ?? null, updatedAt: now };
    await this.rt.store.upsertOrders([order]);
    return this.view(order, now);
  }

  /** Makes the card decline (default: limit exceeded on authori) until it is fixed. */
  @Post('orders/:orderNumber/decline')
  @HttpCode(200)
  async declineCard(@Param('orderNumber') orderNumber: string, @Body() body: unknown) {
    const decline = parse(orderDeclineSchema, body ?? {});
    const now = this.rt.clock.now();
    const order = { ...(await this.order(orderNumber)), forcedDecline: decline, rulesExempt: false, updatedAt: now };
    await this.rt.store.upsertOrders([order]);
    return this.view(order, now);
  }

  @Get('ledger')
  async ledger(@Query() query: unknown) {
    const q = parse(ledgerQuerySchema, query);
    const rows = await this.rt.store.ledger({
      ...q,
      since: q.since ? new Date(q.since) : undefined,
      until: q.until ? new Date(q.until) : undefined,
    });
    return { entries: rows.map((r) => ledgerView(r, this.rt.statusCodes)) };
  }

  @Get('requests/:requestId')
  async getRequest(@Param('requestId') requestId: string) {
    const id = this.requestId(requestId);
    const [found] = await this.rt.store.getRequests([id]);
    if (!found) throw new NotFoundException(`No request id ${id}`);
    const { request: r, results } = found;
    const now = this.rt.clock.now();
    return {
      requestId: r.requestId,
      shopUrl: r.shopUrl,
      op: r.op,
      kind: r.op ? this.rt.kindCodes[r.op] : 0,
      status: requestStatusAt(r, now),
      itemCount: r.itemCount,
      issuedAt: r.issuedAt.toISOString(),
      usedAt: r.usedAt?.toISOString() ?? null,
      acceptedUntil: r.acceptedUntil?.toISOString() ?? null,
      completeAt: r.completeAt?.toISOString() ?? null,
      stuck: r.stuck,
      results: results.map((x) => ledgerView(x, this.rt.statusCodes)),
    };
  }

  /** Completes a request now (e.g. one held "in progress" by a stuck fault). */
  @Post('requests/:requestId/complete')
  @HttpCode(200)
  async completeRequest(@Param('requestId') requestId: string) {
    const id = this.requestId(requestId);
    if (!(await this.rt.store.completeRequest(id, this.rt.clock.now()))) throw new NotFoundException(`No used request id ${id}`);
    return this.getRequest(requestId);
  }

  private requestId(text: string): number {
    const id = Number(text);
    if (!Number.isSafeInteger(id) || id <= 0) throw new BadRequestException('requestId must be a positive integer');
    return id;
  }

  private async order(orderNumber: string): Promise<OrderRecord> {
    const order = await this.rt.store.getOrder(orderNumber);
    if (!order) throw new NotFoundException(`No order ${orderNumber}`);
    return order;
  }

  private view(o: OrderRecord, now: Date) {
    return orderView(o, this.rt.statusCodes, now, this.rt.settings.authValidityDays);
  }

  private state(status: number | CardState): CardState {
    const state = typeof status === 'number' ? this.rt.statusCodes.state(status) : status;
    if (!state) throw new BadRequestException(`cardStatus: unknown card status ${status}`);
    return state;
  }

  private applySeed(seed: OrderSeed, existing: OrderRecord | undefined, now: Date): OrderRecord {
    const shops = this.rt.listShops();
    const shopUrl = seed.shopUrl ?? existing?.shopUrl ?? (shops.length === 1 ? shops[0].shopUrl : undefined);
    if (!shopUrl) throw new BadRequestException(`${seed.orderNumber}: shopUrl is required when several shops are configured`);
    if (!shops.some((s) => s.shopUrl === shopUrl)) throw new BadRequestException(`${seed.orderNumber}: unknown shop ${shopUrl}`);
    const o: OrderRecord = existing ? { ...existing, shopUrl, updatedAt: now } : provisionOrder(seed.orderNumber, shopUrl, now, false);
    const set = <K extends keyof OrderRecord>(key: K, value: OrderRecord[K] | undefined) => {
      if (value !== undefined) o[key] = value;
    };
    set('brandName', seed.brandName);
    set('cardNo', seed.cardNo);
    set('ownerName', seed.ownerName);
    set('expYM', seed.expYM);
    set('companyName', seed.companyName);
    set('cardImstCount', seed.cardImstCount);
    set('payType', seed.payType);
    set('amount', seed.amount);
    set('creditLimit', seed.creditLimit);
    set('forcedDecline', seed.decline);
    set('rulesExempt', seed.rulesExempt);
    set('authorizedAmount', seed.authorizedAmount);
    set('approvalNumber', seed.approvalNumber);
    if (seed.authorizedAt !== undefined) o.authorizedAt = seed.authorizedAt === null ? null : new Date(seed.authorizedAt);
    if (seed.billedAt !== undefined) o.billedAt = seed.billedAt === null ? null : new Date(seed.billedAt);
    if (seed.cardStatus !== undefined) {
      const state = this.state(seed.cardStatus);
      if (DISPLAY_ONLY.includes(state)) throw new BadRequestException(`${seed.orderNumber}: ${state} is shown only while a request runs`);
      o.cardState = state;
      o.pending = null;
      if (AUTHORIZED_STATES.includes(state)) {
        o.authorizedAt ??= now;
        o.authorizedAmount ??= o.amount ?? 0;
      }
      if (BILLED_STATES.includes(state)) o.billedAt ??= now;
    }
    return o;
  }
}
