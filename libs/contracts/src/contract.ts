/** A payload class: class-validator decorators describe and validate its fields. */
export type PayloadClass<T extends object = object> = new () => T;

/** Which way an event flows; used to group the AsyncAPI document. */
export type EventCategory = 'request' | 'result' | 'order' | 'access' | 'shop';

/**
 * One event contract: the (type, version) pair, its routing key on the topic exchange and the payload class.
 * Routing keys follow `<aggregate>.<operation>.<outcome>`.
 */
export interface EventContract<T extends object = object> {
  readonly type: string;
  readonly version: number;
  readonly routingKey: string;
  readonly category: EventCategory;
  readonly payload: PayloadClass<T>;
  /** What the event means and who publishes it; shown in the AsyncAPI document. */
  readonly description: string;
}

/** Payload type carried by a contract. */
export type PayloadOf<C> = C extends EventContract<infer T> ? T : never;

/** Declares a contract (identity helper that keeps the payload type). */
export function defineEvent<T extends object>(contract: EventContract<T>): EventContract<T> {
  return Object.freeze(contract);
}
