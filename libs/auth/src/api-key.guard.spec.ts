import { ExecutionContext, HttpException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { PUBLIC_ROUTE_KEY } from '@rcp/observability';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeyStore } from './api-key.store';
import { AuditEntry, AuditWriter } from './audit';
import { ROLES_KEY } from './decorators';
import { Principal } from './principal';

const KEYS: Record<string, Principal> = {
  rcp_viewer: { keyId: 'viewer000001', name: 'v', role: 'viewer', shops: ['shop-a'] },
  rcp_operator: { keyId: 'operator0001', name: 'o', role: 'operator', shops: ['shop-a'] },
  rcp_admin: { keyId: 'admin0000001', name: 'a', role: 'admin', shops: ['*'] },
};

function setup(meta: Record<string, unknown> = {}) {
  const written: AuditEntry[] = [];
  const store = { authenticate: async (k: string) => KEYS[k] ?? null } as unknown as ApiKeyStore;
  const audit = { writeSafely: async (e: AuditEntry) => void written.push(e) } as unknown as AuditWriter;
  const reflector = { getAllAndOverride: (key: string) => meta[key] } as unknown as Reflector;
  const guard = new ApiKeyGuard(reflector, store, audit);
  const run = async (req: { method: string; key?: string; header?: 'bearer' | 'x-api-key'; params?: object; query?: object; body?: unknown }) => {
    const headers: Record<string, string> = {};
    if (req.key) headers[req.header === 'x-api-key' ? 'x-api-key' : 'authorization'] = req.header === 'x-api-key' ? req.key : `Bearer ${req.key}`;
    const request = { method: req.method, params: req.params ?? {}, query: req.query ?? {}, body: req.body, path: '/x', header: (n: string) => headers[n.toLowerCase()] } as Record<string, unknown>;
    const ctx = { getType: () => 'http', getHandler: () => run, getClass: () => Object, switchToHttp: () => ({ getRequest: () => request }) } as unknown as ExecutionContext;
    try {
      await guard.canActivate(ctx);
      return { status: 200, principal: request.principal as Principal };
    } catch (e) {
      return { status: (e as HttpException).getStatus(), body: (e as HttpException).getResponse() as Record<string, unknown> };
    }
  };
  return { run, written };
}

describe('ApiKeyGuard decisions', () => {
  it('401 without a key, with an unknown key, and with a malformed Authorization header', async () => {
    const { run } = setup();
    expect((await run({ method: 'GET' })).status).toBe(401);
    expect((await run({ method: 'GET', key: 'rcp_unknown' })).status).toBe(401);
    const r = await run({ method: 'GET', key: 'rcp_unknown' });
    expect(r.body).toMatchObject({ statusCode: 401, error: 'Unauthorized', errors: [] });
  });

  it('accepts Bearer and x-api-key and attaches the principal', async () => {
    const { run } = setup();
    expect(await run({ method: 'GET', key: 'rcp_viewer' })).toMatchObject({ status: 200, principal: { keyId: 'viewer000001' } });
    expect((await run({ method: 'GET', key: 'rcp_viewer', header: 'x-api-key' })).status).toBe(200);
  });

  it('viewer reads but may not act; operator acts; @Roles(admin) needs admin', async () => {
    const { run, written } = setup();
    expect((await run({ method: 'POST', key: 'rcp_viewer', params: { shopId: 'shop-a' } })).status).toBe(403);
    expect(written).toEqual([expect.objectContaining({ outcome: 'refused', actor: expect.objectContaining({ keyId: 'viewer000001' }) })]);
    expect((await run({ method: 'POST', key: 'rcp_operator', params: { shopId: 'shop-a' } })).status).toBe(200);
    const admin = setup({ [ROLES_KEY]: 'admin' });
    expect((await admin.run({ method: 'GET', key: 'rcp_operator' })).status).toBe(403);
    expect((await admin.run({ method: 'GET', key: 'rcp_admin' })).status).toBe(200);
  });

  it('403 for a shop outside the scope in params, query (also repeated) or body', async () => {
    const { run } = setup();
    expect((await run({ method: 'GET', key: 'rcp_operator', params: { shopId: 'shop-b' } })).status).toBe(403);
    expect((await run({ method: 'GET', key: 'rcp_operator', query: { shopId: ['shop-a', 'shop-b'] } })).status).toBe(403);
    expect((await run({ method: 'POST', key: 'rcp_operator', body: { shopId: '*' } })).status).toBe(403);
    expect((await run({ method: 'POST', key: 'rcp_operator', body: { shopId: 'shop-a' } })).status).toBe(200);
    expect((await run({ method: 'POST', key: 'rcp_admin', body: { shopId: '*' } })).status).toBe(200);
  });

  it('lets public routes through without a key', async () => {
    const { run } = setup({ [PUBLIC_ROUTE_KEY]: true });
    expect((await run({ method: 'GET' })).status).toBe(200);
  });
});
