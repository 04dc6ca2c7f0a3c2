import type { RabbitMqContext } from '@rcp/messaging';
import { ORDER_SERVICE } from '../service-name';

/**
 * Whether a delivery is one of this service's own announcements. The service's queue binds `order.received` and the
 * service announces every HTTP/CSV order as `OrderReceived`, so each announcement comes back; every message the
 * service publishes carries its name as AMQP `app-id`, so any of its replicas recognises the echo without the
 * database, whichever replica created the order.
 */
export function isOwnAnnouncement(ctx: Pick<RabbitMqContext, 'getMessage'>): boolean {
  return ctx.getMessage().properties.appId === ORDER_SERVICE;
}
