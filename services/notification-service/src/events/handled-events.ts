import {
  AuthCancelFailed,
  AuthExpiring,
  AuthFailed,
  CaptureCancelFailed,
  CaptureFailed,
  EventContract,
  PaymentRequestDeadLettered,
  PaymentStuck,
} from '@rcp/contracts';

export const CONSUMER_NAME = 'notification-service';

/** Events that become notifications. Rules may only name these types. */
export const HANDLED_EVENTS: readonly EventContract[] = [
  AuthFailed,
  CaptureFailed,
  AuthCancelFailed,
  CaptureCancelFailed,
  PaymentRequestDeadLettered,
  PaymentStuck,
  AuthExpiring,
];

export const HANDLED_EVENT_TYPES: readonly string[] = HANDLED_EVENTS.map((c) => c.type);
export const HANDLED_ROUTING_KEYS: readonly string[] = HANDLED_EVENTS.map((c) => c.routingKey);
