import { createHash, timingSafeEqual } from 'node:crypto';
import type { SimClock } from './clock';
import type { RuntimeSettings, SimulatorConfig } from './config';
import { CardStateMachine } from './domain/card-state';
import { CardStatusCodes, type CodeTable, DEFAULT_CARD_STATUS_CODES, DEFAULT_CODES, DEFAULT_KIND_CODES } from './domain/codes';
import { DeclineRules } from './domain/decline-rules';
import { FaultInjector, seededRandom } from './domain/faults';
import type { ProcessingPolicy } from './domain/processor';
import { DAY_IN_MS } from './domain/time';
import type { AsyncOperation, ShopCredentials } from './domain/types';
import type { AuthInput } from './soap/request-parser';
import type { SimulatorStore } from './store/store.port';

export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

const CLOCK_SETTING = 'clock';

const digest = (text: string) => createHash('sha256').update(text).digest();
const sameSecret = (a: string, b: string) => timingSafeEqual(digest(a), digest(b));

/**
 * Everything the simulator knows at run time: configuration, the mutable settings, shops (cached, written
 * through to the store), decline rules, faults, code tables and the clock.
 */
export class SimulatorRuntime {
  settings: RuntimeSettings;
  readonly declineRules: DeclineRules;
  readonly faults: FaultInjector;
  readonly machine: CardStateMachine;
  readonly statusCodes: CardStatusCodes;
  readonly kindCodes: Record<AsyncOperation, number>;
  readonly codes: CodeTable;
  readonly orderNumberPattern: RegExp;
  private shops = new Map<string, ShopCredentials>();
  private readonly rateWindows = new Map<string, { second: number; count: number }>();

  constructor(
    readonly config: SimulatorConfig,
    readonly store: SimulatorStore,
    readonly clock: SimClock,
    readonly logger: Logger = silentLogger,
  ) {
    this.settings = { ...config.settings };
    this.declineRules = new DeclineRules(config.declineRules);
    this.faults = new FaultInjector(config.faults, config.randomSeed !== undefined ? seededRandom(config.randomSeed) : Math.random);
    this.machine = new CardStateMachine({ inferred: config.inferredTransitions, override: config.transitions });
    this.statusCodes = new CardStatusCodes({ ...DEFAULT_CARD_STATUS_CODES, ...config.cardStatusCodes });
    this.kindCodes = { ...DEFAULT_KIND_CODES, ...config.kindCodes };
    const codes = { ...DEFAULT_CODES } as CodeTable;
    for (const [key, entry] of Object.entries(config.codes ?? {})) {
      codes[key as keyof CodeTable] = { ...codes[key as keyof CodeTable], ...entry };
    }
    this.codes = codes;
    this.orderNumberPattern = new RegExp(config.orderNumberPattern);
  }

  /** Seeds the configured shops, loads every shop and restores the persisted clock. */
  async load(): Promise<void> {
    for (const shop of this.config.shops) await this.store.upsertShop(shop);
    this.shops = new Map((await this.store.listShops()).map((s) => [s.shopUrl, s]));
    this.clock.restore(await this.store.getSetting(CLOCK_SETTING));
  }

  listShops(): ShopCredentials[] {
    return [...this.shops.values()].sort((a, b) => a.shopUrl.localeCompare(b.shopUrl));
  }

  async upsertShop(shop: ShopCredentials): Promise<void> {
    await this.store.upsertShop(shop);
    this.shops.set(shop.shopUrl, { ...shop });
  }

  async deleteShop(shopUrl: string): Promise<boolean> {
    const deleted = await this.store.deleteShop(shopUrl);
    this.shops.delete(shopUrl);
    return deleted;
  }

  /** The shop whose credentials these are (raw 認証キー, or an ESA key when accepted), else undefined. */
  authenticate(auth: AuthInput | null): ShopCredentials | undefined {
    if (!auth?.shopUrl || auth.authKey === null) return undefined;
    const shop = this.shops.get(auth.shopUrl);
    if (!shop) return undefined;
    if (auth.userName === shop.userName && sameSecret(auth.authKey, shop.authKey)) return shop;
    if (this.settings.acceptEsa && shop.serviceSecret && shop.licenseKey && auth.authKey.startsWith('ESA ')) {
      const esa = `ESA ${Buffer.from(`${shop.serviceSecret}:${shop.licenseKey}`).toString('base64')}`;
      // With ESA the user name is not checked, but the element must be present (spec §3).
      if (auth.userName !== null && sameSecret(auth.authKey, esa)) return shop;
    }
    return undefined;
  }

  /** Per-shop request budget in one-second windows of real time (`rateLimitPerSecond`, 0 = unlimited). */
  withinRateLimit(shopUrl: string, nowMs = Date.now()): boolean {
    const limit = this.settings.rateLimitPerSecond;
    if (!limit) return true;
    const second = Math.floor(nowMs / 1000);
    const w = this.rateWindows.get(shopUrl);
    if (!w || w.second !== second) {
      this.rateWindows.set(shopUrl, { second, count: 1 });
      return true;
    }
    w.count += 1;
    return w.count <= limit;
  }

  policy(): ProcessingPolicy {
    return {
      machine: this.machine,
      codes: this.codes,
      declineRules: this.declineRules,
      authValidityMs: this.settings.authValidityDays * DAY_IN_MS,
      salesCancelWindowMs: this.settings.salesCancelWindowDays > 0 ? this.settings.salesCancelWindowDays * DAY_IN_MS : null,
      orderNumberPattern: this.orderNumberPattern,
      payTypes: this.config.payTypes,
      rejectOverOrderTotal: this.settings.rejectOverOrderTotal,
      rejectWhileInProgress: this.settings.rejectWhileInProgress,
    };
  }

  async saveClock(): Promise<void> {
    await this.store.setSetting(CLOCK_SETTING, this.clock.state());
  }

  /** Back to the boot configuration: empty store, env shops, rules, faults and settings, real time. */
  async reset(): Promise<void> {
    await this.store.reset();
    for (const shop of this.listShops()) await this.store.deleteShop(shop.shopUrl);
    this.shops.clear();
    for (const shop of this.config.shops) await this.upsertShop(shop);
    this.settings = { ...this.config.settings };
    this.declineRules.replace(this.config.declineRules);
    this.faults.replace(this.config.faults);
    this.clock.reset();
  }
}
