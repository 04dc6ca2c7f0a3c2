import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FaultPlan } from '../domain/faults';
import type { Operation } from '../domain/types';
import type { RccsApi } from '../rccs-api';
import type { SimulatorRuntime } from '../runtime';
import { SoapFault, messageCreation, renderFault } from './fault';
import { type RequestLevel, renderReply, renderRequestId, renderResult, renderResultAll } from './render';
import { type SoapRequest, parseSoapRequest } from './request-parser';

const XML_CONTENT_TYPE = 'text/xml;charset="utf-8"';
const ACCEPTED_TYPES = ['text/xml', 'application/xml', 'application/soap+xml'];

class BodyTooLarge extends Error {}
class NotUtf8 extends Error {}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Reads the whole body as UTF-8, refusing (early, by Content-Length when given) anything over `limit` bytes. */
function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new BodyTooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.pause();
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => {
      try {
        resolve(utf8.decode(Buffer.concat(chunks)));
      } catch {
        reject(new NotUtf8());
      }
    });
    req.once('error', reject);
    req.once('close', () => {
      if (!req.complete) reject(new Error('client went away'));
    });
  });
}

function requestOrderNumbers(r: SoapRequest): string[] {
  if ('items' in r) return (r.items ?? []).flatMap((i) => (i?.orderNumber ? [i.orderNumber] : []));
  if (r.op === 'getRCCSResultAll' && r.search?.orderNumber) return [r.search.orderNumber];
  return [];
}

/**
 * The SOAP endpoint over raw node request/response objects (framework-independent): content-type and
 * size checks, envelope parsing, fault injection around the operation, rendering.
 */
export class SoapEndpoint {
  /** Requests held open by a `hang` fault; destroyed on shutdown. */
  private readonly hanging = new Set<ServerResponse>();

  constructor(
    private readonly rt: SimulatorRuntime,
    private readonly api: RccsApi,
  ) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const contentType = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (contentType && !ACCEPTED_TYPES.includes(contentType)) {
      req.resume();
      return this.sendFault(res, new SoapFault('Client', `Unsupported Content-Type: ${contentType.slice(0, 100)} Supported ones are: [text/xml]`, 415));
    }
    let xml: string;
    try {
      xml = await readBody(req, this.rt.config.limits.maxBodyBytes);
    } catch (err) {
      if (err instanceof BodyTooLarge) {
        res.setHeader('Connection', 'close');
        return this.sendFault(res, new SoapFault('Client', `Request entity too large: the limit is ${this.rt.config.limits.maxBodyBytes} bytes`, 413), true);
      }
      if (err instanceof NotUtf8) return this.sendFault(res, messageCreation('Invalid byte 1 of 1-byte UTF-8 sequence.'));
      return; // the client went away while sending
    }

    let request: SoapRequest;
    try {
      if (this.rt.settings.strictSoapAction) this.checkSoapAction(req);
      request = parseSoapRequest(xml, {
        strictOrder: this.rt.settings.strictOrder,
        strictUnknownElements: this.rt.settings.strictUnknownElements,
      });
    } catch (err) {
      if (err instanceof SoapFault) {
        this.rt.logger.debug({ fault: err.faultString }, 'soap request refused');
        return this.sendFault(res, err);
      }
      this.rt.logger.error({ err: (err as Error).message }, 'soap parse failed unexpectedly');
      return this.sendFault(res, new SoapFault('Server', 'Internal Server Error'));
    }

    const plan: FaultPlan = this.rt.faults.active
      ? this.rt.faults.plan({ op: request.op, shopUrl: request.auth?.shopUrl ?? undefined, orderNumbers: requestOrderNumbers(request) })
      : { delayBeforeMs: 0, delayAfterMs: 0 };
    if (plan.terminal || plan.stuck || plan.delayBeforeMs || plan.delayAfterMs) {
      this.rt.logger.debug({ op: request.op, plan }, 'fault injected');
    }
    try {
      if (plan.delayBeforeMs) await sleep(plan.delayBeforeMs);
      const t = plan.terminal;
      if (t?.type === 'busy') {
        const code = this.rt.codes.system;
        return this.sendXml(res, 200, this.renderLevel(request.op, { errorCode: t.errorCode ?? code.errorCode, message: t.message ?? code.message }));
      }
      if (t && t.phase === 'before' && this.applyTerminal(t.type, req, res, t.type === 'http500' ? t.faultString : '')) return;

      const body = await this.dispatch(request, plan);

      if (t && t.phase === 'after' && this.applyTerminal(t.type, req, res, t.type === 'http500' ? t.faultString : '')) return;
      if (plan.delayAfterMs) await sleep(plan.delayAfterMs);
      this.sendXml(res, 200, body);
      this.rt.logger.debug({ op: request.op, shopUrl: request.auth?.shopUrl, ms: Date.now() - started }, 'soap request');
    } catch (err) {
      this.rt.logger.error({ op: request.op, err: (err as Error).message }, 'soap operation failed');
      this.sendFault(res, new SoapFault('Server', 'Internal Server Error'));
    }
  }

  /** Ends every response a `hang` fault holds (for shutdown). */
  releaseHanging(): void {
    for (const res of this.hanging) res.socket?.destroy();
    this.hanging.clear();
  }

  private async dispatch(request: SoapRequest, plan: FaultPlan): Promise<string> {
    const shop = this.rt.authenticate(request.auth);
    if (!shop) return this.renderLevel(request.op, this.rt.codes.auth);
    if (!this.rt.withinRateLimit(shop.shopUrl)) return this.renderLevel(request.op, this.rt.codes.system);
    switch (request.op) {
      case 'getRCCSRequestId':
        return renderRequestId(await this.api.getRequestId(shop));
      case 'getRCCSResult':
        return renderResult(await this.api.getResult(shop, request.ids), this.rt.statusCodes);
      case 'getRCCSResultAll':
        return renderResultAll(await this.api.getResultAll(shop, request.search), this.rt.statusCodes);
      default:
        return renderReply(request.op, await this.api.submit(shop, request.op, request.intVal, request.items, plan.stuck));
    }
  }

  /** A request-level answer without data (authentication failure, system busy). */
  private renderLevel(op: Operation, level: RequestLevel): string {
    const l = { errorCode: level.errorCode, message: level.message };
    if (op === 'getRCCSRequestId') return renderRequestId(l);
    if (op === 'getRCCSResult') return renderResult(l, this.rt.statusCodes);
    if (op === 'getRCCSResultAll') return renderResultAll(l, this.rt.statusCodes);
    return renderReply(op, l);
  }

  /** Applies http500 / hang / drop; returns true when the response is taken care of. */
  private applyTerminal(type: 'http500' | 'hang' | 'drop', req: IncomingMessage, res: ServerResponse, faultString: string): boolean {
    if (type === 'http500') {
      this.sendFault(res, new SoapFault('Server', faultString));
    } else if (type === 'hang') {
      this.hanging.add(res);
      res.once('close', () => this.hanging.delete(res));
    } else {
      req.socket.destroy();
    }
    return true;
  }

  private checkSoapAction(req: IncomingMessage): void {
    const action = req.headers['soapaction'];
    if (action === undefined) throw new SoapFault('Client', 'Missing SOAPAction header');
    const value = String(action).trim().replace(/^"(.*)"$/, '$1');
    if (value !== '') throw new SoapFault('Client', `Cannot find dispatch method for SOAPAction ${value.slice(0, 200)}`);
  }

  private sendFault(res: ServerResponse, fault: SoapFault, close = false): void {
    this.sendXml(res, fault.httpStatus, renderFault(fault), close);
  }

  private sendXml(res: ServerResponse, status: number, body: string, close = false): void {
    if (res.headersSent || res.destroyed) return;
    const buf = Buffer.from(body, 'utf8');
    res.writeHead(status, { 'Content-Type': XML_CONTENT_TYPE, 'Content-Length': buf.length, ...(close ? { Connection: 'close' } : {}) });
    res.end(buf);
  }
}
