import { BrokenCircuitError } from 'cockatiel';
import { RccsTransportError, type RccsExchange } from '@rcp/rccs-client';
import { isTransient } from './transient';

const ex = {} as RccsExchange;

describe('isTransient', () => {
  it('treats network problems, 5xx and server faults as transient', () => {
    expect(isTransient(new RccsTransportError('timeout', 'authori', 't', true, ex))).toBe(true);
    expect(isTransient(new RccsTransportError('connect', 'authori', 'c', false, ex))).toBe(true);
    expect(isTransient(new RccsTransportError('http-status', 'authori', 'h', true, ex, { httpStatus: 503 }))).toBe(true);
    expect(isTransient(new RccsTransportError('soap-fault', 'authori', 'f', true, ex, { httpStatus: 500, fault: { faultCode: 'S:Server', faultString: 'x' } }))).toBe(true);
    expect(isTransient(new BrokenCircuitError())).toBe(true);
  });

  it('treats malformed requests as permanent', () => {
    expect(isTransient(new RccsTransportError('soap-fault', 'authori', 'f', true, ex, { httpStatus: 500, fault: { faultCode: 'S:Client', faultString: 'x' } }))).toBe(false);
    expect(isTransient(new RccsTransportError('http-status', 'authori', 'h', false, ex, { httpStatus: 400 }))).toBe(false);
    expect(isTransient(new Error('bug'))).toBe(false);
  });
});
