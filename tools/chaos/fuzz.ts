import type { ChaosSystem, ServiceName } from './system';

export interface Route {
  service: ServiceName;
  method: string;
  path: string;
  /** public routes (health) need no key */
  public?: boolean;
}

/** Routes known without OpenAPI (the gateway has no /docs). */
const STATIC_ROUTES: Route[] = [
  { service: 'payment-gateway', method: 'GET', path: '/admin/requests' },
  { service: 'payment-gateway', method: 'GET', path: '/admin/operations/{operationId}' },
  { service: 'payment-gateway', method: 'GET', path: '/health/live', public: true },
  { service: 'payment-gateway', method: 'GET', path: '/health/ready', public: true },
  { service: 'notification-service', method: 'GET', path: '/rules' },
  { service: 'notification-service', method: 'POST', path: '/rules' },
  { service: 'notification-service', method: 'GET', path: '/rules/{id}' },
  { service: 'notification-service', method: 'PATCH', path: '/rules/{id}' },
  { service: 'notification-service', method: 'DELETE', path: '/rules/{id}' },
  { service: 'notification-service', method: 'GET', path: '/deliveries' },
  { service: 'notification-service', method: 'GET', path: '/deliveries/{id}' },
  { service: 'notification-service', method: 'POST', path: '/deliveries/{id}/retry' },
];

/** Every route of order-service (from its OpenAPI document) plus the static ones; OpenAPI of the others when served. */
export async function discoverRoutes(sys: ChaosSystem): Promise<Route[]> {
  const routes = [...STATIC_ROUTES];
  for (const service of ['order-service', 'notification-service', 'payment-gateway'] as const) {
    const res = await sys.http(service, 'GET', '/docs-json').catch(() => undefined);
    if (!res || res.status !== 200) continue;
    const doc = JSON.parse(res.text) as { paths: Record<string, Record<string, unknown>> };
    for (const [path, ops] of Object.entries(doc.paths ?? {})) {
      for (const method of Object.keys(ops)) {
        if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
        const r: Route = { service, method: method.toUpperCase(), path, public: path.startsWith('/health') };
        if (!routes.some((x) => x.service === r.service && x.method === r.method && x.path === r.path)) routes.push(r);
      }
    }
  }
  return routes;
}

export const INJECTIONS = [
  "x' OR '1'='1",
  "'; DROP TABLE orders;--",
  '../../../etc/passwd',
  '<script>alert(1)</script>',
  '${jndi:ldap://127.0.0.1/a}',
  '{{7*7}}',
  '%00%0d%0aSet-Cookie:x=1',
  'ｱｲｳ\u202e\ufeff',
];

const SAFE_PARAMS: Record<string, string> = {
  shopId: 'fuzz-shop',
  orderNumber: '338459-20240105-99000001',
  id: '00000000-0000-4000-8000-000000000000',
  operationId: '00000000-0000-4000-8000-000000000000',
  keyId: 'AAAAAAAAAAAA',
  queue: 'fuzz-queue',
  action: 'authorize',
};

function fill(path: string, override?: string): string {
  return path.replace(/\{(\w+)\}|:(\w+)/g, (_m, a: string, b: string) => encodeURIComponent(override ?? SAFE_PARAMS[a ?? b] ?? 'x'));
}

/** Fuzzes every route; returns findings (5xx, bad auth accepted, a request that never answered). */
export async function fuzzHttp(sys: ChaosSystem, routes: Route[]): Promise<{ requests: number; findings: string[] }> {
  const findings: string[] = [];
  let requests = 0;
  const call = async (label: string, route: Route, path: string, init: { auth?: string | null; rawBody?: string | Buffer; headers?: Record<string, string> }, accept: (s: number) => boolean) => {
    requests++;
    try {
      const res = await sys.http(route.service, route.method, path, undefined, { ...init, timeoutMs: 10_000 });
      if (!accept(res.status)) findings.push(`${route.service} ${route.method} ${route.path} ${label} → ${res.status} ${res.text.slice(0, 60).replace(/\s+/g, ' ')}`);
    } catch (err) {
      findings.push(`${route.service} ${route.method} ${route.path} ${label} → no answer (${(err as Error).message})`);
    }
  };
  const below500 = (s: number) => s < 500;
  const json = { 'content-type': 'application/json' };
  for (const route of routes) {
    const path = fill(route.path);
    if (!route.public) {
      for (const [label, auth] of [
        ['without a key', null],
        ['with a garbage key', 'not-a-key'],
        ['with a well-formed unknown key', `rcp_AAAAAAAAAAAA_${'A'.repeat(43)}`],
        ['with the admin key id and a wrong secret', `${sys.adminKey.slice(0, 17)}${'B'.repeat(43)}`],
        ['with an oversized key', 'x'.repeat(8000)],
      ] as const) {
        await call(label, route, path, { auth, rawBody: route.method === 'GET' || route.method === 'DELETE' ? undefined : '{}', headers: json }, (s) => s === 401 || s === 403 || s === 431);
      }
    }
    for (const inj of INJECTIONS) {
      if (!/\{|:/.test(route.path)) break;
      await call(`with path parameter ${JSON.stringify(inj)}`, route, fill(route.path, inj), {}, below500);
    }
    await call('with injection in the query', route, `${path}?status=${encodeURIComponent(INJECTIONS[1] ?? '')}&page=-1&pageSize=99999&limit=abc&shopId=${encodeURIComponent(INJECTIONS[0] ?? '')}`, {}, below500);
    if (['POST', 'PUT', 'PATCH'].includes(route.method)) {
      await call('with malformed JSON', route, path, { rawBody: '{"orderNumber": "338459-', headers: json }, (s) => s >= 400 && s < 500);
      await call('with wrong types', route, path, { rawBody: JSON.stringify({ orderNumber: 42, totalAmount: 'many', orderNumbers: 'all', eventTypes: 7, autoCapture: 'yes', name: { $gt: '' } }), headers: json }, (s) => s >= 400 && s < 500);
      await call('with unknown fields', route, path, { rawBody: JSON.stringify({ __proto__: { admin: true }, constructor: { prototype: { x: 1 } }, unknownField: INJECTIONS[1] }), headers: json }, (s) => s >= 400 && s < 500);
      await call('with a huge payload', route, path, { rawBody: JSON.stringify({ orderNumbers: Array.from({ length: 200_000 }, (_, i) => `338459-20240105-${String(i).padStart(8, '0')}`) }), headers: json }, (s) => s >= 400 && s < 500);
      await call('with a deeply nested body', route, path, { rawBody: '['.repeat(5000) + ']'.repeat(5000), headers: json }, (s) => s >= 400 && s < 500);
      await call('with a wrong content type', route, path, { rawBody: '<xml/>', headers: { 'content-type': 'application/xml' } }, (s) => s >= 400 && s < 500);
    }
  }
  return { requests, findings };
}
