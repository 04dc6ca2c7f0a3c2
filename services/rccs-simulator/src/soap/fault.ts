import { escapeXml } from './xml';

export type FaultCode = 'Client' | 'Server' | 'VersionMismatch' | 'MustUnderstand';

/** A SOAP 1.1 fault in the JAX-WS RI style (spec §8.1). HTTP 500 unless said otherwise. */
export class SoapFault extends Error {
  constructor(
    readonly code: FaultCode,
    readonly faultString: string,
    readonly httpStatus = 500,
  ) {
    super(faultString);
    this.name = 'SoapFault';
  }
}

export function renderFault(fault: Pick<SoapFault, 'code' | 'faultString'>): string {
  return (
    `<?xml version='1.0' encoding='UTF-8'?>` +
    `<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body>` +
    `<S:Fault xmlns:ns4="http://www.w3.org/2003/05/soap-envelope">` +
    `<faultcode>S:${fault.code}</faultcode><faultstring>${escapeXml(fault.faultString)}</faultstring>` +
    `</S:Fault></S:Body></S:Envelope>`
  );
}

export const cannotDispatch = (ns: string | null, local: string | null) =>
  new SoapFault('Client', `Cannot find dispatch method for {${ns ?? 'null'}}${local ?? 'null'}`);

export const messageCreation = (detail: string) =>
  new SoapFault('Client', `Couldn't create SOAP message due to exception: XML reader error: ${detail}`);
