import { randomUUID } from 'node:crypto';
import { AuthRequested, EventEnvelope, OrderShipped, createEnvelope } from '@rcp/contracts';

let serial = 0;

/** A valid AuthRequested envelope. */
export function authRequested(amount = 1000): EventEnvelope {
  serial++;
  return createEnvelope(
    AuthRequested,
    { operationId: randomUUID(), orderNumber: `338459-20180531-${String(serial).padStart(8, '0')}`, amount, payType: 0 },
    { shopId: 'example-shop' },
  ) as EventEnvelope;
}



/** A valid OrderShipped envelope. */
export function orderShipped(): EventEnvelope {
  serial++;
  return createEnvelope(
    OrderShipped,
    { orderNumber: `338459-20180601-${String(serial).padStart(8, '0')}`, shippedAt: new Date().toISOString() },
    { shopId: 'example-shop' },
  ) as EventEnvelope;
}

/** A logger that keeps tests quiet but records errors. */
export const quietLogger = {
  errors: [] as string[],
  log: () => undefined,
  warn: () => undefined,
  error(message: string) {
    quietLogger.errors.push(message);
  },
};
