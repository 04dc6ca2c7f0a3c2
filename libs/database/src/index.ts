export * from './ensure-database';
export * from './migrate';
export * from './prepared-statements';
export * from './connection-errors';
