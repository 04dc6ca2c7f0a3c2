import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Matches, Max, Min } from 'class-validator';
import { DELIVERY_CHANNELS, DELIVERY_STATUSES, DeliveryChannel, DeliveryStatus } from '../entities/delivery.entity';
import { HANDLED_EVENT_TYPES } from '../events/handled-events';

export class ListDeliveriesQuery {
  @IsOptional() @IsString() @Matches(/^[a-z0-9][a-z0-9_-]{0,63}$/i, { message: 'shopId must be a shop id' }) shopId?: string;
  @IsOptional() @IsIn(DELIVERY_STATUSES as unknown as string[]) status?: DeliveryStatus;
  @IsOptional() @IsIn(DELIVERY_CHANNELS as unknown as string[]) channel?: DeliveryChannel;
  @IsOptional() @IsIn(HANDLED_EVENT_TYPES as string[]) eventType?: string;
  @IsOptional() @IsUUID() ruleId?: string;
  @IsOptional() @IsUUID() eventId?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500) limit?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) offset?: number;
}
