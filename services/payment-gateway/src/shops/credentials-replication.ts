import { z } from 'zod';
import type { EntityManager } from 'typeorm';
import { NonRetryableError } from '@rcp/messaging';
import type { EventEnvelope, ShopCredentialsUpdatedV1 } from '@rcp/contracts';
import type { Keyring } from '@rcp/secrets';
import { gatewayCredentialAad } from '../config/credentials';

/** Associated data of a ShopCredentialsUpdated payload (same as order-service's). */
export const transportAad = (shopId: string, version: number) => `transport:${shopId}|v${version}`;

const credentialsSchema = z.strictObject({ shopUrl: z.string().min(1).max(64), userName: z.string().min(1).max(100), authKey: z.string().min(1).max(512) });

/**
 * Applies ShopCredentialsUpdated inside the inbox transaction: opens the transport token (only holders of the
 * transport key can produce one that opens — a forged or altered payload is parked), re-seals each field under the
 * gateway's at-rest keyring and stores it unless a newer version is already stored. Returns whether it was applied.
 */
export async function applyShopCredentials(
  manager: EntityManager,
  e: EventEnvelope<ShopCredentialsUpdatedV1>,
  keyrings: { atRest?: Keyring; transport?: Keyring },
): Promise<'applied' | 'stale'> {
  if (!keyrings.atRest || !keyrings.transport) {
    throw new NonRetryableError('cannot store shop credentials: GATEWAY_CREDENTIALS_KEYS and CREDENTIALS_TRANSPORT_KEYS must both be configured');
  }
  let plain: string;
  try {
    plain = keyrings.transport.open(e.data.sealed, transportAad(e.shopId, e.data.version));
  } catch (err) {
    throw new NonRetryableError(`ShopCredentialsUpdated refused: ${(err as Error).message}`);
  }
  let parsedJson: unknown;
  try {
    parsedJson = JSON.parse(plain);
  } catch {
    parsedJson = undefined;
  }
  const parsed = credentialsSchema.safeParse(parsedJson);
  if (!parsed.success) throw new NonRetryableError(`ShopCredentialsUpdated refused: sealed content is not {shopUrl, userName, authKey} (${parsed.error.issues.map((i) => i.path.join('.')).join(', ')})`);
  const c = parsed.data;
  const seal = (f: 'shopUrl' | 'userName' | 'authKey') => keyrings.atRest!.seal(c[f], gatewayCredentialAad(e.shopId, f));
  const result = (await manager.query(
    `INSERT INTO shop_credentials (shop_id, version, shop_url, user_name, auth_key, updated_at, received_at)
     VALUES ($1, $2, $3, $4, $5, $6, now())
     ON CONFLICT (shop_id) DO UPDATE SET version = EXCLUDED.version, shop_url = EXCLUDED.shop_url, user_name = EXCLUDED.user_name,
       auth_key = EXCLUDED.auth_key, updated_at = EXCLUDED.updated_at, received_at = now()
     WHERE shop_credentials.version <= EXCLUDED.version
     RETURNING shop_id`,
    [e.shopId, e.data.version, seal('shopUrl'), seal('userName'), seal('authKey'), new Date(e.data.updatedAt)],
  )) as unknown[];
  const rows = result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number' ? (result[0] as unknown[]) : result;
  return rows.length > 0 ? 'applied' : 'stale';
}
