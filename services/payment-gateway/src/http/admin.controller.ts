import { BadRequestException, Controller, Get, NotFoundException, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CARD_REQUEST_STATES } from '../ledger/states';
import { ASYNC_KINDS } from '../operations/operation-kinds';

const requestColumns = `id, rccs_request_id AS "rccsRequestId", shop_id AS "shopId", kind, state, order_numbers AS "orderNumbers", attempts,
  poll_count AS "pollCount", next_poll_at AS "nextPollAt", timeline, last_error AS "lastError", created_at AS "createdAt",
  submitted_at AS "submittedAt", completed_at AS "completedAt"`;

/** Read-only view of the ledger (raw exchanges have the auth key masked by the client). */
@Controller('admin')
export class AdminController {
  constructor(private readonly dataSource: DataSource) {}

  @Get('requests')
  async requests(
    @Query('shopId') shopId?: string,
    @Query('state') state?: string,
    @Query('kind') kind?: string,
    @Query('orderNumber') orderNumber?: string,
    @Query('limit') limitText?: string,
    @Query('withExchanges') withExchanges?: string,
  ) {
    if (state && !(CARD_REQUEST_STATES as readonly string[]).includes(state)) throw new BadRequestException(`state must be one of ${CARD_REQUEST_STATES.join(', ')}`);
    if (kind && !(ASYNC_KINDS as readonly string[]).includes(kind)) throw new BadRequestException(`kind must be one of ${ASYNC_KINDS.join(', ')}`);
    const limit = limitText === undefined ? 100 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new BadRequestException('limit must be an integer between 1 and 1000');
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, v: unknown) => {
      params.push(v);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (shopId) add('shop_id = ?', shopId);
    if (state) add('state = ?', state);
    if (kind) add('kind = ?', kind);
    if (orderNumber) add('order_numbers @> jsonb_build_array(?::text)', orderNumber);
    params.push(limit);
    const cols = withExchanges === 'true' ? `${requestColumns}, exchanges` : requestColumns;
    const sql = `SELECT ${cols} FROM card_request ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${params.length}`;
    return { requests: await this.dataSource.query(sql, params) };
  }

  @Get('operations/:operationId')
  async operation(@Param('operationId', new ParseUUIDPipe()) operationId: string) {
    const ops = await this.dataSource.query(
      `SELECT operation_id AS "operationId", shop_id AS "shopId", order_number AS "orderNumber", kind, amount, pay_type AS "payType", state,
              attempts, result_event AS "resultEvent", result, last_error AS "lastError", created_at AS "createdAt", completed_at AS "completedAt",
              card_request_id AS "cardRequestId"
         FROM payment_operation WHERE operation_id = $1`,
      [operationId],
    );
    const op = ops[0];
    if (!op) throw new NotFoundException(`operation ${operationId} not found`);
    const requests = op.cardRequestId ? await this.dataSource.query(`SELECT ${requestColumns}, exchanges FROM card_request WHERE id = $1`, [op.cardRequestId]) : [];
    return { operation: op, cardRequest: requests[0] ?? null };
  }
}
