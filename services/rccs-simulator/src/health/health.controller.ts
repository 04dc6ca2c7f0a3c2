import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import { SimulatorRuntime } from '../runtime';

/** Liveness and readiness for process supervisors (no loopback restriction, no secrets). */
@Controller('health')
export class HealthController {
  constructor(@Inject(SimulatorRuntime) private readonly rt: SimulatorRuntime) {}

  @Get()
  async health(@Res() res: Response): Promise<void> {
    const ready = await this.rt.store.ping();
    res.status(ready ? 200 : 503).json({ status: ready ? 'ok' : 'error', live: true, ready, store: this.rt.store.kind });
  }

  @Get('live')
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  async ready(@Res() res: Response): Promise<void> {
    const ready = await this.rt.store.ping();
    res.status(ready ? 200 : 503).json({ status: ready ? 'ok' : 'error', store: this.rt.store.kind });
  }
}
