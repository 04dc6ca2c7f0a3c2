/**
 * Operator console end to end: the simulator, the gateway and order-service run as processes from dist/ (fresh
 * databases, one name prefix), headless Chromium clicks through authorize → ship → capture and saves a screenshot
 * (tmp/console-e2e.png). Also checks the operator routes (watch lists, parking lot + replay, AsyncAPI) and runs the
 * built `rcp` CLI against the live service.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as amqplib from 'amqplib';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { generateApiKey } from '@rcp/auth';
import { prefixed } from '@rcp/messaging';
import { createTestDatabase, repositoryRoot, spawnService, testRabbitUrl, uniqueName, waitFor, type SpawnedService, type TestDatabase } from '@rcp/testing';

const CHROMIUM = '/usr/bin/chromium';
const run = promisify(execFile);
const ROOT = repositoryRoot();
const SCREENSHOT = join(ROOT, 'tmp', 'console-e2e.png');

const prefix = uniqueName('console');
const shopId = uniqueName('cshop').replace(/_/g, '-');
const CREDS = { shopId, shopUrl: shopId, userName: 'console-user', authKey: 'console-secret-auth-key-0001' };
const adminKey = generateApiKey().key;
const order = (n: number) => `338459-20240531-${String(n).padStart(8, '0')}`;
const MAIN = order(1);

let dbs: TestDatabase[] = [];
const services: SpawnedService[] = [];
let orderService: SpawnedService;
let context: BrowserContext | undefined;
let profileDir: string | undefined;

async function api<T = unknown>(method: string, path: string, body?: unknown, key = adminKey): Promise<{ status: number; body: T; text: string; type: string | null }> {
  const res = await fetch(orderService.url + path, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body: parsed as T, text, type: res.headers.get('content-type') };
}

async function createOrder(orderNumber: string): Promise<void> {
  const r = await api('POST', `/shops/${shopId}/orders`, { orderNumber, orderedAt: '2024-05-31T01:00:00Z', paymentMethod: 'クレジットカード', totalAmount: 1200, billedAmount: 1200 });
  expect(r.status).toBe(201);
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Chromium for the console browser test (apt-get install -y chromium; .ci/run does this)`);
  }
  const [simDb, gwDb, orderDb] = await Promise.all([createTestDatabase('con_sim'), createTestDatabase('con_gw'), createTestDatabase('con_order')]);
  dbs = [simDb, gwDb, orderDb];
  const sim = await spawnService({
    service: 'rccs-simulator',
    portEnv: 'SIM_PORT',
    env: { SIMULATOR_DATABASE_URL: simDb.url, SIM_PROCESSING_DELAY_MS: '150', SIM_SHOPS: JSON.stringify([{ shopUrl: CREDS.shopUrl, userName: CREDS.userName, authKey: CREDS.authKey }]), SIM_LOG_LEVEL: 'warn' },
  });
  services.push(sim);
  services.push(
    await spawnService({
      service: 'payment-gateway',
      portEnv: 'GATEWAY_PORT',
      env: {
        GATEWAY_DATABASE_URL: gwDb.url,
        RABBITMQ_URL: testRabbitUrl(),
        MESSAGING_NAME_PREFIX: prefix,
        RCCS_ENDPOINT: `${sim.url}/rccsapi-services/RCCSApiService`,
        GATEWAY_BATCH_MAX_WAIT_MS: '50',
        GATEWAY_FIRST_POLL_DELAY_MS: '100',
        GATEWAY_POLL_BACKOFF_FACTOR: '1.5',
        GATEWAY_POLL_MAX_DELAY_MS: '400',
        GATEWAY_POLL_TICK_MS: '50',
        GATEWAY_SHOPS: JSON.stringify([CREDS]),
        LOG_LEVEL: 'warn',
      },
    }),
  );
  orderService = await spawnService({
    service: 'order-service',
    portEnv: 'ORDER_PORT',
    env: {
      ORDER_DATABASE_URL: orderDb.url,
      RABBITMQ_URL: testRabbitUrl(),
      MESSAGING_NAME_PREFIX: prefix,
      RCP_BOOTSTRAP_ADMIN_KEY: adminKey,
      OUTBOX_POLL_INTERVAL_MS: '50',
      LOG_LEVEL: 'warn',
    },
  });
  services.push(orderService);
  // 受注進捗遷移 on: 売上請求済 moves the order to 完了.
  expect((await api('PUT', `/shops/${shopId}/settings`, { autoProgress: true })).status).toBe(200);
  for (const n of [1, 2, 3, 4]) await createOrder(order(n));
}, 90_000);

afterAll(async () => {
  await context?.close().catch(() => undefined);
  if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  for (const s of services.reverse()) await s.stop().catch(() => undefined);
  await Promise.all(dbs.map((d) => d.drop().catch(() => undefined)));
}, 60_000);

/** Waits until the element's whole text is `text`. */
async function waitText(page: Page, selector: string, text: string, timeoutMs = 10_000): Promise<void> {
  await waitFor(async () => ((await page.locator(selector).textContent()) ?? '') === text, `"${text}" in ${selector}`, timeoutMs, 100);
}

async function tagOf(page: Page): Promise<string> {
  return (await page.locator('#detail-tag-value').textContent()) ?? '';
}

describe('operator console (headless Chromium)', () => {
  it('clicks through authorize → ship → capture and shows the order completed', async () => {
    profileDir = mkdtempSync(join(tmpdir(), 'rcp-console-chromium-'));
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1400, height: 1000 },
      locale: 'ja-JP',
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const consoleErrors: string[] = [];
    page.on('pageerror', (err) => consoleErrors.push(err.message));
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));

    await page.goto(`${orderService.url}/console`);
    await page.locator('#api-key').fill(adminKey);
    await page.locator('#login-submit').click();
    await page.locator('#nav').waitFor({ state: 'visible' });

    // live event view on (keeps streaming while other views are shown)
    await page.locator('#shop-id').fill(shopId);
    await page.locator('#shop-id').press('Tab');
    await page.locator('#nav [data-view=events]').click();
    await page.locator('#events-toggle').click();
    await waitText(page, '#events-state', '受信中');

    // the order list: find the order, select it, Rオーソリ → オーソリ実行 → OK
    await page.locator('#nav [data-view=orders]').click();
    const row = page.locator(`#orders-table tr[data-order="${MAIN}"]`);
    await row.waitFor();
    await row.locator('input.row-select').check();
    await page.locator('#btn-auth').click();
    await page.locator('#choice-authorize').check();
    await page.locator('#dialog-ok').click();
    await page.locator(`#results-table tr[data-order="${MAIN}"][data-outcome=accepted]`).waitFor();
    await row.locator('[data-tag="オーソリ済"]').waitFor({ timeout: 30_000 });

    // the detail: 出荷, then R売上 → 売上請求実行
    await row.locator('a.order-link').click();
    await page.locator('#detail-title').getByText(MAIN).waitFor();
    expect(await tagOf(page)).toBe('オーソリ済');
    await page.locator('#detail-ship').click();
    await waitText(page, '#detail-status-value', '出荷済', 15_000);
    await page.locator('#detail-capture').click();
    await page.locator('#choice-capture').check();
    await page.locator('#dialog-ok').click();
    await waitText(page, '#detail-tag-value', '売上請求済', 30_000);
    await waitText(page, '#detail-status-value', '完了', 10_000);
    // the 楽天API連携 log shows the results
    await page.locator('#detail-apilog tbody tr', { hasText: 'CaptureCompleted' }).first().waitFor();

    mkdirSync(join(ROOT, 'tmp'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(existsSync(SCREENSHOT)).toBe(true);
    expect(await page.locator('#detail-tag-value').textContent()).toBe('売上請求済');
    expect(await page.locator('#detail-status-value').textContent()).toBe('完了');
    expect(await page.locator('#detail-apilog tbody tr').count()).toBeGreaterThanOrEqual(4);

    // the event view saw the flow, without payloads
    await page.locator('#nav [data-view=events]').click();
    await page.locator('#events-table tr[data-type="CaptureCompleted"]').first().waitFor({ timeout: 10_000 });
    const eventsText = (await page.locator('#events-table').textContent()) ?? '';
    expect(eventsText).toContain(MAIN);
    expect(eventsText).not.toContain(CREDS.authKey);

    // English toggle
    await page.locator('#lang-toggle').click();
    expect(await page.locator('#nav [data-view=orders]').textContent()).toBe('Orders');
    expect(consoleErrors).toEqual([]);
  }, 90_000);

  it('serves the operator routes: watch lists, AsyncAPI, parking lots with replay', async () => {
    const stuck = await api<{ items: unknown[]; olderThanMinutes: number }>('GET', `/shops/${shopId}/payments/stuck`);
    expect(stuck.status).toBe(200);
    expect(stuck.body.olderThanMinutes).toBe(60);
    const expiring = await api<{ items: { orderNumber: string }[] }>('GET', `/shops/${shopId}/payments/expiring?withinDays=90`);
    expect(expiring.status).toBe(200);
    expect(Array.isArray(expiring.body.items)).toBe(true);
    expect((await api('GET', `/shops/${shopId}/payments/expiring?withinDays=0`)).status).toBe(400);
    expect((await api('GET', `/shops/${shopId}/payments/stuck`, undefined, 'rcp_bad_key')).status).toBe(401);

    const yaml = await fetch(`${orderService.url}/asyncapi.yaml`); // public
    expect(yaml.status).toBe(200);
    expect(yaml.headers.get('content-type')).toContain('yaml');
    expect(await yaml.text()).toContain('payment.auth.completed');
    const page = await fetch(`${orderService.url}/asyncapi`);
    expect(await page.text()).toContain('<code>payment.capture.completed</code>');

    // park a message: an unknown event type on order-service's queue
    const conn = await amqplib.connect(testRabbitUrl());
    try {
      const ch = await conn.createConfirmChannel();
      const messageId = uniqueName('parked');
      ch.sendToQueue(prefixed('order-service', prefix), Buffer.from(JSON.stringify({ id: messageId, type: 'NoSuchEvent', shopId })), { messageId, type: 'NoSuchEvent', headers: { 'x-shop-id': shopId } });
      await ch.waitForConfirms();
      const lots = await waitFor(async () => {
        const r = await api<{ queues: { queue: string; exists: boolean; depth: number; messages: { messageId: string; code: string }[] }[] }>('GET', '/parking-lots');
        const q = r.body.queues.find((x) => x.queue === 'order-service.dlq');
        return q && q.messages.some((m) => m.messageId === messageId) ? r.body.queues : undefined;
      }, 'the message in the parking lot of order-service', 15_000);
      expect(lots.map((q) => q.queue)).toEqual(['order-service.dlq', 'payment-gateway.dlq', 'notification-service.dlq']);
      expect(lots.find((q) => q.queue === 'payment-gateway.dlq')?.exists).toBe(true);
      expect(lots.find((q) => q.queue === 'notification-service.dlq')?.exists).toBe(false);

      expect((await api('POST', '/parking-lots/order-service.dlq/replay', {})).status).toBe(400);
      expect((await api('POST', '/parking-lots/nope.dlq/replay', { all: true })).status).toBe(404);
      const replay = await api<{ replayed: string[]; notFound: string[] }>('POST', '/parking-lots/order-service.dlq/replay', { messageIds: [messageId, 'missing-id'] });
      expect(replay.status).toBe(200);
      expect(replay.body.replayed).toEqual([messageId]);
      expect(replay.body.notFound).toEqual(['missing-id']);
      await ch.close();
    } finally {
      await conn.close();
    }
  }, 40_000);

  it('roles and shop scope: the stream shows only the key\'s shops; viewers cannot replay', async () => {
    const issue = async (shops: string[]) => {
      const r = await api<{ key: string }>('POST', '/api-keys', { name: uniqueName('viewer'), role: 'viewer', shops });
      expect(r.status).toBe(201);
      return r.body.key;
    };
    const mine = await issue([shopId]);
    const other = await issue(['some-other-shop']);
    const tap = async (key: string) => {
      const ctrl = new AbortController();
      const res = await fetch(`${orderService.url}/events/stream`, { headers: { authorization: `Bearer ${key}` }, signal: ctrl.signal });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/event-stream');
      let text = '';
      void (async () => {
        const decoder = new TextDecoder();
        try {
          for await (const part of res.body as unknown as AsyncIterable<Uint8Array>) text += decoder.decode(part, { stream: true });
        } catch {
          // aborted
        }
      })();
      return { text: () => text, close: () => ctrl.abort() };
    };
    const a = await tap(mine);
    const b = await tap(other);
    try {
      await new Promise((r) => setTimeout(r, 500)); // the tap queue is bound
      await createOrder(order(50));
      await waitFor(() => a.text().includes(order(50)), 'the order event on the shop key\'s stream', 15_000);
      await new Promise((r) => setTimeout(r, 500));
      expect(b.text()).not.toContain(order(50));
      expect(a.text()).not.toContain('billedAmount');
    } finally {
      a.close();
      b.close();
    }
    expect((await api('GET', `/shops/${shopId}/payments/stuck`, undefined, other)).status).toBe(403);
    expect((await api('POST', '/parking-lots/order-service.dlq/replay', { all: true }, mine)).status).toBe(403);
    expect((await api('GET', '/parking-lots', undefined, mine)).status).toBe(200);
  }, 40_000);

  it('the built rcp CLI: bulk authorize from a file (partial → 3), status check (0), usage (2), bad key (1)', async () => {
    const cli = join(ROOT, 'dist', 'tools', 'cli', 'rcp.js');
    const dir = mkdtempSync(join(tmpdir(), 'rcp-cli-e2e-'));
    const file = join(dir, 'orders.txt');
    writeFileSync(file, `${order(2)}\n${order(3)}\n${order(999)}\n`);
    const env = { ...process.env, RCP_API_URL: orderService.url, RCP_API_KEY: adminKey };
    const exec = async (args: string[], extraEnv: Record<string, string> = {}) => {
      try {
        const r = await run(process.execPath, [cli, ...args], { env: { ...env, ...extraEnv }, timeout: 40_000 });
        return { code: 0, stdout: r.stdout, stderr: r.stderr };
      } catch (err) {
        const e = err as { code: number; stdout: string; stderr: string };
        return { code: e.code, stdout: e.stdout, stderr: e.stderr };
      }
    };
    try {
      const bulk = await exec(['orders', 'authorize', '--shop', shopId, '--file', file, '--chunk', '2']);
      expect(bulk.stdout).toContain('accepted 2, skipped 0, refused 1');
      expect(bulk.stderr).toContain('authorize: 3/3 sent');
      expect(bulk.code).toBe(3);

      await waitFor(async () => (await api<{ paymentTag: string }>('GET', `/shops/${shopId}/orders/${order(2)}`)).body.paymentTag === 'オーソリ済', 'order 2 authorized', 30_000);
      const status = await exec(['status', order(2), '--shop', shopId, '--wait', '30', '--json']);
      expect(status.code).toBe(0);
      expect(JSON.parse(status.stdout)).toMatchObject({ orderNumber: order(2), updated: true, cardStatus: expect.any(Object) });

      expect((await exec(['orders', 'authorize', '--shop', shopId])).code).toBe(2);
      const bad = await exec(['orders', 'authorize', '--shop', shopId, '--file', file], { RCP_API_KEY: 'rcp_x_y' });
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain('401');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
