export * from './keyring';
export * from './env';
