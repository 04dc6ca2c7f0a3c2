#!/usr/bin/env node
/**
 * `rcp` — scripting CLI over the order-service HTTP API (and the broker for parking lots).
 *
 *   rcp orders <authorize|capture|cancel-authorization|cancel-capture|status-check|reauthorize> --shop <id> --file <file|-> [--chunk 200] [--json]
 *   rcp status <orderNumber> --shop <id> [--wait 30] [--json]
 *   rcp parking <list|inspect|replay|purge> --queue <q> …      (tools/cli/parking-lot.ts, broker from RABBITMQ_URL)
 *   rcp events [--shop <id>] [--max <n>] [--json]
 *
 * API from --api / RCP_API_URL (default http://127.0.0.1:3000), key from --key / RCP_API_KEY.
 * Exit codes: 0 success (everything accepted), 1 failure (HTTP or transport error, timeout), 2 usage error,
 * 3 partial (some orders skipped or refused).
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { ORDER_NUMBER_PATTERN, SHOP_ID_PATTERN } from '@rcp/contracts';
import { CliIo, runParkingLotCli } from './parking-lot';

export const EXIT = { ok: 0, failure: 1, usage: 2, partial: 3 } as const;

export const BULK_ACTIONS = ['authorize', 'capture', 'cancel-authorization', 'cancel-capture', 'status-check', 'reauthorize'] as const;
export type BulkActionName = (typeof BULK_ACTIONS)[number];

/** Where the CLI reads and writes; tests pass fakes. */
export interface RcpIo extends CliIo {
  /** Progress output (stderr); `isTTY` decides between a redrawn bar and plain lines. */
  progress?: { write(text: string): void; isTTY?: boolean; columns?: number };
  /** Reads `--file -`. */
  readStdin?: () => Promise<string>;
  /** Poll interval of `status --wait` (ms); default 500. */
  pollMs?: number;
}

class UsageError extends Error {}
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface ActionResult {
  orderNumber: string;
  outcome: 'accepted' | 'skipped' | 'refused';
  reason?: string;
  operation?: string;
  operationId?: string;
  paymentTag?: string | null;
}

/** Order numbers of a file: one per line (or whitespace/comma separated), `#` comments and blanks ignored, de-duplicated. */
export function parseOrderNumbers(text: string): { orderNumbers: string[]; invalid: { line: number; value: string }[] } {
  const seen = new Set<string>();
  const invalid: { line: number; value: string }[] = [];
  text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .forEach((raw, i) => {
      const line = raw.replace(/#.*$/, '').trim();
      if (!line) return;
      for (const value of line.split(/[\s,]+/).filter(Boolean)) {
        if (!ORDER_NUMBER_PATTERN.test(value)) invalid.push({ line: i + 1, value });
        else seen.add(value);
      }
    });
  return { orderNumbers: [...seen], invalid };
}

/** Splits into chunks of `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Progress bar line: `[#####.....]  50% 500/1000  accepted 490  skipped 5  refused 5`. */
export function progressLine(done: number, total: number, counts: Record<'accepted' | 'skipped' | 'refused', number>, width = 30): string {
  const ratio = total === 0 ? 1 : done / total;
  const filled = Math.round(ratio * width);
  const pct = `${Math.floor(ratio * 100)}`.padStart(3);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${pct}% ${done}/${total}  accepted ${counts.accepted}  skipped ${counts.skipped}  refused ${counts.refused}`;
}

interface Client {
  request<T>(method: string, path: string, body?: unknown): Promise<T>;
  stream(path: string, signal: AbortSignal): Promise<Response>;
}

function client(api: string, key: string): Client {
  const base = api.replace(/\/+$/, '');
  const headers = (extra: Record<string, string> = {}) => ({ authorization: `Bearer ${key}`, 'user-agent': 'rcp-cli', ...extra });
  return {
    async request<T>(method: string, path: string, body?: unknown): Promise<T> {
      for (let attempt = 1; ; attempt++) {
        let res: Response;
        try {
          res = await fetch(base + path, {
            method,
            headers: headers(body === undefined ? {} : { 'content-type': 'application/json' }),
            body: body === undefined ? undefined : JSON.stringify(body),
            signal: AbortSignal.timeout(60_000),
          });
        } catch (err) {
          const cause = (err as { cause?: { code?: string; message?: string } }).cause;
          throw new HttpError(0, `cannot reach ${base}: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
        }
        const text = await res.text();
        if ((res.status === 429 || res.status === 503) && attempt < 4) {
          const wait = Math.min(30, Number(res.headers.get('retry-after')) || attempt);
          await new Promise((r) => setTimeout(r, wait * 1000));
          continue;
        }
        let data: unknown = null;
        try {
          data = text ? JSON.parse(text) : null;
        } catch {
          data = { message: text.slice(0, 300) };
        }
        if (!res.ok) {
          const b = (data ?? {}) as { message?: string; errors?: { field: string; message: string }[] };
          const detail = b.errors?.length ? ` (${b.errors.map((e) => `${e.field}: ${e.message}`).join('; ')})` : '';
          throw new HttpError(res.status, `${method} ${path} → ${res.status}: ${b.message ?? res.statusText}${detail}`);
        }
        return data as T;
      }
    },
    async stream(path: string, signal: AbortSignal): Promise<Response> {
      try {
        return await fetch(base + path, { headers: headers({ accept: 'text/event-stream' }), signal });
      } catch (err) {
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        throw new HttpError(0, `cannot reach ${base}: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
      }
    },
  };
}

interface GlobalOptions {
  api?: string;
  key?: string;
}

function connection(io: RcpIo, g: GlobalOptions): Client {
  const api = g.api ?? io.env.RCP_API_URL ?? 'http://127.0.0.1:3000';
  try {
    const u = new URL(api);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error();
  } catch {
    throw new UsageError(`--api / RCP_API_URL must be an http(s) URL, got "${api}"`);
  }
  const key = g.key ?? io.env.RCP_API_KEY;
  if (!key) throw new UsageError('an API key is required: --key <key> or RCP_API_KEY');
  return client(api, key);
}

function shopOf(value: string): string {
  if (!SHOP_ID_PATTERN.test(value)) throw new UsageError(`--shop must be letters, digits, - or _ (got "${value}")`);
  return value;
}

function positiveInt(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${name} must be a whole number between ${min} and ${max}`);
  return n;
}

async function readInput(io: RcpIo, file: string): Promise<string> {
  if (file === '-') {
    if (!io.readStdin) throw new UsageError('--file - needs standard input');
    return io.readStdin();
  }
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

async function runBulk(io: RcpIo, c: Client, action: BulkActionName, o: { shop: string; file: string; chunk: string; json: boolean }): Promise<number> {
  const shop = shopOf(o.shop);
  const size = positiveInt('--chunk', o.chunk, 1, 1000);
  const { orderNumbers, invalid } = parseOrderNumbers(await readInput(io, o.file));
  if (invalid.length) {
    throw new UsageError(`${invalid.length} invalid order number(s), e.g. ${invalid.slice(0, 5).map((x) => `line ${x.line}: "${x.value.slice(0, 40)}"`).join(', ')} (expected like 338459-20180531-00000703)`);
  }
  if (!orderNumbers.length) throw new UsageError(`no order numbers in ${o.file === '-' ? 'standard input' : o.file}`);

  const counts = { accepted: 0, skipped: 0, refused: 0 };
  const results: ActionResult[] = [];
  const chunks = chunk(orderNumbers, size);
  const progress = io.progress;
  const tty = Boolean(progress?.isTTY);
  let done = 0;
  const draw = (final = false) => {
    if (!progress) return;
    if (tty) progress.write(`\r${progressLine(done, orderNumbers.length, counts)}${final ? '\n' : ''}`);
    else progress.write(`${action}: ${done}/${orderNumbers.length} sent; accepted ${counts.accepted}, skipped ${counts.skipped}, refused ${counts.refused}\n`);
  };
  if (tty) draw();
  let failure: Error | undefined;
  for (const part of chunks) {
    try {
      const res = await c.request<{ results: ActionResult[] }>('POST', `/shops/${encodeURIComponent(shop)}/orders/actions/${action}`, { orderNumbers: part });
      for (const r of res.results) {
        counts[r.outcome] = (counts[r.outcome] ?? 0) + 1;
        results.push(r);
      }
    } catch (err) {
      failure = err as Error;
      break;
    }
    done += part.length;
    draw();
  }
  if (tty) progress?.write('\n');
  const summary = { action, shopId: shop, total: orderNumbers.length, sent: done, ...counts, results, error: failure?.message };
  if (o.json) io.out(JSON.stringify(summary, null, 2));
  else {
    for (const r of results.filter((x) => x.outcome !== 'accepted')) io.out(`${r.orderNumber}\t${r.outcome}\t${r.reason ?? ''}`);
    io.out(`${action}: ${orderNumbers.length} order(s); accepted ${counts.accepted}, skipped ${counts.skipped}, refused ${counts.refused}${failure ? `; not sent ${orderNumbers.length - done}` : ''}`);
  }
  if (failure) {
    io.err(`failed: ${failure.message}`);
    return EXIT.failure;
  }
  return counts.skipped + counts.refused > 0 ? EXIT.partial : EXIT.ok;
}

interface OrderDetail {
  orderNumber: string;
  paymentTag: string | null;
  cardStatus: Record<string, unknown> | null;
}

async function runStatus(io: RcpIo, c: Client, orderNumber: string, o: { shop: string; wait: string; json: boolean }): Promise<number> {
  const shop = shopOf(o.shop);
  if (!ORDER_NUMBER_PATTERN.test(orderNumber)) throw new UsageError(`"${orderNumber}" is not an order number (expected like 338459-20180531-00000703)`);
  const waitS = positiveInt('--wait', o.wait, 0, 3600);
  const path = `/shops/${encodeURIComponent(shop)}/orders/${encodeURIComponent(orderNumber)}`;
  const before = await c.request<OrderDetail>('GET', path);
  const res = await c.request<{ results: ActionResult[] }>('POST', `/shops/${encodeURIComponent(shop)}/orders/actions/status-check`, { orderNumbers: [orderNumber] });
  const r = res.results[0];
  if (!r || r.outcome !== 'accepted') {
    io.err(`status check ${r?.outcome ?? 'not accepted'}: ${r?.reason ?? 'no result'}`);
    return EXIT.partial;
  }
  let order = before;
  const previous = JSON.stringify(before.cardStatus);
  if (waitS > 0) {
    const deadline = Date.now() + waitS * 1000;
    for (;;) {
      order = await c.request<OrderDetail>('GET', path);
      if (JSON.stringify(order.cardStatus) !== previous && order.cardStatus) break;
      if (Date.now() >= deadline) {
        io.err(`timed out after ${waitS} s waiting for the card status of ${orderNumber} (the check was requested: operation ${r.operationId ?? '?'})`);
        return EXIT.failure;
      }
      await new Promise((resolve) => setTimeout(resolve, io.pollMs ?? 500));
    }
  }
  if (o.json) io.out(JSON.stringify({ orderNumber, paymentTag: order.paymentTag, cardStatus: order.cardStatus, updated: waitS > 0 }, null, 2));
  else {
    io.out(`${orderNumber}  tag ${order.paymentTag ?? '-'}${waitS > 0 ? '' : '  (status check requested; showing the previous card status)'}`);
    for (const [k, v] of Object.entries(order.cardStatus ?? {})) io.out(`  ${k}: ${v === null ? '' : String(v)}`);
    if (!order.cardStatus) io.out('  (no card status yet)');
  }
  return EXIT.ok;
}

async function runEvents(io: RcpIo, c: Client, o: { shop?: string; max?: string; json: boolean }): Promise<number> {
  const max = o.max === undefined ? Infinity : positiveInt('--max', o.max, 1, 1_000_000);
  const q = o.shop ? `?shopId=${encodeURIComponent(shopOf(o.shop))}` : '';
  const ctrl = new AbortController();
  const onSignal = () => ctrl.abort();
  process.once('SIGINT', onSignal);
  let seen = 0;
  try {
    const res = await c.stream(`/events/stream${q}`, ctrl.signal);
    if (!res.ok || !res.body) {
      const text = await res.text().catch(() => '');
      throw new HttpError(res.status, `GET /events/stream → ${res.status}: ${text.slice(0, 300)}`);
    }
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const part of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(part, { stream: true });
      let idx: number;
      while ((idx = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, idx);
        buffer = buffer.slice(idx + 2);
        let type = 'message';
        let data = '';
        for (const line of block.split('\n')) {
          if (line.startsWith('event:')) type = line.slice(6).trim();
          else if (line.startsWith('data:')) data += line.slice(5).trim();
        }
        if (type !== 'rcp-event' || !data) continue;
        const e = JSON.parse(data) as { occurredAt?: string; type?: string; routingKey?: string; shopId?: string; orderNumber?: string };
        io.out(o.json ? JSON.stringify(e) : [e.occurredAt ?? '-', e.type ?? '-', e.routingKey ?? '-', e.shopId ?? '-', e.orderNumber ?? ''].join('\t'));
        if (++seen >= max) {
          ctrl.abort();
          return EXIT.ok;
        }
      }
    }
    io.err('the event stream ended');
    return EXIT.failure;
  } catch (err) {
    if (ctrl.signal.aborted) return EXIT.ok;
    throw err;
  } finally {
    process.removeListener('SIGINT', onSignal);
  }
}

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. Never throws. */
export async function runRcp(argv: string[], io: RcpIo): Promise<number> {
  if (argv[0] === 'parking') return runParkingLotCli(argv.slice(1), io);
  let code: number = EXIT.ok;
  const program = new Command('rcp')
    .description('Rakuten card payments: bulk actions, status checks, parking lots and the event stream from scripts')
    .addOption(new Option('--api <url>', 'order-service URL (env RCP_API_URL; default http://127.0.0.1:3000)'))
    .addOption(new Option('--key <key>', 'API key (env RCP_API_KEY)'))
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .showHelpAfterError()
    .addHelpText('after', '\nrcp parking <list|inspect|replay|purge> --queue <q> …   parking lots over the broker (RABBITMQ_URL)\n\nExit codes: 0 success, 1 failure (HTTP/transport error, timeout), 2 usage error, 3 partial (some skipped/refused).');

  program
    .command('orders')
    .description('run a bulk payment action on the order numbers of a file (one per line; - = stdin)')
    .argument('<action>', BULK_ACTIONS.join(' | '))
    .requiredOption('--shop <shopId>', 'shop id')
    .requiredOption('--file <path>', 'file of order numbers, or - for standard input')
    .option('--chunk <n>', 'order numbers per request (1-1000)', '200')
    .option('--json', 'JSON output (every result)', false)
    .action(async (action: string, o: { shop: string; file: string; chunk: string; json: boolean }) => {
      if (!(BULK_ACTIONS as readonly string[]).includes(action)) throw new UsageError(`unknown action "${action}"; one of ${BULK_ACTIONS.join(', ')}`);
      code = await runBulk(io, connection(io, program.opts<GlobalOptions>()), action as BulkActionName, o);
    });

  program
    .command('status')
    .description('request a card status check (R状況確認) and wait for the new status')
    .argument('<orderNumber>')
    .requiredOption('--shop <shopId>', 'shop id')
    .option('--wait <seconds>', 'how long to wait for the result (0 = do not wait)', '30')
    .option('--json', 'JSON output', false)
    .action(async (orderNumber: string, o: { shop: string; wait: string; json: boolean }) => {
      code = await runStatus(io, connection(io, program.opts<GlobalOptions>()), orderNumber, o);
    });

  program
    .command('events')
    .description('tail the live event stream (GET /events/stream)')
    .option('--shop <shopId>', 'only this shop')
    .option('--max <n>', 'exit 0 after n events')
    .option('--json', 'one JSON object per line', false)
    .action(async (o: { shop?: string; max?: string; json: boolean }) => {
      code = await runEvents(io, connection(io, program.opts<GlobalOptions>()), o);
    });

  program.command('parking').description('parking lots: list | inspect | replay | purge (see rcp parking --help)');

  try {
    if (argv.length === 0) {
      program.outputHelp();
      return EXIT.usage;
    }
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (err instanceof UsageError) {
      io.err(`usage error: ${err.message}`);
      return EXIT.usage;
    }
    io.err(`failed: ${(err as Error).message}`);
    return EXIT.failure;
  }
}

if (require.main === module) {
  void runRcp(process.argv.slice(2), {
    out: (t) => process.stdout.write(`${t}\n`),
    err: (t) => process.stderr.write(`${t}\n`),
    env: process.env,
    progress: { write: (t) => process.stderr.write(t), isTTY: process.stderr.isTTY },
    readStdin: async () => {
      const parts: Buffer[] = [];
      for await (const p of process.stdin) parts.push(p as Buffer);
      return Buffer.concat(parts).toString('utf8');
    },
  }).then((code) => {
    process.exitCode = code;
  });
}
