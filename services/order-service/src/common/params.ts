import { Injectable, PipeTransform } from '@nestjs/common';
import { ORDER_NUMBER_PATTERN, SHOP_ID_PATTERN } from '@rcp/contracts';
import { FieldValidationException } from './errors';

@Injectable()
export class ShopIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!SHOP_ID_PATTERN.test(value)) throw new FieldValidationException([{ field: 'shopId', message: 'shopId must be letters, digits, - or _ (at most 64)' }]);
    return value;
  }
}

@Injectable()
export class OrderNumberPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!ORDER_NUMBER_PATTERN.test(value)) {
      throw new FieldValidationException([{ field: 'orderNumber', message: 'orderNumber must look like 338459-20180531-00000703' }]);
    }
    return value;
  }
}
