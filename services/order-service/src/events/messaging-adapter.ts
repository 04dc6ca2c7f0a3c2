import { InboxService, MESSAGING_MIGRATIONS as LIB_MIGRATIONS, OutboxService } from '@rcp/messaging';
import { EVENT_INBOX, EVENT_OUTBOX } from './outbox.port';

/** Outbox/inbox tables come from @rcp/messaging's migrations. */
export const MESSAGING_MIGRATIONS = [...LIB_MIGRATIONS];
export const MESSAGING_ENTITIES: never[] = [];

/** Binds this service's outbox/inbox ports to @rcp/messaging. */
export const MESSAGING_PORT_PROVIDERS = [
  { provide: EVENT_OUTBOX, useExisting: OutboxService },
  { provide: EVENT_INBOX, useExisting: InboxService },
];
