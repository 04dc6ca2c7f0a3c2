import { ConflictException, ForbiddenException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ApiKeyEntity, ApiKeyStore, ApiKeyView, AuditWriter, IssueApiKeyInput, Principal, apiKeyView, issueApiKey, revokeApiKey, scopeWithin } from '@rcp/auth';
import { CLOCK, Clock } from '../common/clock';
import { EVENT_OUTBOX, EventOutbox } from '../events/outbox.port';
import { FieldValidationException } from '../common/errors';

/** Advisory-lock key so that replicas starting together create at most one bootstrap admin key. */
const BOOTSTRAP_LOCK_KEY = 7_301_002;

/** Key authority: issues and revokes operator API keys and publishes them (hash only) for the other services. */
@Injectable()
export class ApiKeysService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly store: ApiKeyStore,
    private readonly audit: AuditWriter,
    @Inject(EVENT_OUTBOX) private readonly outbox: EventOutbox,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Issues a key no wider than the issuer's own scope; the full key is returned once and never stored. */
  async issue(issuer: Principal, input: IssueApiKeyInput): Promise<ApiKeyView & { key: string }> {
    const shops = [...new Set(input.shops)];
    if (shops.includes('*') && shops.length > 1) throw new FieldValidationException([{ field: 'shops', message: '"*" (every shop) cannot be combined with shop ids' }]);
    if (!scopeWithin(shops, issuer.shops)) {
      throw new ForbiddenException({ message: 'a key cannot be given shops outside the issuing key\'s scope', errors: [{ field: 'shops', message: 'outside your scope' }] });
    }
    return this.dataSource.transaction(async (manager) => {
      const { key, view, event } = await issueApiKey(manager, { ...input, shops }, this.clock.now());
      await this.outbox.add(manager, [event]);
      await this.audit.recordCurrent(manager, { target: view.keyId, outcome: 'accepted' });
      return { ...view, key };
    });
  }

  /** Keys within the caller's scope, without secrets or hashes. */
  async list(caller: Principal): Promise<ApiKeyView[]> {
    const rows = await this.dataSource.getRepository(ApiKeyEntity).find({ order: { createdAt: 'ASC' } });
    return rows.filter((r) => scopeWithin(r.shops, caller.shops)).map(apiKeyView);
  }

  /** Revokes a key within the caller's scope (404 otherwise, so other shops' keys are not revealed). */
  async revoke(caller: Principal, keyId: string): Promise<ApiKeyView> {
    if (keyId === this.store.bootstrapKeyId) {
      throw new ConflictException({ message: 'this is the RCP_BOOTSTRAP_ADMIN_KEY from the environment: remove it there', errors: [{ field: 'keyId', message: 'environment key' }] });
    }
    const view = await this.dataSource.transaction(async (manager) => {
      const row = await manager.findOneBy(ApiKeyEntity, { keyId });
      if (!row || !scopeWithin(row.shops, caller.shops)) throw new NotFoundException(`API key ${keyId} not found`);
      const result = await revokeApiKey(manager, keyId, this.clock.now());
      if (!result) throw new NotFoundException(`API key ${keyId} not found`);
      if (result.event) await this.outbox.add(manager, [result.event]);
      await this.audit.recordCurrent(manager, { target: keyId, outcome: 'accepted', reason: result.event ? null : 'already revoked' });
      return result.view;
    });
    this.store.invalidate(keyId);
    return view;
  }

  /**
   * Fresh install: without RCP_BOOTSTRAP_ADMIN_KEY and without any active every-shop admin key, creates one and
   * prints it once to stdout (only its hash is stored). Safe with several replicas (advisory lock).
   */
  async ensureBootstrapAdmin(envKey: string | undefined, print: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<string | null> {
    if (envKey) return null;
    const key = await this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [BOOTSTRAP_LOCK_KEY]);
      const [existing] = (await manager.query(
        `SELECT key_id FROM api_key WHERE role = 'admin' AND revoked_at IS NULL AND '*' = ANY(shops) LIMIT 1`,
      )) as { key_id: string }[];
      if (existing) return null;
      const issued = await issueApiKey(manager, { name: 'bootstrap-admin', role: 'admin', shops: ['*'] }, this.clock.now());
      await this.outbox.add(manager, [issued.event]);
      await this.audit.write(manager, {
        action: 'api-key.issue-bootstrap',
        actor: null,
        actorDetail: 'system:first-start',
        target: issued.view.keyId,
        outcome: 'accepted',
        request: { role: 'admin', shops: ['*'] },
      });
      return issued.key;
    });
    if (key) {
      print('='.repeat(100));
      print(`RCP BOOTSTRAP ADMIN KEY (shown only this once; store it in a secret manager now): ${key}`);
      print('Use it as "Authorization: Bearer <key>" to issue personal keys (POST /api-keys), then revoke it (DELETE /api-keys/<keyId>).');
      print('='.repeat(100));
    }
    return key;
  }
}
