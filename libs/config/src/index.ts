export * from './parse-env';
export * from './redact';
