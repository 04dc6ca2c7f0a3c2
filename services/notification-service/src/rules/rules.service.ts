import { Injectable, NotFoundException } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { NotificationRule, WebhookEndpoint } from '../entities/notification-rule.entity';
import { fieldErrors } from '../http/validation';
import { CreateRuleDto, UpdateRuleDto, WebhookEndpointUpdateDto } from './rule.dto';
import { RuleView, ruleView } from './rule-view';

@Injectable()
export class RulesService {
  constructor(private readonly dataSource: DataSource) {}

  private get repo() {
    return this.dataSource.getRepository(NotificationRule);
  }

  async list(shopId?: string): Promise<RuleView[]> {
    const rules = await this.repo.find({ where: shopId ? { shopId } : {}, order: { createdAt: 'ASC' } });
    return rules.map(ruleView);
  }

  async get(id: string): Promise<RuleView> {
    return ruleView(await this.load(id));
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
    return ruleView(await this.repo.save(rule));
  }

  async update(id: string, dto: UpdateRuleDto): Promise<RuleView> {
    const rule = await this.load(id);
    if (dto.webhooks) rule.webhooks = mergeWebhooks(rule.webhooks, dto.webhooks);
    if (dto.eventTypes) rule.eventTypes = dto.eventTypes;
    if (dto.emails) rule.emails = dto.emails;
    if (dto.name !== undefined) rule.name = dto.name;
    if (dto.digestWindowSeconds !== undefined) rule.digestWindowSeconds = dto.digestWindowSeconds;
    if (dto.dedupWindowSeconds !== undefined) rule.dedupWindowSeconds = dto.dedupWindowSeconds;
    if (dto.locale) rule.locale = dto.locale;
    if (dto.enabled !== undefined) rule.enabled = dto.enabled;
    assertHasTarget(rule);
    return ruleView(await this.repo.save(rule));
  }

  async remove(id: string): Promise<void> {
    const result = await this.repo.delete({ id });
    if (!result.affected) throw new NotFoundException(`rule ${id} not found`);
  }

  private async load(id: string): Promise<NotificationRule> {
    const rule = await this.repo.findOneBy({ id });
    if (!rule) throw new NotFoundException(`rule ${id} not found`);
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
