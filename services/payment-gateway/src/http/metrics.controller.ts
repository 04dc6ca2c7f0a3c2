import { Controller, Get, Header } from '@nestjs/common';
import { Public } from '@rcp/auth';
import { GatewayMetrics } from './metrics';

@Public()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: GatewayMetrics) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4')
  async scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
