import { plainToInstance } from 'class-transformer';
import { ValidationError, validateSync } from 'class-validator';
import { EventContract } from './contract';
import { EnvelopeShape, EventEnvelope } from './envelope';
import { compiledCheck } from './compiled-check';
import { findContract, isKnownType } from './catalogue';

/** Largest accepted message body (bytes). Larger messages are rejected without parsing. */
export const MAX_MESSAGE_BYTES = 256 * 1024;

/** Why a message was rejected; stored with a parked message. */
export type RejectionCode =
  | 'too-large'
  | 'not-json'
  | 'invalid-envelope'
  | 'unknown-type'
  | 'unknown-version'
  | 'invalid-payload'
  | 'card-number-like-data';

export type EnvelopeValidation =
  | { ok: true; envelope: EventEnvelope; contract: EventContract }
  | { ok: false; code: RejectionCode; reason: string };

const VALIDATION_OPTIONS = { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true } as const;

/**
 * Validates a raw message (Buffer, string or parsed object) against the envelope and the contract of its
 * (type, version). Unknown fields are rejected: a new field means a new version. Never throws.
 */
export function validateEnvelope(raw: Buffer | string | unknown): EnvelopeValidation {
  let parsed: unknown = raw;
  if (Buffer.isBuffer(raw) || typeof raw === 'string') {
    const size = Buffer.isBuffer(raw) ? raw.length : Buffer.byteLength(raw);
    if (size > MAX_MESSAGE_BYTES) return { ok: false, code: 'too-large', reason: `message is ${size} bytes; the limit is ${MAX_MESSAGE_BYTES}` };
    try {
      parsed = JSON.parse(raw.toString());
    } catch (err) {
      return { ok: false, code: 'not-json', reason: `body is not JSON: ${(err as Error).message}` };
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { ok: false, code: 'invalid-envelope', reason: 'body must be a JSON object (the event envelope)' };
  }
  const shapeError = envelopeShapeError(parsed);
  if (shapeError) return { ok: false, code: 'invalid-envelope', reason: shapeError };
  const envelope = parsed as EventEnvelope;
  const contract = findContract(envelope.type, envelope.version);
  if (!contract) {
    return isKnownType(envelope.type)
      ? { ok: false, code: 'unknown-version', reason: `unknown version ${envelope.version} of ${envelope.type}` }
      : { ok: false, code: 'unknown-type', reason: `unknown event type ${envelope.type}` };
  }
  return dataRejection(contract, envelope) ?? { ok: true, envelope, contract };
}

/**
 * Validates an envelope built for `contract` (its shape, the payload against the contract, no card-number-like data)
 * without looking the contract up; the rejection, or null when it is valid. Never throws.
 */
export function checkEnvelopeFor(contract: EventContract, envelope: EventEnvelope): { code: RejectionCode; reason: string } | null {
  const shapeError = envelopeShapeError(envelope);
  return shapeError ? { code: 'invalid-envelope', reason: shapeError } : dataRejection(contract, envelope);
}

/** class-validator's whitelist does not see an own `__proto__` key (JSON.parse makes one): refused here. */
const hasProtoKey = (value: object) => Object.prototype.hasOwnProperty.call(value, '__proto__');

const envelopeCheck = compiledCheck(EnvelopeShape);

function envelopeShapeError(parsed: object): string | null {
  if (hasProtoKey(parsed)) return 'invalid envelope: __proto__ is not a field';
  if (envelopeCheck?.(parsed as Record<string, unknown>)) return null;
  // class-validator only for the rejections (it describes them). The envelope's fields are flat (its payload is
  // validated separately): an instance over the same properties is all it needs; plainToInstance would also deep-copy
  // the payload
  const envelopeErrors = validateSync(Object.setPrototypeOf({ ...parsed }, EnvelopeShape.prototype) as EnvelopeShape, VALIDATION_OPTIONS);
  return envelopeErrors.length > 0 ? `invalid envelope: ${describeErrors(envelopeErrors)}` : null;
}

function dataRejection(contract: EventContract, envelope: EventEnvelope): { ok: false; code: RejectionCode; reason: string } | null {
  const payloadError = validatePayload(contract, envelope.data);
  if (payloadError) return { ok: false, code: 'invalid-payload', reason: `invalid ${envelope.type} v${envelope.version}: ${payloadError}` };
  const pan = findCardNumberLike(envelope.data);
  if (pan) return { ok: false, code: 'card-number-like-data', reason: `field ${pan} holds something that looks like a card number; refused` };
  return null;
}

/** Validates a payload against a contract; returns a readable description of the problems, or null. */
export function validatePayload(contract: EventContract, data: unknown): string | null {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return 'data must be an object';
  if (hasProtoKey(data)) return '__proto__ is not a field';
  if (compiledCheck(contract.payload)?.(data as Record<string, unknown>)) return null;
  const errors = validateSync(plainToInstance(contract.payload, data), VALIDATION_OPTIONS);
  return errors.length > 0 ? describeErrors(errors) : null;
}

function describeErrors(errors: ValidationError[], parent = ''): string {
  return errors
    .flatMap((e) => {
      const path = parent ? `${parent}.${e.property}` : e.property;
      const own = Object.values(e.constraints ?? {}).map((m) => `${path}: ${m}`);
      const nested = e.children?.length ? [describeErrors(e.children, path)] : [];
      return [...own, ...nested];
    })
    .join('; ');
}

/**
 * How card numbers are written: 13–19 digits in one run, or in the groupings printed on cards (4-4-4-4, 4-4-4-4-3,
 * 4-6-5, 4-6-4) separated by single spaces or dashes. Other dash-separated digits — order numbers (6-8-8), UUIDs,
 * dates — are not card numbers and must not be mistaken for one.
 */
const PAN_SHAPES = [
  /(?<!\d)\d{13,19}(?!\d)/g,
  /(?<![\dA-Za-z-])\d{4}([ -])\d{4}\1\d{4}\1\d{4}(?:\1\d{3})?(?![\dA-Za-z-])/g,
  /(?<![\dA-Za-z-])\d{4}([ -])\d{6}\1\d{4,5}(?![\dA-Za-z-])/g,
];

/**
 * Finds a string field holding something written like a card number (see {@link PAN_SHAPES}) that passes the
 * Luhn check — a primary account number. Such data must never travel through our events.
 */
export function findCardNumberLike(value: unknown, path = 'data'): string | null {
  if (typeof value === 'string') {
    for (const shape of PAN_SHAPES) {
      for (const match of value.matchAll(shape)) {
        if (luhnValid(match[0].replace(/[ -]/g, ''))) return path;
      }
    }
    return null;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findCardNumberLike(value[i], `${path}[${i}]`);
      if (found) return found;
    }
    return null;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [key, child] of Object.entries(value)) {
      const found = findCardNumberLike(child, `${path}.${key}`);
      if (found) return found;
    }
  }
  return null;
}

function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}
