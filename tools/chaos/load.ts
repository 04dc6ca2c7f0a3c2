import { randomInt } from 'node:crypto';
import type { Expectation, TrackedOrder } from './invariants';
import { sleep } from './infra';
import { SHOP_ID, type ChaosSystem } from './system';

export const DECLINE_AMOUNT = 9999;

export interface ChaosOrder {
  orderNumber: string;
  amount: number;
  expect: Expectation;
  created: boolean;
  authorizeAccepted: boolean;
  shipped: boolean;
  tag: string | null;
}

export interface LoadOptions {
  /** orders per second */
  rate: number;
  /** every n-th order is declined by the card company (0 = none) */
  declineEvery?: number;
}

/**
 * A steady stream of orders for one scenario: created and authorized over order-service's HTTP API (with the
 * admin key), shipped with `OrderShipped` once authorized (autoCapture on → capture). The driver keeps retrying
 * what a fault interrupted (creation, authorize, ship) until `stop()`.
 */
export class Load {
  readonly orders = new Map<string, ChaosOrder>();
  private seq = 0;
  private generating = false;
  private driving = false;
  private driver?: Promise<void>;
  private unsubscribe?: () => void;
  httpErrors = 0;

  constructor(
    private readonly sys: ChaosSystem,
    private readonly scenarioIndex: number,
    private readonly options: LoadOptions,
  ) {}

  /** Order number of the n-th order of this scenario (matches order-service's and the simulator's pattern). */
  orderNumberOf(n: number): string {
    return `338459-20240105-${String(this.scenarioIndex).padStart(2, '0')}${String(n).padStart(6, '0')}`;
  }

  /** Adds an order with an explicit expectation/amount (e.g. the poisoned orders of a scenario). */
  addOrder(expect: Expectation, amount = randomInt(1000, 9000)): ChaosOrder {
    const orderNumber = this.orderNumberOf(++this.seq);
    const order: ChaosOrder = { orderNumber, amount, expect, created: false, authorizeAccepted: false, shipped: false, tag: null };
    this.orders.set(orderNumber, order);
    void this.create(order);
    return order;
  }

  start(): void {
    this.driving = true;
    this.unsubscribe = this.sys.bus.onEvent((e) => {
      if (e.type !== 'PaymentTagChanged' || e.data.to !== 'オーソリ済') return;
      const order = this.orders.get(String(e.data.orderNumber));
      if (order && !order.shipped) void this.ship(order);
    });
    this.driver = this.drive();
  }

  /** Generates orders at the configured rate for `durationMs` (resolves when done). */
  async generate(durationMs: number): Promise<void> {
    this.generating = true;
    const interval = 1000 / this.options.rate;
    const end = Date.now() + durationMs;
    let next = Date.now();
    while (Date.now() < end && this.generating) {
      const n = this.seq + 1;
      const declined = this.options.declineEvery ? n % this.options.declineEvery === 0 : false;
      this.addOrder(declined ? 'auth-declined' : 'captured', declined ? DECLINE_AMOUNT : randomInt(1000, 9000));
      next += interval;
      await sleep(Math.max(0, next - Date.now()));
    }
    this.generating = false;
  }

  private async create(order: ChaosOrder): Promise<void> {
    const body = {
      orderNumber: order.orderNumber,
      orderedAt: new Date().toISOString(),
      paymentMethod: 'クレジットカード',
      totalAmount: order.amount,
      billedAmount: order.amount,
    };
    for (let attempt = 0; this.driving || attempt === 0; attempt++) {
      try {
        const res = await this.sys.http('order-service', 'POST', `/shops/${SHOP_ID}/orders`, body, { timeoutMs: 8000 });
        if (res.status === 201 || res.status === 200 || res.status === 409) {
          order.created = true;
          return;
        }
        this.httpErrors++;
      } catch {
        this.httpErrors++;
      }
      await sleep(Math.min(2000, 200 * (attempt + 1)));
    }
  }

  private async ship(order: ChaosOrder): Promise<void> {
    if (order.shipped) return;
    order.shipped = true;
    for (let attempt = 0; attempt < 60; attempt++) {
      try {
        await this.sys.shipOrder(order.orderNumber);
        return;
      } catch {
        await sleep(500);
      }
    }
    order.shipped = false;
  }

  /** Authorizes created orders in bulk; ships authorized orders whose tag event we missed. */
  private async drive(): Promise<void> {
    let lastTags = 0;
    while (this.driving) {
      const pending = [...this.orders.values()].filter((o) => o.created && !o.authorizeAccepted).slice(0, 500);
      if (pending.length > 0) {
        try {
          const res = await this.sys.http('order-service', 'POST', `/shops/${SHOP_ID}/orders/actions/authorize`, { orderNumbers: pending.map((o) => o.orderNumber) }, { timeoutMs: 8000 });
          if (res.status < 300) {
            const results = (JSON.parse(res.text) as { results: { orderNumber: string; outcome: string; paymentTag?: string | null }[] }).results;
            for (const r of results) {
              const o = this.orders.get(r.orderNumber);
              if (!o) continue;
              if (r.outcome === 'accepted' || (r.paymentTag && r.paymentTag !== '未オーソリ')) o.authorizeAccepted = true;
            }
          } else this.httpErrors++;
        } catch {
          this.httpErrors++;
        }
      }
      if (Date.now() - lastTags > 2000) {
        lastTags = Date.now();
        await this.refreshTags().catch(() => undefined);
        for (const o of this.orders.values()) if (o.tag === 'オーソリ済' && !o.shipped) void this.ship(o);
      }
      await sleep(300);
    }
  }

  /** Reads every order's payment tag from order-service (newest first, until all of ours were seen). */
  async refreshTags(): Promise<void> {
    const wanted = new Set(this.orders.keys());
    for (let page = 1; page <= 200 && wanted.size > 0; page++) {
      const res = await this.sys.http('order-service', 'GET', `/shops/${SHOP_ID}/orders?pageSize=200&page=${page}`, undefined, { timeoutMs: 8000 });
      if (res.status !== 200) throw new Error(`listing orders → ${res.status}`);
      const body = JSON.parse(res.text) as { items: { orderNumber: string; paymentTag: string | null }[]; total: number };
      for (const item of body.items) {
        const o = this.orders.get(item.orderNumber);
        if (o) {
          o.tag = item.paymentTag;
          wanted.delete(item.orderNumber);
        }
      }
      if (body.items.length < 200) break;
    }
    for (const n of wanted) {
      const o = this.orders.get(n);
      if (o) o.tag = null;
    }
  }

  /** True when every order is in its expected terminal state (manual-review orders: anything). */
  isSettled(): boolean {
    const done: Record<Expectation, (tag: string | null) => boolean> = {
      captured: (t) => t === '売上請求済',
      'auth-declined': (t) => t === 'オーソリエラー',
      'dead-lettered': (t) => t === 'オーソリエラー' || t === '売上請求エラー',
      'manual-review-allowed': () => true,
    };
    return [...this.orders.values()].every((o) => done[o.expect](o.tag));
  }

  tracked(): TrackedOrder[] {
    return [...this.orders.values()].map((o) => ({ orderNumber: o.orderNumber, amount: o.amount, expect: o.expect, finalTag: o.tag }));
  }

  stopGenerating(): void {
    this.generating = false;
  }

  async stop(): Promise<void> {
    this.generating = false;
    this.driving = false;
    this.unsubscribe?.();
    await this.driver;
  }
}
