import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiQuery, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { DataSource } from 'typeorm';
import { Roles } from '@rcp/auth';
import { CLOCK, Clock } from '../common/clock';
import { ShopIdPipe } from '../common/params';
import { OrderEntity } from '../database/entities/order.entity';
import { orderView } from '../orders/order-queries';
import { ShopSettingsService } from '../shops/shop-settings.service';

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
const LIMIT = 500;

export class StuckQuery {
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(7 * 24 * 60) olderThanMinutes?: number;
}

export class ExpiringQuery {
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(365) withinDays?: number;
}

/** Valid authorizations (tags that still hold one): オーソリ済 and 売上請求エラー (capture may be retried). */
const AUTHORIZED_TAGS = ['オーソリ済', '売上請求エラー'];

/**
 * Operator watch lists over the orders table: operations pending for too long (stuck) and authorizations that lapse
 * soon or already lapsed (expiring). Read-only (viewer).
 */
@ApiTags('operations')
@Roles('viewer')
@Controller('shops/:shopId/payments')
export class PaymentWatchlistsController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly settings: ShopSettingsService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Orders whose pending operation started longer ago than `olderThanMinutes` (default: the shop's stuckAfterMinutes). */
  @Get('stuck')
  @ApiQuery({ name: 'olderThanMinutes', required: false })
  async stuck(@Param('shopId', ShopIdPipe) shopId: string, @Query() q: StuckQuery) {
    const now = this.clock.now();
    const minutes = q.olderThanMinutes ?? (await this.settings.get(shopId)).stuckAfterMinutes;
    const rows = await this.dataSource.manager
      .createQueryBuilder(OrderEntity, 'o')
      .where('o.deleted_at IS NULL AND o.shop_id = :shopId AND o.pending_operation_id IS NOT NULL', { shopId })
      .andWhere('o.pending_since <= :cutoff', { cutoff: new Date(now.getTime() - minutes * MINUTE_MS) })
      .orderBy('o.pending_since', 'ASC')
      .take(LIMIT)
      .getMany();
    return {
      shopId,
      olderThanMinutes: minutes,
      asOf: now.toISOString(),
      items: rows.map((o) => ({
        ...orderView(o),
        pendingMinutes: Math.floor((now.getTime() - (o.pendingSince as Date).getTime()) / MINUTE_MS),
        stuckReported: o.pendingStuckReportedAt !== null,
      })),
    };
  }

  /** Authorizations that lapse within `withinDays` (default 7), including those already lapsed (`expired: true`). */
  @Get('expiring')
  @ApiQuery({ name: 'withinDays', required: false })
  async expiring(@Param('shopId', ShopIdPipe) shopId: string, @Query() q: ExpiringQuery) {
    const now = this.clock.now();
    const withinDays = q.withinDays ?? 7;
    const rows = await this.dataSource.manager
      .createQueryBuilder(OrderEntity, 'o')
      .where('o.deleted_at IS NULL AND o.shop_id = :shopId AND o.auth_expires_at IS NOT NULL', { shopId })
      .andWhere('o.payment_tag IN (:...tags)', { tags: AUTHORIZED_TAGS })
      .andWhere('o.auth_expires_at <= :horizon', { horizon: new Date(now.getTime() + withinDays * DAY_MS) })
      .orderBy('o.auth_expires_at', 'ASC')
      .take(LIMIT)
      .getMany();
    return {
      shopId,
      withinDays,
      asOf: now.toISOString(),
      items: rows.map((o) => {
        const msLeft = (o.authExpiresAt as Date).getTime() - now.getTime();
        return { ...orderView(o), expired: msLeft <= 0, daysLeft: Math.floor((msLeft / DAY_MS) * 10) / 10 };
      }),
    };
  }
}
