import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { escapeXml } from '../soap/xml';

/** The committed WSDL; `npm run build` copies it next to the compiled code, so resolve it from here. */
export const WSDL_PATH = join(__dirname, 'RCCSApiService.wsdl');

export const SOAP_PATH = '/rccsapi-services/RCCSApiService';

/** The WSDL document with its `soap:address` pointing at wherever the simulator is reached. */
export class WsdlDocument {
  private readonly template: string;

  constructor(path: string = WSDL_PATH) {
    this.template = readFileSync(path, 'utf8');
  }

  get raw(): string {
    return this.template;
  }

  render(endpointUrl: string): string {
    return this.template.replace(/(<soap:address\s+location=")[^"]*(")/, (_m, a: string, b: string) => `${a}${escapeXml(endpointUrl)}${b}`);
  }
}

/** The endpoint URL clients should call: `SIM_PUBLIC_URL`, else the Host the request came in on. */
export function endpointUrl(publicUrl: string | undefined, hostHeader: string | undefined, fallbackHost: string): string {
  if (publicUrl) return `${publicUrl.replace(/\/+$/, '')}${SOAP_PATH}`;
  const host = hostHeader && /^[A-Za-z0-9.\-_:[\]]{1,255}$/.test(hostHeader) ? hostHeader : fallbackHost;
  return `http://${host}${SOAP_PATH}`;
}
