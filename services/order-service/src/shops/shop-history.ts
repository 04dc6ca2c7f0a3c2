import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

/** Kinds of shop history entries. */
export type ShopHistoryKind =
  | 'settings.update'
  | 'credentials.update'
  | 'credentials.redeliver'
  | 'connection-check.requested'
  | 'connection-check.completed'
  | 'cutover.override';

export interface ShopHistoryItem {
  id: string;
  at: string;
  kind: ShopHistoryKind;
  actor: string | null;
  detail: Record<string, unknown>;
}

/** Per-shop history (settings changes, credential changes without values, connection checks, cutover overrides). */
@Injectable()
export class ShopHistory {
  constructor(private readonly dataSource: DataSource) {}

  async record(manager: EntityManager, shopId: string, at: Date, kind: ShopHistoryKind, actor: string | null, detail: Record<string, unknown>): Promise<void> {
    await manager.query(`INSERT INTO shop_history (shop_id, at, kind, actor, detail) VALUES ($1, $2, $3, $4, $5)`, [shopId, at, kind, actor, JSON.stringify(detail)]);
  }

  async list(shopId: string, page: number, pageSize: number, kind?: string): Promise<{ items: ShopHistoryItem[]; page: number; pageSize: number; total: number }> {
    const params: unknown[] = [shopId];
    let where = 'shop_id = $1';
    if (kind) {
      params.push(`${kind}%`);
      where += ` AND kind LIKE $2`;
    }
    const [{ total }] = (await this.dataSource.query(`SELECT count(*)::int AS total FROM shop_history WHERE ${where}`, params)) as { total: number }[];
    const rows = (await this.dataSource.query(
      `SELECT id::text AS id, at, kind, actor, detail FROM shop_history WHERE ${where} ORDER BY shop_history.at DESC, shop_history.id DESC LIMIT ${pageSize} OFFSET ${(page - 1) * pageSize}`,
      params,
    )) as (Omit<ShopHistoryItem, 'at'> & { at: Date })[];
    return { items: rows.map((r) => ({ ...r, at: new Date(r.at).toISOString() })), page, pageSize, total: total ?? 0 };
  }
}
