import { DataSourceOptions } from 'typeorm';
import { pgClientPoolOption } from '@rcp/database';
import { AUTH_ENTITIES, AUTH_MIGRATIONS } from '@rcp/auth';
import { OrderEntity } from './entities/order.entity';
import { ApiLogEntity, AuthExpiryWarningEntity, OrderStatusHistoryEntity, PaymentTagHistoryEntity } from './entities/history.entities';
import { ShopSettingsEntity } from './entities/shop-settings.entity';
import { OrderServiceInit1767200000000 } from './migrations/1767200000000-order-service-init';
import { ShopSecurity1767400000000 } from './migrations/1767400000000-shop-security';
import { MESSAGING_ENTITIES, MESSAGING_MIGRATIONS } from '../events/messaging-adapter';

/** Advisory-lock key serialising order-service migrations across replicas. */
export const ORDER_MIGRATION_LOCK_KEY = 7_301_001;

export const ORDER_ENTITIES = [OrderEntity, PaymentTagHistoryEntity, OrderStatusHistoryEntity, ApiLogEntity, AuthExpiryWarningEntity, ShopSettingsEntity];

/** `preparedStatements`: recurring statements prepared per connection (off behind a transaction-pooling proxy). */
export function orderDataSourceOptions(url: string, preparedStatements = true): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: [...ORDER_ENTITIES, ...MESSAGING_ENTITIES, ...AUTH_ENTITIES],
    migrations: [...MESSAGING_MIGRATIONS, OrderServiceInit1767200000000, ...AUTH_MIGRATIONS, ShopSecurity1767400000000],
    migrationsTableName: 'order_service_migrations',
    synchronize: false,
    migrationsRun: false,
    extra: { max: 10, ...pgClientPoolOption(preparedStatements) },
  };
}
