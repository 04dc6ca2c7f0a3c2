export * from './infra';
export * from './wait';
export * from './spawn-service';
export * from './reap-children';
