import type { AsyncOperation, DeclineOutcome } from './types';

/**
 * A deterministic decline: when an item of one of `operations` matches every given criterion, the card
 * company "declines" it with the outcome (default: limit exceeded, `RCCS_E22-822` / `210G55`).
 */
export interface DeclineRule extends DeclineOutcome {
  id: string;
  /** Default `['authori']`. */
  operations?: AsyncOperation[];
  shopUrl?: string;
  orderNumbers?: string[];
  orderNumberPattern?: string;
  /** Inclusive bounds on the amount: the requested price for authori, the authorised amount otherwise. */
  minAmount?: number;
  maxAmount?: number;
  helpItemPattern?: string;
  payTypes?: number[];
  /** How many more times the rule fires (absent = always). */
  count?: number;
  /** How many times it fired (read-only). */
  fired: number;
}

export type DeclineRuleInput = Omit<DeclineRule, 'id' | 'fired'> & { id?: string; fired?: number };

export interface DeclineContext {
  op: AsyncOperation;
  shopUrl: string;
  orderNumber: string;
  amount: number;
  helpItem: string | null;
  payType: number;
}

interface Compiled {
  rule: DeclineRule;
  orderNumbers?: Set<string>;
  orderNumberPattern?: RegExp;
  helpItemPattern?: RegExp;
}

const OUTCOME_KEYS = ['code', 'errorCode', 'ccsErrorCode', 'ccsErrorCodeDetail', 'message', 'statusEffect'] as const;

/** The configured decline rules, evaluated in order; the first matching rule wins. */
export class DeclineRules {
  private compiled: Compiled[] = [];
  private nextId = 1;

  constructor(rules: DeclineRuleInput[] = []) {
    this.replace(rules);
  }

  list(): DeclineRule[] {
    return this.compiled.map((c) => ({ ...c.rule }));
  }

  replace(rules: DeclineRuleInput[]): DeclineRule[] {
    this.compiled = [];
    return rules.map((r) => this.add(r));
  }

  add(input: DeclineRuleInput): DeclineRule {
    const rule: DeclineRule = { ...input, id: input.id ?? `decline-${this.nextId++}`, fired: input.fired ?? 0 };
    if (this.compiled.some((c) => c.rule.id === rule.id)) throw new Error(`decline rule id '${rule.id}' already exists`);
    this.compiled.push({
      rule,
      orderNumbers: rule.orderNumbers ? new Set(rule.orderNumbers) : undefined,
      orderNumberPattern: rule.orderNumberPattern !== undefined ? new RegExp(rule.orderNumberPattern) : undefined,
      helpItemPattern: rule.helpItemPattern !== undefined ? new RegExp(rule.helpItemPattern) : undefined,
    });
    return { ...rule };
  }

  remove(id: string): boolean {
    const before = this.compiled.length;
    this.compiled = this.compiled.filter((c) => c.rule.id !== id);
    return this.compiled.length !== before;
  }

  /** The outcome of the first rule matching `ctx` (consuming one of its `count`), or undefined. */
  match(ctx: DeclineContext): DeclineOutcome | undefined {
    for (const c of this.compiled) {
      const r = c.rule;
      if (!(r.operations ?? ['authori']).includes(ctx.op)) continue;
      if (r.shopUrl !== undefined && r.shopUrl !== ctx.shopUrl) continue;
      if (c.orderNumbers && !c.orderNumbers.has(ctx.orderNumber)) continue;
      if (c.orderNumberPattern && !c.orderNumberPattern.test(ctx.orderNumber)) continue;
      if (r.minAmount !== undefined && ctx.amount < r.minAmount) continue;
      if (r.maxAmount !== undefined && ctx.amount > r.maxAmount) continue;
      if (c.helpItemPattern && !c.helpItemPattern.test(ctx.helpItem ?? '')) continue;
      if (r.payTypes && !r.payTypes.includes(ctx.payType)) continue;
      if (r.count !== undefined) {
        if (r.count <= 0) continue;
        r.count -= 1;
      }
      r.fired += 1;
      const outcome: DeclineOutcome = {};
      for (const key of OUTCOME_KEYS) if (r[key] !== undefined) (outcome as Record<string, unknown>)[key] = r[key];
      return outcome;
    }
    return undefined;
  }
}
