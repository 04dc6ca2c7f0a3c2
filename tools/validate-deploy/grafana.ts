/**
 * Grafana dashboard checks: it parses, has the structure Grafana imports, every query names only metrics the
 * services expose, and every exposed metric is charted somewhere.
 */
import { arr, isRec, rec, type Rec } from './util';

/** The metrics the services expose (names agreed with the service owners). */
export const RCP_METRICS = [
  'rcp_messages_consumed_total',
  'rcp_messages_published_total',
  'rcp_parking_lot_depth',
  'rcp_outbox_lag_seconds',
  'rcp_outbox_pending',
  'rcp_card_api_request_duration_seconds_bucket',
  'rcp_card_api_batch_size_bucket',
  'rcp_payment_operations_in_flight',
  'rcp_payment_operations_stuck',
  'rcp_auth_expiring',
  'rcp_circuit_breaker_state',
  'rcp_batch_linger_ms',
  'rcp_batch_flush_size_bucket',
  'http_request_duration_seconds_bucket',
] as const;

/** Histograms also expose `_sum` and `_count` series. */
const ALLOWED = new Set<string>(
  RCP_METRICS.flatMap((m) => (m.endsWith('_bucket') ? [m, m.replace(/_bucket$/, '_sum'), m.replace(/_bucket$/, '_count')] : [m])),
);

const KEYWORDS = new Set([
  'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan', 'start', 'end', 'atan2',
]);

/** Metric names referenced by a PromQL expression (functions, keywords, labels, strings and Grafana variables excluded). */
export function metricNames(expr: string): string[] {
  const cleaned = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ')
    .replace(/\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const match of cleaned.matchAll(/[0-9][0-9A-Za-z_.]*|[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const token = match[0];
    if (/^[0-9]/.test(token) || KEYWORDS.has(token)) continue;
    const next = cleaned.slice((match.index ?? 0) + token.length).trimStart();
    if (next.startsWith('(')) continue; // function or aggregation
    names.add(token);
  }
  return [...names];
}

function panelsOf(dashboard: Rec): Rec[] {
  const top = arr(dashboard.panels).filter(isRec);
  return top.flatMap((p) => [p, ...arr(p.panels).filter(isRec)]);
}

/** Validates a dashboard JSON text; returns the problems. */
export function validateDashboard(text: string, file = 'dashboard'): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return [`${file}: invalid JSON: ${error instanceof Error ? error.message : String(error)}`];
  }
  if (!isRec(parsed)) return [`${file}: not a JSON object`];
  const problems: string[] = [];
  for (const field of ['title', 'uid'] as const) if (typeof parsed[field] !== 'string') problems.push(`${file}: ${field} missing`);
  if (typeof parsed.schemaVersion !== 'number') problems.push(`${file}: schemaVersion missing`);
  const used = new Set<string>();
  const check = (where: string, expr: string) => {
    const names = metricNames(expr);
    if (names.length === 0) problems.push(`${where}: query names no metric: ${expr}`);
    for (const name of names) {
      if (ALLOWED.has(name)) used.add(name.replace(/_(sum|count)$/, '_bucket'));
      else problems.push(`${where}: unknown metric ${name} (allowed: ${RCP_METRICS.join(', ')})`);
    }
  };

  const panels = panelsOf(parsed);
  if (panels.length === 0) problems.push(`${file}: no panels`);
  const ids = new Set<unknown>();
  for (const panel of panels) {
    const where = `${file}: panel ${String(panel.id)} "${String(panel.title)}"`;
    if (typeof panel.id !== 'number' || ids.has(panel.id)) problems.push(`${where}: id must be a unique number`);
    ids.add(panel.id);
    if (typeof panel.type !== 'string' || typeof panel.title !== 'string') problems.push(`${where}: type and title are required`);
    const grid = rec(panel.gridPos);
    if (!['h', 'w', 'x', 'y'].every((k) => typeof grid[k] === 'number')) problems.push(`${where}: gridPos {h,w,x,y} required`);
    if (panel.type === 'row') continue;
    const targets = arr(panel.targets).filter(isRec);
    if (targets.length === 0) problems.push(`${where}: no targets`);
    for (const t of targets) {
      if (typeof t.expr !== 'string' || t.expr.trim() === '') problems.push(`${where}: target ${String(t.refId)} has no expr`);
      else check(`${where} target ${String(t.refId)}`, t.expr);
    }
  }
  for (const variable of arr(rec(parsed.templating).list).filter(isRec)) {
    if (variable.type !== 'query') continue;
    const query = typeof variable.query === 'string' ? variable.query : String(rec(variable.query).query ?? '');
    const labelValues = /^label_values\(\s*([^,]+),/.exec(query.trim());
    const expr = labelValues ? labelValues[1] : query;
    for (const name of metricNames(expr)) if (!ALLOWED.has(name)) problems.push(`${file}: variable ${String(variable.name)}: unknown metric ${name}`);
  }
  for (const metric of RCP_METRICS) if (!used.has(metric)) problems.push(`${file}: no panel charts ${metric}`);
  return problems;
}
