import { Body, Controller, ForbiddenException, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { Audit, CurrentPrincipal, Principal, Roles, coversAllShops, shopFilter } from '@rcp/auth';
import { FieldValidationException } from '../common/errors';
import { ParkingLotsService } from './parking-lots.service';

export class ParkingListQuery {
  @ApiPropertyOptional({ default: 20 }) @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(200) limit?: number;
}

export class ReplayDto {
  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  @MaxLength(128, { each: true })
  messageIds?: string[];

  @ApiProperty({ required: false, description: 'replay every parked message of the queue' })
  @IsOptional()
  @IsBoolean()
  all?: boolean;
}

/** Parking lots of the consumers: list (viewer) and replay (admin with an all-shop key). */
@ApiTags('operations')
@Controller('parking-lots')
export class ParkingLotsController {
  constructor(private readonly lots: ParkingLotsService) {}

  @Get()
  async list(@Query() q: ParkingListQuery, @CurrentPrincipal() principal: Principal) {
    return { queues: await this.lots.all(q.limit ?? 20, shopFilter(principal)) };
  }

  @Get(':queue')
  async one(@Param('queue') queue: string, @Query() q: ParkingListQuery, @CurrentPrincipal() principal: Principal) {
    return this.lots.view(queue, q.limit ?? 20, shopFilter(principal));
  }

  @Post(':queue/replay')
  @Roles('admin')
  @Audit('parking-lot.replay', { target: (req) => String(req.params.queue) })
  @HttpCode(200)
  async replay(@Param('queue') queue: string, @Body() body: ReplayDto, @CurrentPrincipal() principal: Principal) {
    if (!coversAllShops(principal)) throw new ForbiddenException('replaying parked messages needs an API key for every shop');
    const ids = body.messageIds ?? [];
    if (Boolean(body.all) === ids.length > 0) {
      throw new FieldValidationException([{ field: 'body', message: 'send exactly one of messageIds (non-empty) or all: true' }]);
    }
    this.lots.resolve(queue);
    return this.lots.replay(queue, body.all ? { all: true } : { messageIds: ids });
  }
}
