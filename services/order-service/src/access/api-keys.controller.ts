import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { API_KEY_ID_PATTERN } from '@rcp/contracts';
import { Audit, CurrentPrincipal, Principal, Roles } from '@rcp/auth';
import { FieldValidationException } from '../common/errors';
import { IssueApiKeyDto } from './api-key.dto';
import { ApiKeysService } from './api-keys.service';

/** Operator API keys (admin only). The full key appears once, in the response to POST. */
@ApiTags('api keys')
@ApiBearerAuth()
@Roles('admin')
@Controller('api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @Audit('api-key.issue')
  async issue(@Body() body: IssueApiKeyDto, @CurrentPrincipal() principal: Principal) {
    const issued = await this.keys.issue(principal, body);
    return { ...issued, notice: 'store this key now: it is not shown again' };
  }

  @Get()
  async list(@CurrentPrincipal() principal: Principal) {
    return { items: await this.keys.list(principal) };
  }

  @Delete(':keyId')
  @HttpCode(200)
  @Audit('api-key.revoke')
  revoke(@Param('keyId') keyId: string, @CurrentPrincipal() principal: Principal) {
    if (!API_KEY_ID_PATTERN.test(keyId)) throw new FieldValidationException([{ field: 'keyId', message: 'keyId must be 12 url-safe characters' }]);
    return this.keys.revoke(principal, keyId);
  }
}
