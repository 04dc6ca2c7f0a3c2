import { MESSAGING_MIGRATIONS } from '@rcp/messaging';
import { AUTH_ENTITIES, AUTH_MIGRATIONS } from '@rcp/auth';
import { DataSource, DataSourceOptions } from 'typeorm';
import { pgClientPoolOption } from '@rcp/database';
import { Delivery } from './entities/delivery.entity';
import { Incident } from './entities/incident.entity';
import { NotificationRule } from './entities/notification-rule.entity';
import { NotificationSchema1760000000000 } from './migrations/1760000000000-notification-schema';

/** Advisory-lock key that serialises this service's migrations across replicas and the migration Job. */
export const MIGRATION_LOCK_KEY = 0x4e4f5449;

export const ENTITIES = [NotificationRule, Delivery, Incident];

/** `preparedStatements`: recurring statements prepared per connection (off behind a transaction-pooling proxy). */
export function dataSourceOptions(url: string, preparedStatements = true): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: [...ENTITIES, ...AUTH_ENTITIES],
    migrations: [...MESSAGING_MIGRATIONS, NotificationSchema1760000000000, ...AUTH_MIGRATIONS],
    synchronize: false,
    migrationsRun: false,
    extra: { max: 10, ...pgClientPoolOption(preparedStatements) },
  };
}

export function createDataSource(url: string): DataSource {
  return new DataSource(dataSourceOptions(url));
}
