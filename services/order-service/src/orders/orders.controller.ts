import { Body, Controller, Delete, Get, Headers, HttpCode, Param, ParseEnumPipe, Patch, Post, Query, Req, UploadedFile, UseInterceptors } from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { ApiBody, ApiConsumes, ApiHeader, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Audit, AuditWriter, CurrentPrincipal, Principal, actorLabel, shopFilter } from '@rcp/auth';
import { DataSource } from 'typeorm';
import type { Request } from 'express';
import { OrderNumberPipe, ShopIdPipe } from '../common/params';
import { FieldValidationException } from '../common/errors';
import { BulkActionDto, CreateOrderDto, ListOrdersQuery, ShopListOrdersQuery, UpdateOrderDto } from './dto/order.dto';
import { CreateOrder } from './usecases/create-order';
import { RunPaymentAction } from './usecases/run-payment-action';
import { EditOrder } from './usecases/edit-order';
import { DeleteOrder } from './usecases/delete-order';
import { OrderQueries, orderView } from './order-queries';
import { ImportOrders } from '../import/import-orders';
import { BULK_ACTIONS, BulkAction } from '../domain/types';

/**
 * Actor recorded in histories and events: the authenticated key (`key:<keyId>`), with the optional `x-actor` header
 * as an informational sub-actor (`key:<keyId>/<x-actor>`).
 */
function actorOf(principal: Principal, header: string | undefined): string {
  if (header === undefined || header === '') return actorLabel(principal);
  if (!/^[\w.@:-]{1,100}$/.test(header)) throw new FieldValidationException([{ field: 'x-actor', message: 'x-actor must be 1-100 letters, digits or . @ : _ -' }]);
  return actorLabel(principal, header);
}

export const CSV_UPLOAD_LIMIT = Symbol('CSV_UPLOAD_LIMIT');

@ApiTags('orders')
@ApiHeader({ name: 'x-actor', required: false, description: 'informational sub-actor (person using the key) recorded in the history' })
@Controller()
export class OrdersController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly createOrder: CreateOrder,
    private readonly runAction: RunPaymentAction,
    private readonly editOrder: EditOrder,
    private readonly deleteOrder: DeleteOrder,
    private readonly queries: OrderQueries,
    private readonly importOrders: ImportOrders,
    private readonly audit: AuditWriter,
  ) {}

  @Get('orders')
  list(@Query() q: ListOrdersQuery, @CurrentPrincipal() principal: Principal) {
    return this.queries.list({ ...q, shops: shopFilter(principal) });
  }

  @Post('shops/:shopId/orders')
  @Audit('order.create', { target: (req) => (req.body as { orderNumber?: string })?.orderNumber ?? null })
  async create(
    @Param('shopId', ShopIdPipe) shopId: string,
    @Body() body: CreateOrderDto,
    @CurrentPrincipal() principal: Principal,
    @Headers('x-actor') actor?: string,
  ) {
    const who = actorOf(principal, actor);
    // no transaction: the shop's settings are read, then order, history, audit row and outbox rows are written by one
    // statement that commits on its own (OrderStore.insert)
    const order = await this.createOrder.execute(
      this.dataSource.manager,
      shopId,
      { ...body, orderedAt: new Date(body.orderedAt) },
      'http',
      who,
      {},
      this.audit.currentRow({ outcome: 'accepted' }),
    );
    return orderView(order);
  }

  @Get('shops/:shopId/orders')
  listShop(@Param('shopId', ShopIdPipe) shopId: string, @Query() q: ShopListOrdersQuery) {
    return this.queries.list({ ...q, shopId });
  }

  @Get('shops/:shopId/orders/:orderNumber')
  detail(@Param('shopId', ShopIdPipe) shopId: string, @Param('orderNumber', OrderNumberPipe) orderNumber: string) {
    return this.queries.detail(shopId, orderNumber);
  }

  @Patch('shops/:shopId/orders/:orderNumber')
  @Audit('order.update')
  async edit(
    @Param('shopId', ShopIdPipe) shopId: string,
    @Param('orderNumber', OrderNumberPipe) orderNumber: string,
    @Body() body: UpdateOrderDto,
    @CurrentPrincipal() principal: Principal,
    @Headers('x-actor') actor?: string,
  ) {
    return orderView(await this.editOrder.execute(shopId, orderNumber, body, actorOf(principal, actor)));
  }

  @Delete('shops/:shopId/orders/:orderNumber')
  @Audit('order.delete')
  @HttpCode(204)
  async remove(@Param('shopId', ShopIdPipe) shopId: string, @Param('orderNumber', OrderNumberPipe) orderNumber: string): Promise<void> {
    await this.deleteOrder.execute(shopId, orderNumber);
  }

  @Post('shops/:shopId/orders/actions/:action')
  @Audit((req) => `order.${String(req.params.action)}`, { target: (req) => auditTarget((req.body as { orderNumbers?: unknown } | undefined)?.orderNumbers) })
  @HttpCode(200)
  @ApiQuery({ name: 'action', enum: BULK_ACTIONS })
  action(
    @Param('shopId', ShopIdPipe) shopId: string,
    @Param('action', new ParseEnumPipe(Object.fromEntries(BULK_ACTIONS.map((a) => [a, a])), { exceptionFactory: () => new FieldValidationException([{ field: 'action', message: `action must be one of ${BULK_ACTIONS.join(', ')}` }]) }))
    action: BulkAction,
    @Body() body: BulkActionDto,
    @CurrentPrincipal() principal: Principal,
    @Headers('x-actor') actor?: string,
  ) {
    return this.runAction.execute(shopId, action, body.orderNumbers, actorOf(principal, actor));
  }

  @Post('shops/:shopId/orders/import')
  @Audit('order.import')
  @HttpCode(200)
  @ApiConsumes('text/csv', 'multipart/form-data')
  @ApiBody({ description: 'order CSV (Shift_JIS or UTF-8) as the body, or multipart field `file`' })
  @UseInterceptors(FileInterceptor('file', { limits: { fileSize: 10 * 1024 * 1024, files: 1 } }))
  import(
    @Param('shopId', ShopIdPipe) shopId: string,
    @Req() req: Request,
    @UploadedFile() file: { buffer: Buffer } | undefined,
    @CurrentPrincipal() principal: Principal,
    @Headers('x-actor') actor?: string,
  ) {
    const who = actorOf(principal, actor);
    const content = file?.buffer ?? (Buffer.isBuffer(req.body) ? (req.body as Buffer) : undefined);
    if (!content || content.length === 0) {
      throw new FieldValidationException([{ field: 'file', message: 'send the CSV as a text/csv body or as multipart field "file"' }], 'no CSV received');
    }
    return this.importOrders.execute(shopId, content, who);
  }
}

/** The audit row's target: the first order numbers of a bulk action (the body is not validated yet when it is read). */
function auditTarget(orderNumbers: unknown): string | null {
  if (!Array.isArray(orderNumbers)) return null;
  return orderNumbers.slice(0, 20).map(String).join(',').slice(0, 500) || null;
}
