import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { BulkActionDto, CreateOrderDto, ShopListOrdersQuery } from './order.dto';
import { UpdateShopSettingsDto } from '../../shops/shop-settings.dto';
import { flattenValidationErrors } from '../../common/errors';

const OPTIONS = { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true };
const errorsOf = <T extends object>(cls: new () => T, plain: object) => flattenValidationErrors(validateSync(plainToInstance(cls, plain), OPTIONS));

const valid = {
  orderNumber: '338459-20180531-00000703',
  orderedAt: '2024-05-31T01:00:00Z',
  paymentMethod: 'クレジットカード',
  totalAmount: 1000,
  billedAmount: 1000,
};

describe('DTO validation', () => {
  it('accepts a valid order', () => {
    expect(errorsOf(CreateOrderDto, valid)).toEqual([]);
  });

  it('names each bad field: order number pattern, types, negative amounts, unknown fields', () => {
    const errors = errorsOf(CreateOrderDto, { ...valid, orderNumber: '12345', billedAmount: '1000', totalAmount: -1, hacker: true });
    const fields = errors.map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['orderNumber', 'billedAmount', 'totalAmount', 'hacker']));
    expect(errors.find((e) => e.field === 'orderNumber')?.message).toContain('338459-20180531-00000703');
    expect(errors.find((e) => e.field === 'hacker')?.message).toContain('should not exist');
  });

  it('rejects an unknown status and a non-ISO date', () => {
    const fields = errorsOf(CreateOrderDto, { ...valid, status: 'done', orderedAt: '31/05/2024' }).map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['status', 'orderedAt']));
  });

  it('validates every order number of a bulk action', () => {
    expect(errorsOf(BulkActionDto, { orderNumbers: [] }).map((e) => e.field)).toEqual(['orderNumbers']);
    expect(errorsOf(BulkActionDto, { orderNumbers: ['338459-20180531-00000703', 'x'] })[0].message).toContain('each value');
  });

  it('limits page size to 200 and converts query strings', () => {
    const q = plainToInstance(ShopListOrdersQuery, { page: '2', pageSize: '201' });
    expect(flattenValidationErrors(validateSync(q, OPTIONS)).map((e) => e.field)).toEqual(['pageSize']);
    const ok = plainToInstance(ShopListOrdersQuery, { page: '2' });
    expect(validateSync(ok, OPTIONS)).toEqual([]);
    expect(ok).toMatchObject({ page: 2, pageSize: 50 });
  });

  it('validates settings ranges', () => {
    expect(errorsOf(UpdateShopSettingsDto, { authValidityDays: 0, expiryWarningLeadDays: [7, 'x'], autoCapture: 'yes' }).map((e) => e.field)).toEqual(
      expect.arrayContaining(['authValidityDays', 'expiryWarningLeadDays', 'autoCapture']),
    );
  });
});
