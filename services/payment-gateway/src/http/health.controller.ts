import { Controller, Get, HttpException, HttpStatus } from '@nestjs/common';
import { Public } from '@rcp/auth';
import { DataSource } from 'typeorm';
import { EventPublisher } from '@rcp/messaging';
import { RccsGateway } from '../rccs/rccs-gateway';

@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly publisher: EventPublisher,
    private readonly gateway: RccsGateway,
  ) {}

  @Get('live')
  live() {
    return { status: 'ok' };
  }

  /** Ready when PostgreSQL and RabbitMQ answer. Open circuits are reported (not fatal: other shops still work). */
  @Get('ready')
  async ready() {
    const [database, broker] = await Promise.all([
      this.dataSource
        .query('SELECT 1')
        .then(() => 'up' as const)
        .catch(() => 'down' as const),
      this.publisher
        .waitForConnect(1000)
        .then(() => 'up' as const)
        .catch(() => 'down' as const),
    ]);
    const body = { status: database === 'up' && broker === 'up' ? 'ok' : 'error', database, broker, circuits: this.gateway.circuitStates() };
    if (body.status !== 'ok') throw new HttpException(body, HttpStatus.SERVICE_UNAVAILABLE);
    return body;
  }
}
