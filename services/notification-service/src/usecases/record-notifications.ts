import { EventEnvelope } from '@rcp/contracts';
import { EntityManager } from 'typeorm';
import { NotificationRule } from '../entities/notification-rule.entity';
import { incidentKey } from './incident-key';

export interface RecordOptions {
  now: Date;
  defaultDedupWindowSeconds: number;
}

export interface RecordOutcome {
  rulesMatched: number;
  suppressedRules: number;
  deliveryIds: string[];
}

/**
 * Turns one event into pending deliveries, inside the caller's transaction (the inbox's): finds the matching
 * rules, de-duplicates by incident per rule, and queues one delivery per recipient and endpoint (e-mails of a
 * digest rule join the rule's open digest instead). The delivery worker sends them.
 */
export async function recordNotifications(manager: EntityManager, event: EventEnvelope, options: RecordOptions): Promise<RecordOutcome> {
  const rules = await manager
    .getRepository(NotificationRule)
    .createQueryBuilder('r')
    .where('r.enabled AND (r.shop_id = :shop OR r.shop_id = :any) AND :type = ANY(r.event_types)', {
      shop: event.shopId,
      any: '*',
      type: event.type,
    })
    .orderBy('r.created_at')
    .getMany();
  const outcome: RecordOutcome = { rulesMatched: rules.length, suppressedRules: 0, deliveryIds: [] };
  const key = incidentKey(event);
  for (const rule of rules) {
    const window = rule.dedupWindowSeconds ?? options.defaultDedupWindowSeconds;
    if (window > 0 && !(await openIncident(manager, rule.id, key, options.now, window))) {
      outcome.suppressedRules++;
      continue;
    }
    for (const email of rule.emails) {
      const id = rule.digestWindowSeconds
        ? await joinDigest(manager, rule, email, event, options.now)
        : await insertDelivery(manager, rule, 'email', email, event, options.now);
      outcome.deliveryIds.push(id);
    }
    for (const hook of rule.webhooks) {
      outcome.deliveryIds.push(await insertDelivery(manager, rule, 'webhook', hook.url, event, options.now));
    }
  }
  return outcome;
}

/** True when this incident is new for the rule (or its suppression window has passed); counts repeats. */
async function openIncident(manager: EntityManager, ruleId: string, key: string, now: Date, windowSeconds: number): Promise<boolean> {
  const until = new Date(now.getTime() + windowSeconds * 1000);
  const inserted: unknown[] = await manager.query(
    `INSERT INTO incident (rule_id, incident_key, first_seen_at, last_seen_at, suppress_until)
     VALUES ($1, $2, $3, $3, $4) ON CONFLICT DO NOTHING RETURNING rule_id`,
    [ruleId, key, now, until],
  );
  if (inserted.length > 0) return true;
  const [row]: { suppress_until: Date }[] = await manager.query(
    'SELECT suppress_until FROM incident WHERE rule_id = $1 AND incident_key = $2 FOR UPDATE',
    [ruleId, key],
  );
  const expired = new Date(row.suppress_until).getTime() <= now.getTime();
  await manager.query(
    `UPDATE incident SET last_seen_at = $3, occurrences = occurrences + 1,
       suppressed = suppressed + CASE WHEN $4 THEN 0 ELSE 1 END,
       suppress_until = CASE WHEN $4 THEN $5 ELSE suppress_until END
     WHERE rule_id = $1 AND incident_key = $2`,
    [ruleId, key, now, expired, until],
  );
  return expired;
}

async function insertDelivery(
  manager: EntityManager,
  rule: NotificationRule,
  channel: 'email' | 'webhook',
  target: string,
  event: EventEnvelope,
  now: Date,
): Promise<string> {
  const [row]: { id: string }[] = await manager.query(
    `INSERT INTO delivery (shop_id, rule_id, channel, target, event_types, events, locale, status, next_attempt_at, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, 'pending', $8, $8, $8) RETURNING id`,
    [event.shopId, rule.id, channel, target, [event.type], JSON.stringify([event]), rule.locale, now],
  );
  return row.id;
}

async function joinDigest(manager: EntityManager, rule: NotificationRule, email: string, event: EventEnvelope, now: Date): Promise<string> {
  const closesAt = new Date(now.getTime() + (rule.digestWindowSeconds ?? 0) * 1000);
  const [row]: { id: string }[] = await manager.query(
    `INSERT INTO delivery (shop_id, rule_id, channel, target, digest, digest_open, event_types, events, locale, status, next_attempt_at, created_at, updated_at)
     VALUES ($1, $2, 'email', $3, true, true, $4, $5::jsonb, $6, 'pending', $7, $8, $8)
     ON CONFLICT (rule_id, channel, target) WHERE digest_open
     DO UPDATE SET events = delivery.events || EXCLUDED.events,
       event_types = CASE WHEN EXCLUDED.event_types[1] = ANY(delivery.event_types) THEN delivery.event_types
                          ELSE delivery.event_types || EXCLUDED.event_types END,
       updated_at = EXCLUDED.updated_at
     RETURNING id`,
    [event.shopId, rule.id, email, [event.type], JSON.stringify([event]), rule.locale, closesAt, now],
  );
  return row.id;
}
