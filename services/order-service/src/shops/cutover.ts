import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { PaymentTag } from '@rcp/contracts';

/**
 * Tags a card order may have when a shop switches from R-Card Plus to the card API. 未オーソリ (nothing happened) and
 * 売上請求済 (finished) carry no work in progress; オーソリ不要 (0 yen) never involves the card company at all, so it
 * cannot hold R-Card Plus work either.
 */
export const CUTOVER_SAFE_TAGS: readonly PaymentTag[] = ['未オーソリ', '売上請求済', 'オーソリ不要'];

/** Most orders listed by one cutover check (the total is reported as well). */
export const CUTOVER_LIST_LIMIT = 1000;

export interface CutoverCheck {
  shopId: string;
  ok: boolean;
  total: number;
  blocking: { orderNumber: string; paymentTag: PaymentTag }[];
}

/** Lists a shop's card orders whose payment tag is neither 未オーソリ, 売上請求済 nor オーソリ不要 (from our data). */
@Injectable()
export class CutoverCheckService {
  constructor(private readonly dataSource: DataSource) {}

  async check(shopId: string, manager: EntityManager = this.dataSource.manager): Promise<CutoverCheck> {
    const where = `shop_id = $1 AND deleted_at IS NULL AND payment_tag IS NOT NULL AND NOT (payment_tag = ANY($2::text[]))`;
    const params = [shopId, [...CUTOVER_SAFE_TAGS]];
    const rows = (await manager.query(
      `SELECT order_number AS "orderNumber", payment_tag AS "paymentTag" FROM orders WHERE ${where} ORDER BY order_number LIMIT ${CUTOVER_LIST_LIMIT}`,
      params,
    )) as CutoverCheck['blocking'];
    const total = rows.length < CUTOVER_LIST_LIMIT ? rows.length : ((await manager.query(`SELECT count(*)::int AS n FROM orders WHERE ${where}`, params)) as { n: number }[])[0]!.n;
    return { shopId, ok: total === 0, total, blocking: rows };
  }
}
