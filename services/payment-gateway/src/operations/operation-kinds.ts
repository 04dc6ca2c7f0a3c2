import {
  AuthCancelCompleted,
  AuthCancelFailed,
  AuthCompleted,
  AuthFailed,
  CaptureCancelCompleted,
  CaptureCancelFailed,
  CaptureCompleted,
  CaptureFailed,
  EventContract,
  PaymentOperation,
  PaymentResultV1,
} from '@rcp/contracts';
import type { RccsAsyncOperation } from '@rcp/rccs-client';

/** Operations submitted to the card API asynchronously (card-status is answered synchronously). */
export type AsyncKind = Exclude<PaymentOperation, 'card-status'>;

export const ASYNC_KINDS: readonly AsyncKind[] = ['auth', 'auth-cancel', 'capture', 'capture-cancel'];

export interface KindSpec {
  apiOperation: RccsAsyncOperation;
  requestType: string;
  completed: EventContract<PaymentResultV1>;
  failed: EventContract<PaymentResultV1>;
  /** Tens digit of the card status this operation family produces (spec §6.4 hypothesis). */
  cardStatusFamily: number;
}

export const KIND_SPECS: Readonly<Record<AsyncKind, KindSpec>> = {
  auth: { apiOperation: 'authori', requestType: 'AuthRequested', completed: AuthCompleted, failed: AuthFailed, cardStatusFamily: 1 },
  'auth-cancel': {
    apiOperation: 'authoriCancel',
    requestType: 'AuthCancelRequested',
    completed: AuthCancelCompleted,
    failed: AuthCancelFailed,
    cardStatusFamily: 3,
  },
  capture: { apiOperation: 'sales', requestType: 'CaptureRequested', completed: CaptureCompleted, failed: CaptureFailed, cardStatusFamily: 2 },
  'capture-cancel': {
    apiOperation: 'salesCancel',
    requestType: 'CaptureCancelRequested',
    completed: CaptureCancelCompleted,
    failed: CaptureCancelFailed,
    cardStatusFamily: 4,
  },
};

export function isAsyncKind(kind: string): kind is AsyncKind {
  return (ASYNC_KINDS as readonly string[]).includes(kind);
}
