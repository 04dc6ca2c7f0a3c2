/** Options of `AuthModule.forRoot`. */
export interface AuthModuleOptions {
  /** Service name written to audit rows and used for the replication inbox (`<service>:api-keys`). */
  service: string;
  /** RCP_BOOTSTRAP_ADMIN_KEY (validated by `authEnvShape`). */
  bootstrapKey?: string;
  rateLimit: { limit: number; ttlMs: number };
  /** Key lookup cache (ms); default 3000. */
  cacheTtlMs?: number;
  /** Register {@link ApiKeyReplicationConsumer} (every service except order-service, the key authority). */
  replicateKeys?: boolean;
  /** Register `GET /audit` (default true). */
  auditApi?: boolean;
  /** Clock for audit rows and key timestamps. */
  now?: () => Date;
}

export const AUTH_OPTIONS = Symbol('AUTH_OPTIONS');
