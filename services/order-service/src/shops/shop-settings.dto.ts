import { ApiPropertyOptional } from '@nestjs/swagger';
import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsEmail, IsInt, IsOptional, IsString, IsUrl, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { SHOP_ID_PATTERN } from '@rcp/contracts';

export class UpdateShopSettingsDto {
  @ApiPropertyOptional() @IsOptional() @IsBoolean() useCardApi?: boolean;
  @ApiPropertyOptional({ description: '受注進捗遷移: move orders on automatically' }) @IsOptional() @IsBoolean() autoProgress?: boolean;
  @ApiPropertyOptional({ description: 'capture when OrderShipped arrives' }) @IsOptional() @IsBoolean() autoCapture?: boolean;
  @ApiPropertyOptional({ description: 'cancel + re-authorize an expired authorization before capture' })
  @IsOptional()
  @IsBoolean()
  autoReauthorize?: boolean;
  @ApiPropertyOptional({ description: 'authorize new card orders automatically (off by default)' }) @IsOptional() @IsBoolean() autoAuthorize?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() captureRequiresShipment?: boolean;
  @ApiPropertyOptional({ minimum: 1, maximum: 365 }) @IsOptional() @IsInt() @Min(1) @Max(365) authValidityDays?: number;
  @ApiPropertyOptional({ type: [Number], example: [7, 1] })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(0)
  @ArrayMaxSize(10)
  @IsInt({ each: true })
  @Min(1, { each: true })
  @Max(365, { each: true })
  expiryWarningLeadDays?: number[];
  @ApiPropertyOptional({ minimum: 1, maximum: 10080 }) @IsOptional() @IsInt() @Min(1) @Max(10080) stuckAfterMinutes?: number;
  @ApiPropertyOptional({ type: [String], description: 'e-mail addresses notified of failures and warnings', example: ['ops@example.jp'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsEmail({}, { each: true })
  @MaxLength(254, { each: true })
  notificationEmails?: string[];
  @ApiPropertyOptional({ type: [String], description: 'webhook URLs (http/https) notified of failures and warnings' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false }, { each: true })
  @MaxLength(2000, { each: true })
  notificationWebhookUrls?: string[];
  @ApiPropertyOptional({ description: 'admin only, with useCardApi: true — enable the card API although the cutover check lists orders (recorded)' })
  @IsOptional()
  @IsBoolean()
  overrideCutover?: boolean;
  @ApiPropertyOptional({ description: 'why the cutover check is overridden (required with overrideCutover)' })
  @IsOptional()
  @IsString()
  @MinLength(3)
  @MaxLength(500)
  overrideReason?: string;
}

/** Card-API credentials (write-only: the API never returns them, only masked). */
export class ShopCredentialsDto {
  @ApiProperty({ description: '店舗URL: the shop id part of the shop URL', example: 'example-shop' })
  @IsString()
  @Matches(SHOP_ID_PATTERN, { message: 'shopUrl must be the shop id part of the URL (letters, digits, - or _, at most 64)' })
  shopUrl!: string;
  @ApiProperty({ description: 'ユーザID' }) @IsString() @MinLength(1) @MaxLength(100) @Matches(/^[\x21-\x7e]+$/, { message: 'userName must be printable ASCII without spaces' }) userName!: string;
  @ApiProperty({ description: '認証キー (write-only)' }) @IsString() @MinLength(8) @MaxLength(512) @Matches(/^[\x20-\x7e]+$/, { message: 'authKey must be printable ASCII' }) authKey!: string;
}
