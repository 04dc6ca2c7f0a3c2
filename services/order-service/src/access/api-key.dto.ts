import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsString, Matches } from 'class-validator';
import { API_KEY_ROLES, Role } from '@rcp/auth';

export class IssueApiKeyDto {
  @ApiProperty({ example: 'back office (yamada)', description: '1-64 letters, digits, spaces or . @ : _ -' })
  @IsString()
  @Matches(/^[\w .@:-]{1,64}$/, { message: 'name must be 1-64 letters, digits, spaces or . @ : _ -' })
  name!: string;

  @ApiProperty({ enum: API_KEY_ROLES })
  @IsIn(API_KEY_ROLES as unknown as string[], { message: `role must be one of ${API_KEY_ROLES.join(', ')}` })
  role!: Role;

  @ApiProperty({ type: [String], example: ['demo-shop'], description: 'shop ids, or ["*"] for every shop' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(200)
  @Matches(/^(\*|[a-z0-9][a-z0-9_-]{0,63})$/i, { each: true, message: 'each shop must be a shop id or "*"' })
  shops!: string[];
}
