import type { Operation } from './types';

export const FAULT_TYPES = ['http500', 'delay', 'hang', 'drop', 'busy', 'stuck'] as const;
export type FaultType = (typeof FAULT_TYPES)[number];
export type FaultPhase = 'before' | 'after';

/**
 * One injected fault. Scope: operations / shop / order numbers (a request matches when any of its
 * orders does); frequency: `rate` (probability, default 1) and `count` (remaining firings, default
 * unlimited). `phase` says whether the fault hits before the operation is applied or after it.
 */
export interface FaultRule {
  id: string;
  type: FaultType;
  operations?: Operation[];
  shopUrl?: string;
  orderNumbers?: string[];
  orderNumberPattern?: string;
  rate?: number;
  count?: number;
  /** `delay`: milliseconds to wait. */
  delayMs?: number;
  /** Default: `before` for http500, hang, delay; `after` for drop. `busy` is always before. */
  phase?: FaultPhase;
  /** `busy`: request-level code and message (default the system-error code). `http500`: fault string. */
  errorCode?: string;
  message?: string;
  faultString?: string;
  /** `stuck`: the status the request stays in (1 or 2, default 2). */
  stuckStatus?: 1 | 2;
  fired: number;
}

export type FaultRuleInput = Omit<FaultRule, 'id' | 'fired'> & { id?: string; fired?: number };

export const DEFAULT_PHASE: Record<FaultType, FaultPhase> = {
  http500: 'before',
  delay: 'before',
  hang: 'before',
  drop: 'after',
  busy: 'before',
  stuck: 'after',
};

export type TerminalFault =
  | { type: 'http500'; phase: FaultPhase; faultString: string; ruleId: string }
  | { type: 'hang'; phase: FaultPhase; ruleId: string }
  | { type: 'drop'; phase: FaultPhase; ruleId: string }
  | { type: 'busy'; phase: 'before'; errorCode?: string; message?: string; ruleId: string };

/** What the fault rules decided for one request. */
export interface FaultPlan {
  delayBeforeMs: number;
  delayAfterMs: number;
  terminal?: TerminalFault;
  stuck?: { status: 1 | 2; ruleId: string };
}

export interface FaultContext {
  op: Operation;
  shopUrl?: string;
  orderNumbers: readonly string[];
}

interface Compiled {
  rule: FaultRule;
  orderNumbers?: Set<string>;
  pattern?: RegExp;
}

/** Deterministic PRNG (mulberry32) so a seeded run injects the same faults every time. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultInjector {
  private compiled: Compiled[] = [];
  private nextId = 1;

  constructor(
    rules: FaultRuleInput[] = [],
    private readonly random: () => number = Math.random,
  ) {
    this.replace(rules);
  }

  get active(): boolean {
    return this.compiled.length > 0;
  }

  list(): FaultRule[] {
    return this.compiled.map((c) => ({ ...c.rule }));
  }

  replace(rules: FaultRuleInput[]): FaultRule[] {
    this.compiled = [];
    return rules.map((r) => this.add(r));
  }

  add(input: FaultRuleInput): FaultRule {
    const rule: FaultRule = { ...input, id: input.id ?? `fault-${this.nextId++}`, fired: input.fired ?? 0 };
    if (this.compiled.some((c) => c.rule.id === rule.id)) throw new Error(`fault id '${rule.id}' already exists`);
    this.compiled.push({
      rule,
      orderNumbers: rule.orderNumbers ? new Set(rule.orderNumbers) : undefined,
      pattern: rule.orderNumberPattern !== undefined ? new RegExp(rule.orderNumberPattern) : undefined,
    });
    return { ...rule };
  }

  remove(id: string): boolean {
    const before = this.compiled.length;
    this.compiled = this.compiled.filter((c) => c.rule.id !== id);
    return this.compiled.length !== before;
  }

  clear(): void {
    this.compiled = [];
  }

  /** Evaluates every rule against the request; consumes `count` of the rules that fire. */
  plan(ctx: FaultContext): FaultPlan {
    const plan: FaultPlan = { delayBeforeMs: 0, delayAfterMs: 0 };
    for (const c of this.compiled) {
      const r = c.rule;
      if (r.type === 'stuck' && !['authori', 'authoriCancel', 'sales', 'salesCancel'].includes(ctx.op)) continue;
      if (!this.inScope(c, ctx)) continue;
      // A terminal or stuck decision already taken needs no second rule of its kind: do not consume one.
      const isTerminal = r.type === 'http500' || r.type === 'hang' || r.type === 'drop' || r.type === 'busy';
      if (isTerminal && plan.terminal) continue;
      if (r.type === 'stuck' && plan.stuck) continue;
      if (!this.fires(r)) continue;
      const phase = r.type === 'busy' ? 'before' : (r.phase ?? DEFAULT_PHASE[r.type]);
      switch (r.type) {
        case 'delay':
          if (phase === 'before') plan.delayBeforeMs += r.delayMs ?? 0;
          else plan.delayAfterMs += r.delayMs ?? 0;
          break;
        case 'http500':
          plan.terminal = { type: 'http500', phase, faultString: r.faultString ?? 'Internal Server Error', ruleId: r.id };
          break;
        case 'hang':
          plan.terminal = { type: 'hang', phase, ruleId: r.id };
          break;
        case 'drop':
          plan.terminal = { type: 'drop', phase, ruleId: r.id };
          break;
        case 'busy':
          plan.terminal = { type: 'busy', phase: 'before', errorCode: r.errorCode, message: r.message, ruleId: r.id };
          break;
        case 'stuck':
          plan.stuck = { status: r.stuckStatus ?? 2, ruleId: r.id };
          break;
      }
    }
    return plan;
  }

  private inScope(c: Compiled, ctx: FaultContext): boolean {
    const r = c.rule;
    if (r.operations && !r.operations.includes(ctx.op)) return false;
    if (r.shopUrl !== undefined && r.shopUrl !== ctx.shopUrl) return false;
    if (c.orderNumbers || c.pattern) {
      return ctx.orderNumbers.some((n) => (!c.orderNumbers || c.orderNumbers.has(n)) && (!c.pattern || c.pattern.test(n)));
    }
    return true;
  }

  private fires(r: FaultRule): boolean {
    if (r.count !== undefined && r.count <= 0) return false;
    if (r.rate !== undefined && r.rate < 1 && this.random() >= r.rate) return false;
    if (r.count !== undefined) r.count -= 1;
    r.fired += 1;
    return true;
  }
}
