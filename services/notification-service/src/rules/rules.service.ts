import { Injectable, NotFoundException } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AuditWriter, Principal, canAccessShop } from '@rcp/auth';
import { NotificationRule, WebhookEndpoint } from '../entities/notification-rule.entity';
import { fieldErrors } from '../http/validation';
import { CreateRuleDto, UpdateRuleDto, WebhookEndpointUpdateDto } from './rule.dto';
import { RuleView, ruleView } from './rule-view';

@Injectable()
export class RulesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditWriter,
  ) {}

  private get repo() {
    return this.dataSource.getRepository(NotificationRule);
  }

  /** Rules visible to the key: its shops' rules; `*` rules only for every-shop keys. */
  async list(principal: Principal, shopId?: string): Promise<RuleView[]> {
    const rules = await this.repo.find({ where: shopId ? { shopId } : {}, order: { createdAt: 'ASC' } });
    return rules.filter((r) => canAccessShop(principal, r.shopId)).map(ruleView);
  }

  async get(principal: Principal, id: string): Promise<RuleView> {
    return ruleView(await this.load(this.dataSource.manager, principal, id));
  }

  async create(dto: CreateRuleDto): Promise<RuleView> {
    const rule = this.repo.create({
      shopId: dto.shopId,
      name: dto.name ?? '',
      eventTypes: dto.eventTypes,
      emails: dto.emails ?? [],
      webhooks: (dto.webhooks ?? []).map((w) => ({ url: w.url, secret: w.secret })),
      digestWindowSeconds: dto.digestWindowSeconds ?? null,
      dedupWindowSeconds: dto.dedupWindowSeconds ?? null,
      locale: dto.locale ?? 'ja',
      enabled: dto.enabled ?? true,
    });
    assertHasTarget(rule);
    return this.dataSource.transaction(async (m) => {
      const saved = await m.save(rule);
      await this.audit.recordCurrent(m, { shopId: saved.shopId, target: saved.id, outcome: 'accepted' });
      return ruleView(saved);
    });
  }

  async update(principal: Principal, id: string, dto: UpdateRuleDto): Promise<RuleView> {
    return this.dataSource.transaction(async (m) => {
      const rule = await this.load(m, principal, id, true);
      if (dto.webhooks) rule.webhooks = mergeWebhooks(rule.webhooks, dto.webhooks);
      if (dto.eventTypes) rule.eventTypes = dto.eventTypes;
      if (dto.emails) rule.emails = dto.emails;
      if (dto.name !== undefined) rule.name = dto.name;
      if (dto.digestWindowSeconds !== undefined) rule.digestWindowSeconds = dto.digestWindowSeconds;
      if (dto.dedupWindowSeconds !== undefined) rule.dedupWindowSeconds = dto.dedupWindowSeconds;
      if (dto.locale) rule.locale = dto.locale;
      if (dto.enabled !== undefined) rule.enabled = dto.enabled;
      assertHasTarget(rule);
      const saved = await m.save(rule);
      await this.audit.recordCurrent(m, { shopId: saved.shopId, target: saved.id, outcome: 'accepted' });
      return ruleView(saved);
    });
  }

  async remove(principal: Principal, id: string): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      const rule = await this.load(m, principal, id, true);
      await m.delete(NotificationRule, { id });
      await this.audit.recordCurrent(m, { shopId: rule.shopId, target: id, outcome: 'accepted' });
    });
  }

  /** A rule outside the key's shops answers 404, exactly like a missing one (its existence is not revealed). */
  private async load(m: EntityManager, principal: Principal, id: string, forUpdate = false): Promise<NotificationRule> {
    const rule = await m.findOne(NotificationRule, { where: { id }, ...(forUpdate ? { lock: { mode: 'pessimistic_write' as const } } : {}) });
    if (!rule || !canAccessShop(principal, rule.shopId)) throw new NotFoundException(`rule ${id} not found`);
    return rule;
  }
}

function assertHasTarget(rule: NotificationRule): void {
  if (rule.emails.length === 0 && rule.webhooks.length === 0) {
    throw fieldErrors([{ field: 'emails', message: 'a rule needs at least one e-mail recipient or webhook' }]);
  }
}

/** Secrets are write-only: an update may omit the secret of a URL the rule already has. */
function mergeWebhooks(current: WebhookEndpoint[], next: WebhookEndpointUpdateDto[]): WebhookEndpoint[] {
  const errors: { field: string; message: string }[] = [];
  const merged = next.map((w, i) => {
    const secret = w.secret ?? current.find((c) => c.url === w.url)?.secret;
    if (!secret) errors.push({ field: `webhooks.${i}.secret`, message: 'secret is required for a new webhook URL' });
    return { url: w.url, secret: secret ?? '' };
  });
  if (errors.length) throw fieldErrors(errors);
  return merged;
}
