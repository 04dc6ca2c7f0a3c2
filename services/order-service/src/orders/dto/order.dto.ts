import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsDateString, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { MAX_AMOUNT_YEN, ORDER_NUMBER_PATTERN, ORDER_STATUSES, OrderStatus, PAYMENT_TAGS, PaymentTag } from '@rcp/contracts';
import { PageQuery } from '../../common/paging';

const ORDER_NUMBER_MESSAGE = { message: '$property must look like 338459-20180531-00000703' };

export class CreateOrderDto {
  @ApiProperty({ example: '338459-20180531-00000703' }) @IsString() @Matches(ORDER_NUMBER_PATTERN, ORDER_NUMBER_MESSAGE) orderNumber: string;
  @ApiProperty({ example: '2024-05-31T01:23:45Z' }) @IsDateString({ strict: true }) orderedAt: string;
  @ApiProperty({ example: 'クレジットカード' }) @IsString() @MaxLength(100) paymentMethod: string;
  @ApiProperty({ description: '合計金額 (yen)' }) @IsInt() @Min(0) @Max(MAX_AMOUNT_YEN) totalAmount: number;
  @ApiProperty({ description: '請求金額 (yen): what the card is charged' }) @IsInt() @Min(0) @Max(MAX_AMOUNT_YEN) billedAmount: number;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(0) @Max(MAX_AMOUNT_YEN) pointsUsed?: number;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(0) @Max(MAX_AMOUNT_YEN) couponsUsed?: number;
  @ApiPropertyOptional({ enum: ORDER_STATUSES, default: '未確認' }) @IsOptional() @IsIn(ORDER_STATUSES as unknown as string[]) status?: OrderStatus;
}

export class UpdateOrderDto {
  @ApiPropertyOptional() @IsOptional() @IsDateString({ strict: true }) orderedAt?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(100) paymentMethod?: string;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(0) @Max(MAX_AMOUNT_YEN) totalAmount?: number;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(0) @Max(MAX_AMOUNT_YEN) billedAmount?: number;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(0) @Max(MAX_AMOUNT_YEN) pointsUsed?: number;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(0) @Max(MAX_AMOUNT_YEN) couponsUsed?: number;
  @ApiPropertyOptional({ enum: ORDER_STATUSES }) @IsOptional() @IsIn(ORDER_STATUSES as unknown as string[]) status?: OrderStatus;
}

export class ListOrdersQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ORDER_STATUSES }) @IsOptional() @IsIn(ORDER_STATUSES as unknown as string[]) status?: OrderStatus;
  @ApiPropertyOptional({ enum: PAYMENT_TAGS }) @IsOptional() @IsIn(PAYMENT_TAGS as unknown as string[]) tag?: PaymentTag;
  @ApiPropertyOptional() @IsOptional() @IsString() @Matches(/^[a-z0-9][a-z0-9_-]{0,63}$/i) shopId?: string;
}

export class ShopListOrdersQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ORDER_STATUSES }) @IsOptional() @IsIn(ORDER_STATUSES as unknown as string[]) status?: OrderStatus;
  @ApiPropertyOptional({ enum: PAYMENT_TAGS }) @IsOptional() @IsIn(PAYMENT_TAGS as unknown as string[]) tag?: PaymentTag;
}

export class BulkActionDto {
  @ApiProperty({ type: [String], example: ['338459-20180531-00000703'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  @Matches(ORDER_NUMBER_PATTERN, { each: true, message: 'each value in orderNumbers must look like 338459-20180531-00000703' })
  orderNumbers: string[];
}
