import { Controller, MessageEvent, Query, Sse } from '@nestjs/common';
import { ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { Observable, filter, interval, map, merge } from 'rxjs';
import { CurrentPrincipal, Principal, canAccessShop } from '@rcp/auth';
import { EventStreamService } from './event-stream.service';

export class EventStreamQuery {
  @IsOptional() @Matches(/^[a-z0-9][a-z0-9_-]{0,63}$/i) shopId?: string;
}

/**
 * Live view of the event stream as Server-Sent Events (`event: rcp-event`, data = {@link StreamItem} JSON; a `ping`
 * every 15 s). Only events of the key's shops; `?shopId=` narrows further. Send the key as a header (fetch-based
 * SSE readers), since EventSource cannot set headers.
 */
@ApiTags('operations')
@Controller('events')
export class EventStreamController {
  constructor(private readonly stream: EventStreamService) {}

  @Sse('stream')
  @ApiProduces('text/event-stream')
  @ApiQuery({ name: 'shopId', required: false })
  events(@Query() q: EventStreamQuery, @CurrentPrincipal() principal: Principal): Observable<MessageEvent> {
    const items = this.stream.events().pipe(
      filter((e) => e.shopId !== null && canAccessShop(principal, e.shopId) && (!q.shopId || e.shopId === q.shopId)),
      map((e): MessageEvent => ({ type: 'rcp-event', id: e.id ?? undefined, data: e })),
    );
    const pings = interval(15_000).pipe(map((): MessageEvent => ({ type: 'ping', data: { at: new Date().toISOString() } })));
    return merge(items, pings);
  }
}
