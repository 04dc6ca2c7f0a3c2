import { Module } from '@nestjs/common';
import { ShopSettingsController } from './shop-settings.controller';
import { ShopSettingsService } from './shop-settings.service';

/** Shop settings; a later issue adds encrypted credentials, the connection check and audit here. */
@Module({ controllers: [ShopSettingsController], providers: [ShopSettingsService], exports: [ShopSettingsService] })
export class ShopSettingsModule {}
