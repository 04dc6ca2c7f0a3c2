import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, Res } from '@nestjs/common';
import { ApiPropertyOptional, ApiQuery, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import type { Response } from 'express';
import { Audit, CurrentPrincipal, Principal, actorLabel } from '@rcp/auth';
import { ShopIdPipe } from '../common/params';
import { FieldValidationException } from '../common/errors';
import { ConnectionCheckService, ConnectionCheckView } from './connection-check.service';
import { ShopHistory } from './shop-history';

/** The connection check's body: empty, `{}`, or an optional note for the shop history; anything else is a 400. */
export class ConnectionCheckRequestDto {
  @ApiPropertyOptional({ description: 'optional free-text note; the check itself takes no parameters' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  note?: string;
}

/** 接続確認 and the shop history. */
@ApiTags('shop settings')
@Controller('shops/:shopId')
export class ConnectionCheckController {
  constructor(
    private readonly checks: ConnectionCheckService,
    private readonly history: ShopHistory,
  ) {}

  /** Operator: the gateway logs in with the stored credentials; 200 with the result, or 202 while it is pending. */
  @Post('connection-check')
  @HttpCode(200)
  @Audit('connection-check')
  async run(
    @Param('shopId', ShopIdPipe) shopId: string,
    @Body() _body: ConnectionCheckRequestDto,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ConnectionCheckView> {
    const checkId = await this.checks.request(shopId, actorLabel(principal));
    const view = await this.checks.waitForResult(shopId, checkId);
    if (view.status !== 'completed') res.status(202);
    return view;
  }

  @Get('connection-check/:checkId')
  get(@Param('shopId', ShopIdPipe) shopId: string, @Param('checkId', new ParseUUIDPipe()) checkId: string): Promise<ConnectionCheckView> {
    return this.checks.get(shopId, checkId);
  }

  @Get('history')
  @ApiQuery({ name: 'kind', required: false, description: 'prefix, e.g. connection-check, settings, credentials, cutover' })
  @ApiQuery({ name: 'page', required: false })
  @ApiQuery({ name: 'pageSize', required: false })
  list(@Param('shopId', ShopIdPipe) shopId: string, @Query('kind') kind?: string, @Query('page') page = '1', @Query('pageSize') pageSize = '50') {
    const p = Number(page);
    const size = Number(pageSize);
    const errors = [];
    if (!Number.isInteger(p) || p < 1) errors.push({ field: 'page', message: 'page must be a positive integer' });
    if (!Number.isInteger(size) || size < 1 || size > 200) errors.push({ field: 'pageSize', message: 'pageSize must be an integer between 1 and 200' });
    if (kind !== undefined && !/^[a-z.-]{1,40}$/.test(kind)) errors.push({ field: 'kind', message: 'kind must be a history kind or its prefix' });
    if (errors.length) throw new FieldValidationException(errors);
    return this.history.list(shopId, p, size, kind);
  }
}
