import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Audit, Roles } from '@rcp/auth';
import { ShopSettingsService } from './shop-settings.service';
import { UpdateShopSettingsDto } from './shop-settings.dto';
import { ShopIdPipe } from '../common/params';
import { PaymentSettings } from '../domain/types';

@ApiTags('shop settings')
@Controller('shops/:shopId/settings')
export class ShopSettingsController {
  constructor(private readonly settings: ShopSettingsService) {}

  @Get()
  async get(@Param('shopId', ShopIdPipe) shopId: string): Promise<PaymentSettings & { shopId: string }> {
    return { shopId, ...(await this.settings.get(shopId)) };
  }

  @Put()
  @Roles('admin')
  @Audit('settings.update')
  async put(@Param('shopId', ShopIdPipe) shopId: string, @Body() body: UpdateShopSettingsDto): Promise<PaymentSettings & { shopId: string }> {
    return { shopId, ...(await this.settings.update(shopId, body)) };
  }
}
