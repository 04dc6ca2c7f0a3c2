import { Module } from '@nestjs/common';
import { ConsoleController } from './console.controller';

/** Serves the operator console (static files) at /console. */
@Module({ controllers: [ConsoleController] })
export class ConsoleModule {}
