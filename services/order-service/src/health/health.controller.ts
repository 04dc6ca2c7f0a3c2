import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { Public } from '@rcp/auth';
import { ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(private readonly dataSource: DataSource) {}

  /** The process is up. */
  @Get('live')
  live() {
    return { status: 'ok' };
  }

  /** The database answers (the broker connection is supervised by the messaging transport). */
  @Get('ready')
  async ready() {
    try {
      await this.dataSource.query('SELECT 1');
      return { status: 'ok', checks: { database: 'up' } };
    } catch {
      throw new ServiceUnavailableException('database is not reachable');
    }
  }
}
