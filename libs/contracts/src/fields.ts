import { IsInt, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

/** Combines several property decorators into one. */
function applyDecorators(...decorators: PropertyDecorator[]): PropertyDecorator {
  return (target, key) => decorators.forEach((decorate) => decorate(target, key));
}

/** Rakuten order number (受注番号): `<shop number>-<YYYYMMDD>-<serial>`, e.g. `338459-20180531-00000703`. */
export const ORDER_NUMBER_PATTERN = /^\d{1,10}-\d{8}-\d{8,10}$/;

/** Largest amount accepted anywhere (yen). Guards against overflow and typos. */
export const MAX_AMOUNT_YEN = 99_999_999;

/** A Rakuten order number field. */
export const IsOrderNumber = () =>
  applyDecorators(IsString(), Matches(ORDER_NUMBER_PATTERN, { message: '$property must look like 338459-20180531-00000703' }));

/** A non-negative integer amount in yen. */
export const IsYen = () => applyDecorators(IsInt(), Min(0), Max(MAX_AMOUNT_YEN));

/** A short free-text field. */
export const IsShortText = (max = 200) => applyDecorators(IsString(), MaxLength(max));
