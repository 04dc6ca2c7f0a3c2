import { randomBytes, randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { RccsTransportError, type RccsExchange, type RccsResult } from '@rcp/rccs-client';
import { NonRetryableError } from '@rcp/messaging';
import { Keyring } from '@rcp/secrets';
import type { EventEnvelope, ShopCredentialsUpdatedV1 } from '@rcp/contracts';
import { ConfiguredCredentialsProvider, gatewayCredentialAad } from '../config/credentials';
import { DEFAULT_CHECK_CODE_OUTCOMES, loadGatewayConfig } from '../config/gateway-config';
import { runConnectionCheck, type ConnectionProbe } from './connection-check';
import { applyShopCredentials, transportAad } from './credentials-replication';

const CREDS = { shopId: 'shop-a', shopUrl: 'shop-a', userName: 'u', authKey: 'secret-key-123' };
const exchange = {} as RccsExchange;
const creds = new ConfiguredCredentialsProvider([CREDS]);
const options = { codeOutcomes: { ...DEFAULT_CHECK_CODE_OUTCOMES, 'RCCS_E01-002': 'unknown-shop' as const }, timeoutMs: 200 };
const probeOf = (fn: () => Promise<RccsResult<unknown>>): ConnectionProbe => ({ probe: fn });
const failure = (errorCode: string, message: string | null = '認証エラー'): RccsResult<unknown> =>
  ({ ok: false, operation: 'getRCCSRequestId', errorCode, message, classification: { classification: 'operator-action' }, exchange }) as never;

describe('runConnectionCheck', () => {
  const check = (probe: ConnectionProbe, shop = 'shop-a') => runConnectionCheck(shop, randomUUID(), creds, probe, options);

  it('ok with the API code', async () => {
    const r = await check(probeOf(async () => ({ ok: true, operation: 'getRCCSRequestId', errorCode: 'RCCS_N00-000', message: null, value: 1, exchange })));
    expect(r).toMatchObject({ outcome: 'ok', errorCode: 'RCCS_N00-000' });
    expect(r.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('maps request-level codes: 認証エラー → wrong-credentials, configured codes, anything else → api-error', async () => {
    expect(await check(probeOf(async () => failure('RCCS_E01-001')))).toMatchObject({ outcome: 'wrong-credentials', errorCode: 'RCCS_E01-001', message: expect.stringContaining('認証エラー') });
    expect(await check(probeOf(async () => failure('RCCS_E01-002', null)))).toMatchObject({ outcome: 'unknown-shop', errorCode: 'RCCS_E01-002' });
    expect(await check(probeOf(async () => failure('RCCS_E99-999', 'busy')))).toMatchObject({ outcome: 'api-error', errorCode: 'RCCS_E99-999' });
  });

  it('maps transport failures: connect/reset → unreachable, timeout → timeout, faults → api-error; a hanging call times out', async () => {
    const transport = (kind: ConstructorParameters<typeof RccsTransportError>[0]) => probeOf(async () => {
      throw new RccsTransportError(kind, 'getRCCSRequestId', `${kind} happened`, false, exchange);
    });
    expect(await check(transport('connect'))).toMatchObject({ outcome: 'unreachable', errorCode: 'connect' });
    expect(await check(transport('connection-reset'))).toMatchObject({ outcome: 'unreachable' });
    expect(await check(transport('timeout'))).toMatchObject({ outcome: 'timeout' });
    expect(await check(transport('soap-fault'))).toMatchObject({ outcome: 'api-error', errorCode: 'soap-fault' });
    const hung = await check(probeOf(() => new Promise(() => undefined)));
    expect(hung).toMatchObject({ outcome: 'timeout', errorCode: 'timeout' });
    expect(hung.latencyMs).toBeGreaterThanOrEqual(190);
  });

  it('no-credentials when the gateway holds none for the shop (no call)', async () => {
    const probe = { probe: jest.fn() };
    expect(await check(probe, 'other-shop')).toMatchObject({ outcome: 'no-credentials' });
    expect(probe.probe).not.toHaveBeenCalled();
  });

  it('GATEWAY_CHECK_CODE_OUTCOMES extends the default mapping and is validated', () => {
    expect(loadGatewayConfig({}).connectionCheck.codeOutcomes).toEqual({ 'RCCS_E01-001': 'wrong-credentials' });
    expect(loadGatewayConfig({ GATEWAY_CHECK_CODE_OUTCOMES: '{"RCCS_E01-002":"unknown-shop"}' }).connectionCheck.codeOutcomes).toEqual({
      'RCCS_E01-001': 'wrong-credentials',
      'RCCS_E01-002': 'unknown-shop',
    });
    expect(() => loadGatewayConfig({ GATEWAY_CHECK_CODE_OUTCOMES: '{"X":"maybe"}' })).toThrow(/GATEWAY_CHECK_CODE_OUTCOMES/);
    expect(() => loadGatewayConfig({ GATEWAY_CREDENTIALS_KEYS: 'k:AAAA' })).toThrow(/GATEWAY_CREDENTIALS_KEYS: key "k": must be exactly 32 bytes/);
  });
});

describe('applyShopCredentials', () => {
  const transport = Keyring.parse(`t1:${randomBytes(32).toString('base64')}`);
  const atRest = Keyring.parse(`g1:${randomBytes(32).toString('base64')}`);
  const payload = { shopUrl: 'shop-a', userName: 'u', authKey: 'secret-key-123' };
  const envelope = (version: number, sealed = transport.seal(JSON.stringify(payload), transportAad('shop-a', version)), shopId = 'shop-a') =>
    ({ id: randomUUID(), type: 'ShopCredentialsUpdated', version: 1, shopId, correlationId: 'c', causationId: null, occurredAt: new Date().toISOString(), data: { version, sealed, updatedAt: new Date().toISOString() } }) as EventEnvelope<ShopCredentialsUpdatedV1>;
  const manager = (rows: unknown[] = [{ shop_id: 'shop-a' }]) => {
    const query = jest.fn(async (_sql: string, _params: unknown[]) => rows);
    return { m: { query } as unknown as EntityManager, query };
  };

  it('re-seals each field under the gateway key and stores it only if not older (SQL guard), reporting stale', async () => {
    const { m, query } = manager();
    expect(await applyShopCredentials(m, envelope(3), { atRest, transport })).toBe('applied');
    const [sql, params] = query.mock.calls[0]!;
    expect(sql).toContain('WHERE shop_credentials.version <= EXCLUDED.version');
    expect(params.slice(0, 2)).toEqual(['shop-a', 3]);
    expect(JSON.stringify(params)).not.toContain('secret-key-123');
    expect(atRest.open(params[4] as string, gatewayCredentialAad('shop-a', 'authKey'))).toBe('secret-key-123');
    expect(await applyShopCredentials(manager([]).m, envelope(2), { atRest, transport })).toBe('stale');
  });

  it('parks (NonRetryableError) a payload not sealed with the transport key, for another shop or version, or without keyrings', async () => {
    const other = Keyring.parse(`t1:${randomBytes(32).toString('base64')}`);
    const forged = envelope(1, other.seal(JSON.stringify(payload), transportAad('shop-a', 1)));
    await expect(applyShopCredentials(manager().m, forged, { atRest, transport })).rejects.toThrow(NonRetryableError);
    await expect(applyShopCredentials(manager().m, envelope(1, undefined, 'shop-b'), { atRest, transport })).rejects.toThrow(/failed authentication/);
    const replayedAsNewer = envelope(5, transport.seal(JSON.stringify(payload), transportAad('shop-a', 4)));
    await expect(applyShopCredentials(manager().m, replayedAsNewer, { atRest, transport })).rejects.toThrow(NonRetryableError);
    await expect(applyShopCredentials(manager().m, envelope(1), { transport })).rejects.toThrow(/GATEWAY_CREDENTIALS_KEYS/);
    const garbage = envelope(1, transport.seal('{"shopUrl":1}', transportAad('shop-a', 1)));
    await expect(applyShopCredentials(manager().m, garbage, { atRest, transport })).rejects.toThrow(/not \{shopUrl, userName, authKey\}/);
  });
});
