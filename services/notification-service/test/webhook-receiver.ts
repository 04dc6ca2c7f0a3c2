import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { verifyWebhookSignature } from '../src/webhooks/verify-webhook';

export interface ReceivedWebhook {
  verified: boolean;
  reason?: string;
  eventId: string;
  eventType: string;
  deliveryId: string;
  body: { id: string; type: string; shopId: string; data: Record<string, unknown> };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** A node:http receiver that verifies every call with the documented snippet (401 when it fails). */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  private server?: Server;

  constructor(private readonly secret: string) {}

  async start(port = 0): Promise<number> {
    this.server = createServer(async (req, res) => {
      const raw = await readBody(req);
      const check = verifyWebhookSignature({
        secret: this.secret,
        body: raw,
        timestamp: req.headers['x-rcp-timestamp'] as string | undefined,
        signature: req.headers['x-rcp-signature'] as string | undefined,
      });
      this.received.push({
        verified: check.ok,
        reason: check.ok ? undefined : check.reason,
        eventId: String(req.headers['x-rcp-event-id']),
        eventType: String(req.headers['x-rcp-event-type']),
        deliveryId: String(req.headers['x-rcp-delivery-id']),
        body: JSON.parse(raw.toString('utf8')),
      });
      res.statusCode = check.ok ? 204 : 401;
      res.end();
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** A port on which nothing listens (taken, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
