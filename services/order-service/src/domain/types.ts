import type { OrderStatus, PaymentOperation, PaymentTag } from '@rcp/contracts';

/** The payment-relevant state of one order; the entity implements it, unit tests use plain objects. */
export interface OrderState {
  shopId: string;
  orderNumber: string;
  status: OrderStatus;
  /** null for orders not paid by card (the card API is not involved). */
  paymentTag: PaymentTag | null;
  paymentMethod: string;
  billedAmount: number;
  pendingOperationId: string | null;
  pendingOperation: PaymentOperation | null;
  pendingSince: Date | null;
  pendingStuckReportedAt: Date | null;
  /** Steps still to run after the pending one (e.g. ['auth', 'capture'] during an automatic renewal). */
  plan: PaymentOperation[];
  planActor: string | null;
  authorizedAmount: number | null;
  authorizedAt: Date | null;
  authExpiresAt: Date | null;
  authOperationId: string | null;
  capturedAmount: number | null;
  capturedAt: Date | null;
  shippedAt: Date | null;
  lastError: { operation: PaymentOperation; errorCode: string | null; message: string | null; at: string } | null;
}

/** Per-shop switches that drive the payment rules. */
export interface PaymentSettings {
  useCardApi: boolean;
  autoProgress: boolean;
  autoCapture: boolean;
  autoReauthorize: boolean;
  autoAuthorize: boolean;
  captureRequiresShipment: boolean;
  authValidityDays: number;
  expiryWarningLeadDays: number[];
  stuckAfterMinutes: number;
}

export const BULK_ACTIONS = ['authorize', 'cancel-authorization', 'capture', 'cancel-capture', 'status-check', 'reauthorize'] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];

export type ActionOutcome =
  | { outcome: 'accepted'; operation: PaymentOperation; operationId: string; plan: PaymentOperation[] }
  | { outcome: 'skipped'; reason: string }
  | { outcome: 'refused'; reason: string };

export interface TagChange {
  from: PaymentTag | null;
  /** null when the order stops being a card order (recorded in history, no event). */
  to: PaymentTag | null;
  cause: string;
  actor: string;
  operationId?: string;
}

export interface StatusChange {
  from: OrderStatus | null;
  to: OrderStatus;
  cause: string;
  actor: string;
}

/** A request to send to the gateway (becomes AuthRequested, CaptureRequested, ... in the outbox). */
export interface PaymentRequestEffect {
  operation: PaymentOperation;
  operationId: string;
  amount?: number;
  requestedBy: string;
}

/** A result as the domain sees it (from any of the gateway's result events). */
export interface PaymentResultInput {
  operationId: string;
  operation: PaymentOperation;
  success: boolean;
  amount: number | null;
  processedAt: Date;
  errorCode: string | null;
  message: string | null;
}
