import type { DataSource, EntityManager } from 'typeorm';

/**
 * Runs a raw statement and returns its rows. TypeORM's postgres driver returns `[rows, affectedCount]` for
 * UPDATE/DELETE … RETURNING and plain rows otherwise; this evens it out.
 */
export async function queryRows<T>(db: DataSource | EntityManager, sql: string, params: unknown[] = []): Promise<T[]> {
  const result: unknown = await db.query(sql, params);
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as T[];
  return result as T[];
}
