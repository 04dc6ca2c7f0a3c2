import { DataSource } from 'typeorm';
import { Keyring, SecretsError } from '@rcp/secrets';
import { CREDENTIAL_COLUMNS, CREDENTIAL_FIELDS, credentialAad } from './credential-keyrings';

export interface RotationReport {
  /** Key every value is sealed with afterwards. */
  currentKeyId: string;
  shops: number;
  values: number;
  rotated: number;
  alreadyCurrent: number;
  /** Shops with a value no key of the ring opens (left untouched). */
  failed: { shopId: string; field: string; reason: string }[];
}

/**
 * Re-seals every stored credential value under the keyring's current key, `batchSize` shops per transaction
 * (rows locked while they are rewritten). Idempotent: values already under the current key are left as they are.
 */
export async function rotateCredentials(dataSource: DataSource, keyring: Keyring, batchSize = 100, onBatch?: (r: RotationReport) => void): Promise<RotationReport> {
  const report: RotationReport = { currentKeyId: keyring.currentKeyId, shops: 0, values: 0, rotated: 0, alreadyCurrent: 0, failed: [] };
  let after = '';
  for (;;) {
    const done = await dataSource.transaction(async (manager) => {
      const rows = (await manager.query(
        `SELECT shop_id, shop_url, user_name, auth_key FROM shop_credentials WHERE shop_id > $1 ORDER BY shop_id LIMIT $2 FOR UPDATE`,
        [after, batchSize],
      )) as Record<string, string>[];
      for (const row of rows) {
        report.shops++;
        const updates: string[] = [];
        const params: unknown[] = [row.shop_id];
        for (const field of CREDENTIAL_FIELDS) {
          const column = CREDENTIAL_COLUMNS[field];
          const token = row[column]!;
          report.values++;
          try {
            if (!keyring.needsRotation(token)) {
              report.alreadyCurrent++;
              continue;
            }
            params.push(keyring.reseal(token, credentialAad(row.shop_id!, field)));
            updates.push(`${column} = $${params.length}`);
            report.rotated++;
          } catch (err) {
            report.failed.push({ shopId: row.shop_id!, field, reason: err instanceof SecretsError ? err.message : 'unexpected error' });
          }
        }
        if (updates.length) await manager.query(`UPDATE shop_credentials SET ${updates.join(', ')} WHERE shop_id = $1`, params);
      }
      if (rows.length) after = rows[rows.length - 1]!.shop_id!;
      return rows.length < batchSize;
    });
    onBatch?.(report);
    if (done) return report;
  }
}
