import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '@rcp/auth';
import { buildAsyncApiDocument } from '@rcp/contracts';
import { ORDER_ENV, OrderEnv } from '../config/env';
import { renderAsyncApiHtml, toYaml } from './asyncapi-render';

/** The event catalogue for dashboard teams: AsyncAPI 3 as YAML/JSON and a rendered page. Public (no API key). */
@Public()
@ApiExcludeController()
@Controller()
export class AsyncApiController {
  private readonly doc: Record<string, unknown>;
  private readonly yaml: string;
  private readonly html: string;

  constructor(@Inject(ORDER_ENV) env: OrderEnv) {
    this.doc = buildAsyncApiDocument(env.EXCHANGE);
    this.yaml = toYaml(this.doc);
    this.html = renderAsyncApiHtml(this.doc, env.EXCHANGE);
  }

  @Get('asyncapi.yaml')
  @Header('content-type', 'application/yaml; charset=utf-8')
  yamlDocument(): string {
    return this.yaml;
  }

  @Get('asyncapi.json')
  jsonDocument(): Record<string, unknown> {
    return this.doc;
  }

  @Get('asyncapi')
  @Header('content-type', 'text/html; charset=utf-8')
  page(): string {
    return this.html;
  }
}
