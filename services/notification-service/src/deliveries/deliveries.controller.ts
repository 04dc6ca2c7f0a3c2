import { Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { Audit, CurrentPrincipal, Principal } from '@rcp/auth';
import { DeliveriesService } from './deliveries.service';
import { ListDeliveriesQuery } from './list-deliveries.query';

/** Delivery log: viewer reads (the key's shops only), operator retries. */
@Controller('deliveries')
export class DeliveriesController {
  constructor(private readonly deliveries: DeliveriesService) {}

  @Get()
  list(@Query() query: ListDeliveriesQuery, @CurrentPrincipal() principal: Principal) {
    return this.deliveries.list(query, principal);
  }

  @Get(':id')
  get(@Param('id', ParseUUIDPipe) id: string, @CurrentPrincipal() principal: Principal) {
    return this.deliveries.get(id, principal);
  }

  @Post(':id/retry')
  @Audit('delivery.retry')
  @HttpCode(202)
  retry(@Param('id', ParseUUIDPipe) id: string, @CurrentPrincipal() principal: Principal) {
    return this.deliveries.retry(id, principal);
  }
}
