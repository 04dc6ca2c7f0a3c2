import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditWriter, Principal, canAccessShop, shopFilter } from '@rcp/auth';
import { CLOCK, Clock } from '../clock';
import { Delivery } from '../entities/delivery.entity';
import { DeliveryView, deliveryView } from './delivery-view';
import { ListDeliveriesQuery } from './list-deliveries.query';

export interface DeliveryPage {
  items: DeliveryView[];
  total: number;
  limit: number;
  offset: number;
}

@Injectable()
export class DeliveriesService {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly audit: AuditWriter,
  ) {}

  async list(q: ListDeliveriesQuery, principal: Principal): Promise<DeliveryPage> {
    const limit = q.limit ?? 50;
    const offset = q.offset ?? 0;
    const qb = this.dataSource.getRepository(Delivery).createQueryBuilder('d');
    if (q.shopId) qb.andWhere('d.shop_id = :shopId', { shopId: q.shopId });
    const shops = shopFilter(principal);
    if (shops) qb.andWhere('d.shop_id IN (:...shops)', { shops: shops.length ? shops : ['\u0000'] });
    if (q.status) qb.andWhere('d.status = :status', { status: q.status });
    if (q.channel) qb.andWhere('d.channel = :channel', { channel: q.channel });
    if (q.eventType) qb.andWhere(':eventType = ANY(d.event_types)', { eventType: q.eventType });
    if (q.ruleId) qb.andWhere('d.rule_id = :ruleId', { ruleId: q.ruleId });
    if (q.eventId) qb.andWhere(`d.events @> :eventFilter::jsonb`, { eventFilter: JSON.stringify([{ id: q.eventId }]) });
    const [rows, total] = await qb.orderBy('d.created_at', 'DESC').addOrderBy('d.id').skip(offset).take(limit).getManyAndCount();
    return { items: rows.map(deliveryView), total, limit, offset };
  }

  async get(id: string, principal: Principal): Promise<DeliveryView & { events: Delivery['events'] }> {
    const row = await this.dataSource.getRepository(Delivery).findOneBy({ id });
    // Another shop's delivery answers 404 like a missing one.
    if (!row || !canAccessShop(principal, row.shopId)) throw new NotFoundException(`delivery ${id} not found`);
    return { ...deliveryView(row), events: row.events };
  }

  /** Puts a parked (or failed) delivery back in the queue with a fresh attempt budget. */
  async retry(id: string, principal: Principal): Promise<DeliveryView> {
    const now = this.clock.now();
    return this.dataSource.transaction(async (m) => {
      const existing = await m.getRepository(Delivery).findOneBy({ id });
      if (!existing || !canAccessShop(principal, existing.shopId)) throw new NotFoundException(`delivery ${id} not found`);
      const [rows] = (await m.query(
        `UPDATE delivery SET status = 'pending', attempts = 0, next_attempt_at = $2, parked_at = NULL, updated_at = $2
         WHERE id = $1 AND status IN ('parked', 'failed') RETURNING id`,
        [id, now],
      )) as [{ id: string }[], number];
      if (rows.length === 0) throw new ConflictException(`delivery ${id} is ${existing.status}; only parked or failed deliveries can be retried`);
      await this.audit.recordCurrent(m, { shopId: existing.shopId, target: id, outcome: 'accepted' });
      return deliveryView(await m.getRepository(Delivery).findOneByOrFail({ id }));
    });
  }
}
