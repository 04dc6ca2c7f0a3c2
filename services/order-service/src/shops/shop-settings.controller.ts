import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Audit, CurrentPrincipal, Principal, Roles, actorLabel } from '@rcp/auth';
import { ShopSettingsService, ShopSettingsView } from './shop-settings.service';
import { UpdateShopSettingsDto } from './shop-settings.dto';
import { ShopIdPipe } from '../common/params';
import { CredentialsUnreadableError, CredentialsView, ShopCredentialsService } from './credentials.service';

type SettingsResponse = ShopSettingsView & { shopId: string } & CredentialsView & { credentialsError?: string };

@ApiTags('shop settings')
@Controller('shops/:shopId/settings')
export class ShopSettingsController {
  constructor(
    private readonly settings: ShopSettingsService,
    private readonly credentials: ShopCredentialsService,
  ) {}

  /** Settings, notification contacts and the credentials masked (reading them is audited as credentials.read). */
  @Get()
  @Audit('credentials.read', { target: () => 'masked' })
  async get(@Param('shopId', ShopIdPipe) shopId: string): Promise<SettingsResponse> {
    return { shopId, ...(await this.settings.view(shopId)), ...(await this.maskedCredentials(shopId)) };
  }

  @Put()
  @Roles('admin')
  @Audit('settings.update')
  async put(@Param('shopId', ShopIdPipe) shopId: string, @Body() body: UpdateShopSettingsDto, @CurrentPrincipal() principal: Principal): Promise<SettingsResponse> {
    const { overrideCutover, overrideReason, ...patch } = body;
    const next = await this.settings.update(shopId, patch, { overrideCutover, overrideReason, actor: actorLabel(principal) });
    return { shopId, ...next, ...(await this.maskedCredentials(shopId)) };
  }

  private async maskedCredentials(shopId: string): Promise<CredentialsView & { credentialsError?: string }> {
    try {
      return await this.credentials.view(shopId);
    } catch (err) {
      if (err instanceof CredentialsUnreadableError) return { credentialsConfigured: true, credentials: null, credentialsError: err.message };
      if ((err as { status?: number }).status === 503) return { credentialsConfigured: false, credentials: null, credentialsError: (err as Error).message };
      throw err;
    }
  }
}
