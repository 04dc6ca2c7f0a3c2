import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDateString, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { AuditWriter } from './audit';
import { CurrentPrincipal, Roles } from './decorators';
import { Principal, shopFilter } from './principal';

export class AuditQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Matches(/^[a-z0-9][a-z0-9_-]{0,63}$/i, { message: 'shopId must be a shop id' }) shopId?: string;
  @ApiPropertyOptional({ description: 'exact action or a prefix: `order` matches `order.authorize`…' })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z0-9][\w.:/ -]{0,99}$/i, { message: 'action must be an action name such as order.authorize' })
  action?: string;
  @ApiPropertyOptional({ description: 'key id or key name' }) @IsOptional() @IsString() @MaxLength(64) actor?: string;
  @ApiPropertyOptional({ description: 'ISO-8601, inclusive' }) @IsOptional() @IsDateString({ strict: true }) from?: string;
  @ApiPropertyOptional({ description: 'ISO-8601, exclusive' }) @IsOptional() @IsDateString({ strict: true }) to?: string;
  @ApiPropertyOptional({ minimum: 1, default: 1 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) page?: number;
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) pageSize?: number;
}

/**
 * `GET /audit`: the audit log, newest first. Operators and admins; a key scoped to some shops sees only rows of those
 * shops (rows without a shop, e.g. key issuance, only for every-shop keys).
 */
@ApiTags('audit')
@ApiBearerAuth()
@Controller('audit')
export class AuditController {
  constructor(@Inject(AuditWriter) private readonly audit: AuditWriter) {}

  @Get()
  @Roles('operator')
  list(@Query() q: AuditQueryDto, @CurrentPrincipal() principal: Principal) {
    return this.audit.query({
      shopId: q.shopId,
      action: q.action,
      actor: q.actor,
      from: q.from ? new Date(q.from) : undefined,
      to: q.to ? new Date(q.to) : undefined,
      page: q.page ?? 1,
      pageSize: q.pageSize ?? 50,
      shops: shopFilter(principal),
    });
  }
}
