import { Module } from '@nestjs/common';
import { ORDER_ENV, OrderEnv } from '../config/env';
import { MESSAGING_PORT_PROVIDERS } from '../events/messaging-adapter';
import { ShopSettingsController } from './shop-settings.controller';
import { ShopSettingsService } from './shop-settings.service';
import { ShopCredentialsController } from './credentials.controller';
import { ShopCredentialsService } from './credentials.service';
import { CREDENTIAL_KEYRINGS, credentialKeyrings } from './credential-keyrings';
import { ConnectionCheckController } from './connection-check.controller';
import { ConnectionCheckService } from './connection-check.service';
import { ShopEventsController } from './shop-events.controller';
import { CutoverCheckService } from './cutover';
import { ShopHistory } from './shop-history';

/** Shop settings, encrypted card-API credentials, connection check (接続確認), cutover check and shop history. */
@Module({
  controllers: [ShopSettingsController, ShopCredentialsController, ConnectionCheckController, ShopEventsController],
  providers: [
    ...MESSAGING_PORT_PROVIDERS,
    { provide: CREDENTIAL_KEYRINGS, inject: [ORDER_ENV], useFactory: (env: OrderEnv) => credentialKeyrings(env) },
    ShopSettingsService,
    ShopCredentialsService,
    ConnectionCheckService,
    CutoverCheckService,
    ShopHistory,
  ],
  exports: [ShopSettingsService],
})
export class ShopSettingsModule {}
