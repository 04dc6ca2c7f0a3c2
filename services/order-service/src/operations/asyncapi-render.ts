/** Renders the AsyncAPI document (plain JSON data) as YAML and as a small HTML page, without runtime dependencies. */

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const PLAIN_KEY = /^[A-Za-z_$][\w$.-]*$/;
const RESERVED = /^(true|false|null|yes|no|on|off|~)$/i;

function scalar(v: Json): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v); // a JSON string is a valid YAML double-quoted scalar
  return String(v);
}

function key(k: string): string {
  return PLAIN_KEY.test(k) && !RESERVED.test(k) ? k : JSON.stringify(k);
}

function isEmpty(v: Json): boolean {
  return (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0);
}

function emit(v: Json, indent: string, out: string[]): void {
  if (Array.isArray(v)) {
    for (const item of v) {
      if (item !== null && typeof item === 'object' && !isEmpty(item)) {
        const nested: string[] = [];
        emit(item, `${indent}  `, nested);
        out.push(`${indent}- ${nested[0].trimStart()}`, ...nested.slice(1));
      } else {
        out.push(`${indent}- ${isEmpty(item) ? JSON.stringify(item) : scalar(item)}`);
      }
    }
    return;
  }
  for (const [k, val] of Object.entries(v as Record<string, Json>)) {
    if (val !== null && typeof val === 'object' && !isEmpty(val)) {
      out.push(`${indent}${key(k)}:`);
      emit(val, Array.isArray(val) ? `${indent}  ` : `${indent}  `, out);
    } else {
      out.push(`${indent}${key(k)}: ${isEmpty(val) ? JSON.stringify(val) : scalar(val)}`);
    }
  }
}

/** YAML 1.2 text of a JSON-compatible object (strings always double-quoted, so nothing is re-typed by a reader). */
export function toYaml(doc: Record<string, unknown>): string {
  const out: string[] = [];
  emit(JSON.parse(JSON.stringify(doc)) as Json, '', out);
  return `${out.join('\n')}\n`;
}

function esc(s: unknown): string {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' ? (v as Obj) : {});

function typeOf(schema: Obj): string {
  if (Array.isArray(schema.enum)) return (schema.enum as unknown[]).map(String).join(' | ');
  if (schema.type === 'array') return `${typeOf(obj(schema.items))}[]`;
  if (Array.isArray(schema.type)) return (schema.type as string[]).join(' | ');
  if (typeof schema.$ref === 'string') return schema.$ref.split('/').pop() as string;
  if (Array.isArray(schema.oneOf) || Array.isArray(schema.anyOf)) return ((schema.oneOf ?? schema.anyOf) as Obj[]).map(typeOf).join(' | ');
  return [schema.type, schema.format].filter(Boolean).join(' ') || 'any';
}

/** Rows of a payload schema: field, type, required. */
export function payloadFields(schema: Obj): { field: string; type: string; required: boolean }[] {
  const required = new Set((schema.required as string[] | undefined) ?? []);
  return Object.entries(obj(schema.properties)).map(([field, s]) => ({ field, type: typeOf(obj(s)), required: required.has(field) }));
}

/** A self-contained HTML page: how to bind, then every channel (routing key) with its message and payload fields. */
export function renderAsyncApiHtml(doc: Obj, exchange: string): string {
  const info = obj(doc.info);
  const components = obj(doc.components);
  const messages = obj(components.messages);
  const schemas = obj(components.schemas);
  const envelope = payloadFields(obj(schemas.EventEnvelope));
  const rows = Object.values(obj(doc.channels)).map((c) => {
    const channel = obj(c);
    const names = Object.keys(obj(channel.messages));
    return names
      .map((name) => {
        const m = obj(messages[name]);
        const fields = payloadFields(obj(schemas[`${name}Payload`]));
        const tags = ((m.tags as Obj[] | undefined) ?? []).map((t) => t.name).join(', ');
        return `<tr><td><code>${esc(channel.address)}</code></td><td><b>${esc(m.name)}</b> v${esc(String(name).replace(/^.*V/, ''))}<br><small>${esc(tags)}</small></td><td>${esc(m.summary)}</td><td>${fields
          .map((f) => `<code>${esc(f.field)}</code>${f.required ? '' : '?'}: <i>${esc(f.type)}</i>`)
          .join('<br>')}</td></tr>`;
      })
      .join('');
  });
  return `<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(info.title)} — AsyncAPI</title>
<style>
body{font-family:system-ui,-apple-system,"Hiragino Sans","Noto Sans JP",sans-serif;margin:2rem;color:#1f2933;line-height:1.45}
table{border-collapse:collapse;width:100%;font-size:.9rem}td,th{border:1px solid #d5dbe1;padding:.4rem .5rem;vertical-align:top;text-align:left}
th{background:#f1f4f7}code{background:#f1f4f7;padding:0 .2rem;border-radius:3px}pre{background:#f1f4f7;padding:.8rem;overflow:auto}
</style></head><body>
<h1>${esc(info.title)} <small>(AsyncAPI ${esc(doc.asyncapi)}, v${esc(info.version)})</small></h1>
<p>${esc(info.description)}</p>
<p>Machine-readable: <a href="asyncapi.yaml">asyncapi.yaml</a> · <a href="asyncapi.json">asyncapi.json</a></p>
<h2>How to bind (ダッシュボード向け)</h2>
<ol>
<li>Connect to RabbitMQ (AMQP 0-9-1) and declare your own queue (e.g. exclusive, auto-delete for a live view; durable for a feed you must not miss).</li>
<li>Bind it to the durable <b>topic</b> exchange <code>${esc(exchange)}</code> with <code>#</code> (everything) or a pattern such as <code>payment.*.failed</code> or <code>order.#</code>.</li>
<li>Each message body is JSON: the envelope below, with the event's payload in <code>data</code>. AMQP <code>type</code> = event type, <code>message_id</code> = envelope id (de-duplicate on it), header <code>x-shop-id</code> = shop.</li>
</ol>
<pre>channel.assertQueue('', { exclusive: true });
channel.bindQueue(q.queue, '${esc(exchange)}', 'payment.*.failed');</pre>
<h3>Envelope</h3>
<table><tr><th>field</th><th>type</th></tr>${envelope.map((f) => `<tr><td><code>${esc(f.field)}</code></td><td>${esc(f.type)}</td></tr>`).join('')}</table>
<h2>Channels (routing keys)</h2>
<table><tr><th>routing key</th><th>message</th><th>summary</th><th>payload (<code>data</code>) fields</th></tr>${rows.join('')}</table>
</body></html>
`;
}
