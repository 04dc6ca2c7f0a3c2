import { Body, Controller, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiBody, ApiTags } from '@nestjs/swagger';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { Audit, CurrentPrincipal, Principal, Roles, actorLabel, currentAuditDraft } from '@rcp/auth';
import { FieldValidationException, flattenValidationErrors } from '../common/errors';
import { ShopIdPipe } from '../common/params';
import { CutoverCheck, CutoverCheckService } from './cutover';
import { ShopCredentialsDto } from './shop-settings.dto';
import { CredentialsView, ShopCredentialsService } from './credentials.service';

/** Card-API credentials of a shop: write-only (masked in every answer), admin only, audited without values. */
@ApiTags('shop settings')
@Controller('shops/:shopId')
export class ShopCredentialsController {
  constructor(
    private readonly credentials: ShopCredentialsService,
    private readonly cutover: CutoverCheckService,
  ) {}

  @Put('credentials')
  @Roles('admin')
  @Audit('credentials.update')
  @ApiBody({ type: ShopCredentialsDto })
  async put(@Param('shopId', ShopIdPipe) shopId: string, @Body() body: Record<string, unknown>, @CurrentPrincipal() principal: Principal): Promise<{ shopId: string } & CredentialsView> {
    // The audit row (also of a refused request) names the fields, never their values.
    const draft = currentAuditDraft();
    if (draft?.base.request) draft.base.request = { ...draft.base.request, body: { fields: Object.keys(body ?? {}).slice(0, 20) } };
    const dto = plainToInstance(ShopCredentialsDto, body ?? {});
    const errors = await validate(dto, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true });
    if (errors.length) throw new FieldValidationException(flattenValidationErrors(errors));
    return { shopId, ...(await this.credentials.save(shopId, { shopUrl: dto.shopUrl, userName: dto.userName, authKey: dto.authKey }, actorLabel(principal))) };
  }

  @Post('credentials/redeliver')
  @HttpCode(200)
  @Roles('admin')
  @Audit('credentials.deliver')
  redeliver(@Param('shopId', ShopIdPipe) shopId: string, @CurrentPrincipal() principal: Principal) {
    return this.credentials.redeliver(shopId, actorLabel(principal));
  }

  /** R-Card Plus → card API: the card orders that are neither 未オーソリ nor 売上請求済 (nor オーソリ不要). */
  @Get('cutover-check')
  cutoverCheck(@Param('shopId', ShopIdPipe) shopId: string): Promise<CutoverCheck> {
    return this.cutover.check(shopId);
  }
}
