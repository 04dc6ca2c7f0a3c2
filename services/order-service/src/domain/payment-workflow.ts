import type { OrderStatus, PaymentOperation, PaymentTag } from '@rcp/contracts';
import {
  ActionOutcome,
  BulkAction,
  OrderState,
  PaymentRequestEffect,
  PaymentResultInput,
  PaymentSettings,
  StatusChange,
  TagChange,
} from './types';

const DAY_MS = 86_400_000;

/** Tag shown while an operation is with the card API. */
export const IN_PROGRESS_TAG: Record<PaymentOperation, PaymentTag | null> = {
  auth: 'オーソリ中',
  'auth-cancel': 'オーソリ取消中',
  capture: '売上請求中',
  'capture-cancel': '売上請求取消中',
  'card-status': null,
};

const SUCCESS_TAG: Record<PaymentOperation, PaymentTag | null> = {
  auth: 'オーソリ済',
  'auth-cancel': '未オーソリ',
  capture: '売上請求済',
  'capture-cancel': '未オーソリ',
  'card-status': null,
};

const FAILURE_TAG: Record<PaymentOperation, PaymentTag | null> = {
  auth: 'オーソリエラー',
  'auth-cancel': '取消エラー',
  capture: '売上請求エラー',
  'capture-cancel': '取消エラー',
  'card-status': null,
};

/** True for payment methods handled by the card API (クレジットカード, カード決済, card ...). */
export function isCardPayment(paymentMethod: string): boolean {
  return /クレジット|カード|card/i.test(paymentMethod);
}

/** The order status automatic progress (受注進捗遷移) moves to, or null. */
export function autoProgressTarget(status: OrderStatus, tag: PaymentTag | null): OrderStatus | null {
  if ((tag === 'オーソリ済' || tag === 'オーソリ不要') && status === '未確認') return '出荷待ち';
  if (tag === '売上請求済' && (status === '未確認' || status === '出荷待ち' || status === '出荷済')) return '完了';
  // A 0-yen order has nothing to bill: once shipped it is done.
  if (tag === 'オーソリ不要' && status === '出荷済') return '完了';
  return null;
}

/**
 * Applies the manual's payment rules to one order. Mutates the order state and collects the effects
 * (tag and status changes, requests to the gateway) that the caller persists in one transaction.
 */
export class PaymentWorkflow {
  readonly tagChanges: TagChange[] = [];
  readonly statusChanges: StatusChange[] = [];
  readonly requests: PaymentRequestEffect[] = [];

  constructor(
    private readonly order: OrderState,
    private readonly settings: PaymentSettings,
    private readonly now: Date,
    private readonly newId: () => string,
  ) {}

  get isCardOrder(): boolean {
    return isCardPayment(this.order.paymentMethod);
  }

  /** Sets the initial tag of a new order; 0-yen card orders need no authorization and move on. */
  initialize(actor: string): void {
    if (!this.isCardOrder) {
      this.order.paymentTag = null;
      return;
    }
    this.order.paymentTag = null;
    if (this.order.billedAmount === 0) {
      this.setTag('オーソリ不要', '請求金額0円: authorization not required', actor);
      this.autoProgress('automatic progress (受注進捗遷移)');
      return;
    }
    this.setTag('未オーソリ', 'new card order', actor);
    if (this.settings.autoAuthorize && this.settings.useCardApi && this.order.status !== 'キャンセル' && this.order.status !== '保留') {
      this.runAction('authorize', 'system:auto-authorize');
    }
  }

  /** Runs an operator (or system) action; returns whether it was accepted, skipped or refused and why. */
  runAction(action: BulkAction, actor: string): ActionOutcome {
    const refusal = this.commonRefusal(action);
    if (refusal) return refusal;
    switch (action) {
      case 'authorize':
        return this.authorize(actor);
      case 'cancel-authorization':
        return this.cancelAuthorization(actor);
      case 'capture':
        return this.capture(actor);
      case 'cancel-capture':
        return this.cancelCapture(actor);
      case 'status-check':
        return this.start('card-status', [], actor, 'status check');
      case 'reauthorize':
        return this.reauthorize(actor);
    }
  }

  private commonRefusal(action: BulkAction): ActionOutcome | null {
    if (!this.isCardOrder) return { outcome: 'refused', reason: `payment method ${this.order.paymentMethod} is not a card payment` };
    if (!this.settings.useCardApi) return { outcome: 'refused', reason: 'the card API is disabled for this shop (useCardApi=false)' };
    if (action === 'status-check') return null;
    if (this.order.pendingOperationId) {
      return { outcome: 'skipped', reason: `operation ${this.order.pendingOperation} is in progress (${this.order.paymentTag})` };
    }
    return null;
  }

  private authorize(actor: string): ActionOutcome {
    const tag = this.order.paymentTag;
    if (this.order.billedAmount === 0 || tag === 'オーソリ不要') {
      return { outcome: 'refused', reason: '請求金額が0円のためオーソリは不要です (a 0-yen authorization is an error at the card API; the order needs none)' };
    }
    if (this.order.status === 'キャンセル') return { outcome: 'refused', reason: 'the order is cancelled (キャンセル)' };
    if (tag === 'オーソリ済') return { outcome: 'skipped', reason: 'already authorized (オーソリ済)' };
    if (tag === '売上請求済') return { outcome: 'skipped', reason: 'already captured (売上請求済)' };
    if (tag !== '未オーソリ' && tag !== 'オーソリエラー') {
      return { outcome: 'refused', reason: `cannot authorize an order tagged ${tag}; use reauthorize or cancel first` };
    }
    return this.start('auth', [], actor, 'authorization requested');
  }

  private cancelAuthorization(actor: string): ActionOutcome {
    const tag = this.order.paymentTag;
    if (tag === '未オーソリ' || tag === 'オーソリエラー' || tag === 'オーソリ不要') {
      return { outcome: 'skipped', reason: `nothing to cancel (${tag})` };
    }
    if (tag === '売上請求済') return { outcome: 'refused', reason: 'the order is captured (売上請求済): cancel the capture instead' };
    if (!this.hasLiveAuthorization()) return { outcome: 'refused', reason: `no authorization to cancel (${tag})` };
    return this.start('auth-cancel', [], actor, 'authorization cancel requested');
  }

  private capture(actor: string): ActionOutcome {
    const tag = this.order.paymentTag;
    if (tag === 'オーソリ不要') return { outcome: 'skipped', reason: '請求金額0円: nothing to capture (オーソリ不要)' };
    if (tag === '売上請求済') return { outcome: 'skipped', reason: 'already captured (売上請求済)' };
    if (tag !== 'オーソリ済' && tag !== '売上請求エラー') {
      return { outcome: 'refused', reason: `capture needs a valid authorization; the order is ${tag}` };
    }
    if (this.settings.captureRequiresShipment && this.order.status !== '出荷済') {
      return { outcome: 'refused', reason: `capture is only allowed for shipped orders (出荷済); the order is ${this.order.status}` };
    }
    if (this.order.authorizedAmount !== this.order.billedAmount) {
      return {
        outcome: 'refused',
        reason: `billed amount ${this.order.billedAmount} yen differs from the authorized amount ${this.order.authorizedAmount} yen: re-authorize first`,
      };
    }
    if (this.authExpired()) {
      if (!this.settings.autoReauthorize) {
        return {
          outcome: 'refused',
          reason: `the authorization expired on ${this.order.authExpiresAt?.toISOString()} (valid ${this.settings.authValidityDays} days): cancel and authorize again (reauthorize)`,
        };
      }
      return this.start('auth-cancel', ['auth', 'capture'], actor, 'authorization expired: automatic cancel + re-authorize before capture');
    }
    return this.start('capture', [], actor, 'capture requested');
  }

  private cancelCapture(actor: string): ActionOutcome {
    const tag = this.order.paymentTag;
    if (tag === '売上請求済' || (tag === '取消エラー' && this.order.capturedAt)) {
      return this.start('capture-cancel', [], actor, 'capture cancel requested');
    }
    if (tag === '未オーソリ' || tag === 'オーソリ不要') return { outcome: 'skipped', reason: `nothing to cancel (${tag})` };
    return { outcome: 'refused', reason: `the order is not captured (${tag})` };
  }

  private reauthorize(actor: string): ActionOutcome {
    const tag = this.order.paymentTag;
    if (this.order.billedAmount === 0 || tag === 'オーソリ不要') {
      return { outcome: 'refused', reason: '請求金額が0円のためオーソリは不要です (a 0-yen authorization is an error at the card API; the order needs none)' };
    }
    if (this.order.status === 'キャンセル') return { outcome: 'refused', reason: 'the order is cancelled (キャンセル)' };
    if (tag === '未オーソリ' || tag === 'オーソリエラー') return this.start('auth', [], actor, 're-authorization requested');
    if (tag === '売上請求済') return { outcome: 'refused', reason: 'the order is captured (売上請求済): cancel the capture first' };
    if (!this.hasLiveAuthorization()) return { outcome: 'refused', reason: `no authorization to renew (${tag})` };
    return this.start('auth-cancel', ['auth'], actor, 're-authorization requested: cancel then authorize');
  }

  private hasLiveAuthorization(): boolean {
    return this.order.authorizedAt !== null && this.order.capturedAt === null;
  }

  /** True when the authorization has lapsed (or lapses now). */
  authExpired(): boolean {
    return this.order.authExpiresAt !== null && this.order.authExpiresAt.getTime() <= this.now.getTime();
  }

  private start(operation: PaymentOperation, plan: PaymentOperation[], actor: string, cause: string): ActionOutcome {
    const operationId = this.newId();
    const request: PaymentRequestEffect = { operation, operationId, requestedBy: actor };
    if (operation === 'auth') request.amount = this.order.billedAmount;
    if (operation === 'capture') request.amount = this.order.authorizedAmount ?? this.order.billedAmount;
    this.requests.push(request);
    const tag = IN_PROGRESS_TAG[operation];
    if (tag) {
      this.order.pendingOperationId = operationId;
      this.order.pendingOperation = operation;
      this.order.pendingSince = this.now;
      this.order.pendingStuckReportedAt = null;
      this.order.plan = plan;
      this.order.planActor = plan.length > 0 ? actor : null;
      this.setTag(tag, cause, actor, operationId);
    }
    return { outcome: 'accepted', operation, operationId, plan };
  }

  /**
   * Applies a result. Only the result of the pending operation changes the tag; anything else (late,
   * duplicated, superseded) is only recorded by the caller in the API log.
   */
  applyResult(result: PaymentResultInput, actor = 'payment-gateway'): { applied: boolean; reason?: string } {
    if (result.operation === 'card-status') return { applied: false, reason: 'card status does not change the tag' };
    if (!this.order.pendingOperationId || this.order.pendingOperationId !== result.operationId) {
      return { applied: false, reason: `operation ${result.operationId} is not the pending one (${this.order.pendingOperationId ?? 'none'})` };
    }
    if (this.order.pendingOperation !== result.operation) {
      return { applied: false, reason: `result is for ${result.operation} but the pending operation is ${this.order.pendingOperation}` };
    }
    const operation = result.operation;
    const plan = this.order.plan;
    const planActor = this.order.planActor ?? actor;
    this.order.pendingOperationId = null;
    this.order.pendingOperation = null;
    this.order.pendingSince = null;
    this.order.pendingStuckReportedAt = null;
    this.order.plan = [];
    this.order.planActor = null;
    if (!result.success) {
      this.order.lastError = { operation, errorCode: result.errorCode, message: result.message, at: result.processedAt.toISOString() };
      const failTag = FAILURE_TAG[operation] as PaymentTag;
      this.setTag(failTag, `${operation} failed: ${result.errorCode ?? ''} ${result.message ?? ''}`.trim().slice(0, 200), actor, result.operationId);
      return { applied: true };
    }
    this.order.lastError = null;
    switch (operation) {
      case 'auth':
        this.order.authorizedAmount = result.amount ?? this.order.billedAmount;
        this.order.authorizedAt = result.processedAt;
        this.order.authExpiresAt = new Date(result.processedAt.getTime() + this.settings.authValidityDays * DAY_MS);
        this.order.authOperationId = result.operationId;
        break;
      case 'auth-cancel':
      case 'capture-cancel':
        this.clearAuthorization();
        break;
      case 'capture':
        this.order.capturedAmount = result.amount ?? this.order.authorizedAmount;
        this.order.capturedAt = result.processedAt;
        break;
    }
    this.setTag(SUCCESS_TAG[operation] as PaymentTag, `${operation} completed`, actor, result.operationId);
    this.continuePlan(plan, planActor);
    this.autoProgress('automatic progress (受注進捗遷移)');
    return { applied: true };
  }

  private continuePlan(plan: PaymentOperation[], actor: string): void {
    const [next, ...rest] = plan;
    if (!next) return;
    if (next === 'capture') {
      const outcome = this.capture(actor);
      if (outcome.outcome !== 'accepted') this.order.lastError = { operation: 'capture', errorCode: null, message: outcome.reason, at: this.now.toISOString() };
      return;
    }
    this.start(next, rest, actor, `${next} (step of a planned renewal)`);
  }

  private clearAuthorization(): void {
    this.order.authorizedAmount = null;
    this.order.authorizedAt = null;
    this.order.authExpiresAt = null;
    this.order.authOperationId = null;
    this.order.capturedAmount = null;
    this.order.capturedAt = null;
  }

  /** The warehouse shipped the order: 出荷済, and auto-capture where the shop enables it. */
  markShipped(shippedAt: Date, actor: string): ActionOutcome | null {
    this.order.shippedAt = shippedAt;
    if (this.order.status !== 'キャンセル' && this.order.status !== '完了') this.setStatus('出荷済', 'order shipped', actor);
    if (this.isCardOrder && this.settings.autoCapture && (this.order.paymentTag === 'オーソリ済' || this.order.paymentTag === '売上請求エラー')) {
      return this.runAction('capture', 'system:auto-capture');
    }
    this.autoProgress('automatic progress (受注進捗遷移)');
    return null;
  }

  /** Handles a change of the billed amount (edit): 0 yen ↔ needs authorization. */
  billedAmountChanged(actor: string): void {
    if (!this.isCardOrder) return;
    if (this.order.billedAmount === 0 && (this.order.paymentTag === '未オーソリ' || this.order.paymentTag === 'オーソリエラー')) {
      this.setTag('オーソリ不要', '請求金額0円: authorization not required', actor);
      this.autoProgress('automatic progress (受注進捗遷移)');
    } else if (this.order.billedAmount > 0 && this.order.paymentTag === 'オーソリ不要') {
      this.setTag('未オーソリ', 'billed amount is no longer 0 yen', actor);
    }
  }

  /** Re-evaluates the payment tag after the payment method changed (edit). */
  paymentMethodChanged(actor: string): void {
    if (!this.isCardOrder) {
      if (this.order.paymentTag !== null) {
        this.tagChanges.push({ from: this.order.paymentTag, to: null, cause: 'payment method is no longer a card', actor });
        this.order.paymentTag = null;
      }
      return;
    }
    if (this.order.paymentTag === null) this.initialize(actor);
  }

  autoProgress(cause: string): void {
    if (!this.settings.autoProgress) return;
    const to = autoProgressTarget(this.order.status, this.order.paymentTag);
    if (to) this.setStatus(to, cause, 'system:auto-progress');
  }

  setStatus(to: OrderStatus, cause: string, actor: string): void {
    if (this.order.status === to) return;
    this.statusChanges.push({ from: this.order.status, to, cause, actor });
    this.order.status = to;
  }

  private setTag(to: PaymentTag, cause: string, actor: string, operationId?: string): void {
    if (this.order.paymentTag === to && !operationId) return;
    this.tagChanges.push({ from: this.order.paymentTag, to, cause, actor, ...(operationId ? { operationId } : {}) });
    this.order.paymentTag = to;
  }
}
