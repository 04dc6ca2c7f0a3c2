import { Controller, Get, Inject, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { SimulatorRuntime } from '../runtime';
import { WsdlDocument, endpointUrl } from '../wsdl/wsdl';
import { SoapEndpoint } from './soap-endpoint';

/** `POST` SOAP 1.1 and `GET ?wsdl` at the real service's path. The body is read raw by the endpoint. */
@Controller('rccsapi-services')
export class SoapController {
  constructor(
    @Inject(SoapEndpoint) private readonly endpoint: SoapEndpoint,
    @Inject(WsdlDocument) private readonly wsdl: WsdlDocument,
    @Inject(SimulatorRuntime) private readonly rt: SimulatorRuntime,
  ) {}

  @Get('RCCSApiService')
  describe(@Req() req: Request, @Res() res: Response): void {
    const query = new URL(req.originalUrl, 'http://localhost').searchParams;
    const address = endpointUrl(this.rt.config.publicUrl, req.headers.host, `127.0.0.1:${req.socket.localPort}`);
    if ([...query.keys()].some((k) => k.toLowerCase() === 'wsdl')) {
      const body = Buffer.from(this.wsdl.render(address), 'utf8');
      res.writeHead(200, { 'Content-Type': 'text/xml;charset=utf-8', 'Content-Length': body.length });
      res.end(body);
      return;
    }
    const page = Buffer.from(
      `<!DOCTYPE html><html><head><title>Web Services</title></head><body><h1>Web Services</h1>` +
        `<p>RCCSApiService (rccs-simulator)</p><p>Address: ${address}</p><p>WSDL: <a href="?wsdl">${address}?wsdl</a></p></body></html>`,
      'utf8',
    );
    res.writeHead(200, { 'Content-Type': 'text/html;charset=utf-8', 'Content-Length': page.length });
    res.end(page);
  }

  @Post('RCCSApiService')
  async call(@Req() req: Request, @Res() res: Response): Promise<void> {
    await this.endpoint.handle(req, res);
  }
}
