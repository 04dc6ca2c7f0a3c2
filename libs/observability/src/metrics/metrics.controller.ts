import { Controller, Get, Header, Res } from '@nestjs/common';
import type { Response } from 'express';
import { OperationalController } from '../public-route';
import { Metrics } from './metrics';

/** `GET /metrics`: this app's registry in Prometheus text format. Public, not in Swagger. */
@OperationalController()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: Metrics) {}

  /** Prometheus scrape endpoint. */
  @Get()
  @Header('Cache-Control', 'no-store')
  async scrape(@Res() res: Response): Promise<void> {
    const body = await this.metrics.render();
    res.status(200).type(this.metrics.contentType).send(body);
  }
}
