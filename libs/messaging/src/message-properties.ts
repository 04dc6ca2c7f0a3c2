import type { Options } from 'amqplib';
import type { EventEnvelope } from '@rcp/contracts';
import { HEADERS } from './constants';

/** AMQP headers mirroring an envelope (`x-event-version`, `x-shop-id`, `x-causation-id` when set). */
export function envelopeHeaders(envelope: EventEnvelope): Record<string, string | number> {
  const headers: Record<string, string | number> = {
    [HEADERS.eventVersion]: envelope.version,
    [HEADERS.shopId]: envelope.shopId,
  };
  if (envelope.causationId) headers[HEADERS.causationId] = envelope.causationId;
  return headers;
}

/**
 * Publish options mirroring the envelope: persistent, message_id, type, timestamp (seconds),
 * correlation_id, content_type application/json, and the envelope headers (plus `extraHeaders`).
 */
export function envelopeProperties(envelope: EventEnvelope, extraHeaders: Record<string, unknown> = {}): Options.Publish {
  const millis = Date.parse(envelope.occurredAt);
  return {
    persistent: true,
    deliveryMode: 2,
    messageId: envelope.id,
    type: envelope.type,
    timestamp: Math.floor((Number.isFinite(millis) ? millis : Date.now()) / 1000),
    correlationId: envelope.correlationId,
    contentType: 'application/json',
    contentEncoding: 'utf-8',
    headers: { ...envelopeHeaders(envelope), ...extraHeaders },
  };
}

/** Reads a positive integer header (numbers or numeric strings); `fallback` otherwise. */
export function intHeader(headers: Record<string, unknown> | undefined, name: string, fallback: number): number {
  const raw = headers?.[name];
  const value = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw) : typeof raw === 'bigint' ? Number(raw) : NaN;
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

/** Reads a string header, decoding Buffers; undefined when absent. */
export function stringHeader(headers: Record<string, unknown> | undefined, name: string): string | undefined {
  const raw = headers?.[name];
  if (raw === undefined || raw === null) return undefined;
  return Buffer.isBuffer(raw) ? raw.toString('utf8') : String(raw);
}
