import { DataSource, type DataSourceOptions } from 'typeorm';
import { pgClientPoolOption } from '@rcp/database';
import { MESSAGING_MIGRATIONS } from '@rcp/messaging';
import { AUTH_ENTITIES, AUTH_MIGRATIONS } from '@rcp/auth';
import { GATEWAY_ENTITIES } from './entities';
import { GatewayInitial1732780800000 } from './migrations/1732780800000-gateway-initial';
import { GatewayShopCredentials1767500000000 } from './migrations/1767500000000-gateway-shop-credentials';
import { GatewayResubmissions1767600000000 } from './migrations/1767600000000-gateway-resubmissions';

/** Advisory lock key serialising this service's migrations across replicas. */
export const GATEWAY_MIGRATION_LOCK = 73_001;

/** `preparedStatements`: recurring statements prepared per connection (off behind a transaction-pooling proxy). */
export function gatewayDataSourceOptions(url: string, preparedStatements = true): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: [...GATEWAY_ENTITIES, ...AUTH_ENTITIES],
    migrations: [...MESSAGING_MIGRATIONS, GatewayInitial1732780800000, GatewayShopCredentials1767500000000, GatewayResubmissions1767600000000, ...AUTH_MIGRATIONS],
    synchronize: false,
    migrationsRun: false,
    extra: { max: 20, application_name: 'payment-gateway', ...pgClientPoolOption(preparedStatements) },
  };
}

export function createGatewayDataSource(url: string): DataSource {
  return new DataSource(gatewayDataSourceOptions(url));
}
