import { EventContract } from './contract';
import * as accessEvents from './events/access-events';
import * as orderEvents from './events/order-events';
import * as requests from './events/payment-requests';
import * as results from './events/payment-results';
import * as shopEvents from './events/shop-events';

/** Every event contract this system publishes or accepts. The AsyncAPI document is generated from it. */
export const EVENT_CATALOGUE: readonly EventContract[] = Object.freeze([
  requests.AuthRequested,
  requests.AuthCancelRequested,
  requests.CaptureRequested,
  requests.CaptureCancelRequested,
  requests.CardStatusRequested,
  results.AuthCompleted,
  results.AuthFailed,
  results.AuthCancelCompleted,
  results.AuthCancelFailed,
  results.CaptureCompleted,
  results.CaptureFailed,
  results.CaptureCancelCompleted,
  results.CaptureCancelFailed,
  results.CardStatusReported,
  results.PaymentRequestDeadLettered,
  orderEvents.OrderReceived,
  orderEvents.OrderShipped,
  orderEvents.OrderStatusChanged,
  orderEvents.PaymentTagChanged,
  orderEvents.AuthExpiring,
  orderEvents.PaymentStuck,
  accessEvents.ApiKeyIssued,
  accessEvents.ApiKeyRevoked,
  shopEvents.ShopCredentialsUpdated,
  shopEvents.ConnectionCheckRequested,
  shopEvents.ConnectionCheckCompleted,
] as EventContract[]);

const byKey = new Map(EVENT_CATALOGUE.map((c) => [`${c.type}@${c.version}`, c]));
const knownTypes = new Set(EVENT_CATALOGUE.map((c) => c.type));

/** The contract for (type, version), or undefined. */
export function findContract(type: string, version: number): EventContract | undefined {
  return byKey.get(`${type}@${version}`);
}

/** True when some version of `type` exists. */
export function isKnownType(type: string): boolean {
  return knownTypes.has(type);
}

/** The contract of the latest version of `type`; throws for an unknown type. */
export function latestContract(type: string): EventContract {
  const versions = EVENT_CATALOGUE.filter((c) => c.type === type);
  if (versions.length === 0) throw new Error(`Unknown event type ${type}`);
  return versions.reduce((a, b) => (b.version > a.version ? b : a));
}
