import { maskSecret } from '@rcp/config';
import { NotificationRule } from '../entities/notification-rule.entity';

/** A rule as the API shows it: webhook secrets are write-only, only a mask is returned. */
export function ruleView(rule: NotificationRule) {
  return {
    id: rule.id,
    shopId: rule.shopId,
    name: rule.name,
    eventTypes: rule.eventTypes,
    emails: rule.emails,
    webhooks: rule.webhooks.map((w) => ({ url: w.url, secret: maskSecret(w.secret) })),
    digestWindowSeconds: rule.digestWindowSeconds,
    dedupWindowSeconds: rule.dedupWindowSeconds,
    locale: rule.locale,
    enabled: rule.enabled,
    createdAt: rule.createdAt.toISOString(),
    updatedAt: rule.updatedAt.toISOString(),
  };
}

export type RuleView = ReturnType<typeof ruleView>;
