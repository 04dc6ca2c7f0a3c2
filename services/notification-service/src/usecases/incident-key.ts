import { createHash } from 'node:crypto';
import { AuthExpiringV1, EventEnvelope, PaymentRequestDeadLetteredV1, PaymentResultV1, PaymentStuckV1 } from '@rcp/contracts';

const digest = (parts: string[]) => createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);

/**
 * What makes two events the same incident, so repeats (even as distinct messages) notify once per window:
 * results by (shop, type, order, operationId, errorCode); stuck by the operation; expiring by the authorization;
 * dead-lettered by the set of operations given up on.
 */
export function incidentKey(e: EventEnvelope): string {
  const head = [e.shopId, e.type];
  switch (e.type) {
    case 'PaymentRequestDeadLettered': {
      const d = e.data as PaymentRequestDeadLetteredV1;
      return [...head, d.operation, digest([...d.operationIds].sort().concat([...d.orderNumbers].sort()))].join('|');
    }
    case 'PaymentStuck': {
      const d = e.data as PaymentStuckV1;
      return [...head, d.orderNumber, d.operation, d.operationId ?? d.since].join('|');
    }
    case 'AuthExpiring': {
      const d = e.data as AuthExpiringV1;
      return [...head, d.orderNumber, d.authorizedAt].join('|');
    }
    default: {
      const d = e.data as PaymentResultV1;
      return [...head, d.orderNumber, d.operationId, d.errorCode ?? ''].join('|');
    }
  }
}
