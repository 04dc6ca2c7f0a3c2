import { Module } from '@nestjs/common';
import { ShopSettingsModule } from '../shops/shop-settings.module';
import { ConsoleModule } from '../console/console.module';
import { PaymentWatchlistsController } from './payment-watchlists.controller';
import { ParkingLotsController } from './parking-lots.controller';
import { ParkingLotsService } from './parking-lots.service';
import { EventStreamController } from './event-stream.controller';
import { EventStreamService } from './event-stream.service';
import { AsyncApiController } from './asyncapi.controller';

/**
 * Operator routes beyond the order API: watch lists (stuck / expiring), parking lots with replay, the live event
 * stream (SSE), the AsyncAPI document, and the operator console at /console.
 */
@Module({
  imports: [ShopSettingsModule, ConsoleModule],
  controllers: [PaymentWatchlistsController, ParkingLotsController, EventStreamController, AsyncApiController],
  providers: [ParkingLotsService, EventStreamService],
})
export class OperationsModule {}
