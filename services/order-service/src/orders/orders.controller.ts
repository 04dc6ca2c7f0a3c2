import { Body, Controller, Delete, Get, Headers, HttpCode, Param, ParseEnumPipe, Patch, Post, Query, Req, UploadedFile, UseInterceptors } from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { ApiBody, ApiConsumes, ApiHeader, ApiQuery, ApiTags } from '@nestjs/swagger';
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

/** Operator id from the `x-actor` header (audit trail); a later issue replaces it with authentication. */
function actorOf(header: string | undefined): string {
  if (header === undefined || header === '') return 'operator';
  if (!/^[\w.@:-]{1,100}$/.test(header)) throw new FieldValidationException([{ field: 'x-actor', message: 'x-actor must be 1-100 letters, digits or . @ : _ -' }]);
  return `operator:${header}`;
}

export const CSV_UPLOAD_LIMIT = Symbol('CSV_UPLOAD_LIMIT');

@ApiTags('orders')
@ApiHeader({ name: 'x-actor', required: false, description: 'operator id recorded in the history' })
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
  ) {}

  @Get('orders')
  list(@Query() q: ListOrdersQuery) {
    return this.queries.list(q);
  }

  @Post('shops/:shopId/orders')
  async create(@Param('shopId', ShopIdPipe) shopId: string, @Body() body: CreateOrderDto, @Headers('x-actor') actor?: string) {
    const who = actorOf(actor);
    const order = await this.dataSource.transaction((m) =>
      this.createOrder.execute(m, shopId, { ...body, orderedAt: new Date(body.orderedAt) }, 'http', who, {}),
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
  async edit(
    @Param('shopId', ShopIdPipe) shopId: string,
    @Param('orderNumber', OrderNumberPipe) orderNumber: string,
    @Body() body: UpdateOrderDto,
    @Headers('x-actor') actor?: string,
  ) {
    return orderView(await this.editOrder.execute(shopId, orderNumber, body, actorOf(actor)));
  }

  @Delete('shops/:shopId/orders/:orderNumber')
  @HttpCode(204)
  async remove(@Param('shopId', ShopIdPipe) shopId: string, @Param('orderNumber', OrderNumberPipe) orderNumber: string): Promise<void> {
    await this.deleteOrder.execute(shopId, orderNumber);
  }

  @Post('shops/:shopId/orders/actions/:action')
  @HttpCode(200)
  @ApiQuery({ name: 'action', enum: BULK_ACTIONS })
  action(
    @Param('shopId', ShopIdPipe) shopId: string,
    @Param('action', new ParseEnumPipe(Object.fromEntries(BULK_ACTIONS.map((a) => [a, a])), { exceptionFactory: () => new FieldValidationException([{ field: 'action', message: `action must be one of ${BULK_ACTIONS.join(', ')}` }]) }))
    action: BulkAction,
    @Body() body: BulkActionDto,
    @Headers('x-actor') actor?: string,
  ) {
    return this.runAction.execute(shopId, action, body.orderNumbers, actorOf(actor));
  }

  @Post('shops/:shopId/orders/import')
  @HttpCode(200)
  @ApiConsumes('text/csv', 'multipart/form-data')
  @ApiBody({ description: 'order CSV (Shift_JIS or UTF-8) as the body, or multipart field `file`' })
  @UseInterceptors(FileInterceptor('file', { limits: { fileSize: 10 * 1024 * 1024, files: 1 } }))
  import(
    @Param('shopId', ShopIdPipe) shopId: string,
    @Req() req: Request,
    @UploadedFile() file: { buffer: Buffer } | undefined,
    @Headers('x-actor') actor?: string,
  ) {
    const who = actorOf(actor);
    const content = file?.buffer ?? (Buffer.isBuffer(req.body) ? (req.body as Buffer) : undefined);
    if (!content || content.length === 0) {
      throw new FieldValidationException([{ field: 'file', message: 'send the CSV as a text/csv body or as multipart field "file"' }], 'no CSV received');
    }
    return this.importOrders.execute(shopId, content, who);
  }
}
