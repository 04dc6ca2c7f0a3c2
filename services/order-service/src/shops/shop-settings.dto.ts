import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsInt, IsOptional, Max, Min } from 'class-validator';

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
}
