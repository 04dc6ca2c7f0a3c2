import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateBy,
  ValidateNested,
} from 'class-validator';
import { HANDLED_EVENT_TYPES } from '../events/handled-events';

export const MIN_SECRET_LENGTH = 16;
const SHOP_OR_ANY = /^(\*|[a-z0-9][a-z0-9_-]{0,63})$/i;
const URL_OPTIONS = { protocols: ['http', 'https'], require_protocol: true, require_tld: false, allow_underscores: true };

const NoUrlCredentials = () =>
  ValidateBy({
    name: 'noUrlCredentials',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && URL.canParse(value) && !new URL(value).username && !new URL(value).password,
      defaultMessage: () => 'url must not carry credentials; the signing secret authenticates us',
    },
  });

const IsSecret = () => (target: object, key: string | symbol) => {
  IsString()(target, key);
  MinLength(MIN_SECRET_LENGTH, { message: `secret must be at least ${MIN_SECRET_LENGTH} characters` })(target, key);
  MaxLength(256)(target, key);
};

export class WebhookEndpointDto {
  @IsUrl(URL_OPTIONS, { message: 'url must be an http(s) URL' }) @NoUrlCredentials() @MaxLength(2000) url!: string;
  @IsSecret() secret!: string;
}

/** In an update the secret may be left out to keep the one stored for the same URL. */
export class WebhookEndpointUpdateDto {
  @IsUrl(URL_OPTIONS, { message: 'url must be an http(s) URL' }) @NoUrlCredentials() @MaxLength(2000) url!: string;
  @IsOptional() @IsSecret() secret?: string;
}

class RuleFields {
  @IsOptional() @IsString() @MaxLength(200) name?: string;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @ArrayUnique()
  @IsEmail({}, { each: true, message: 'each value in emails must be an e-mail address' })
  emails?: string[];

  @IsOptional() @IsInt() @Min(1) @Max(86_400) digestWindowSeconds?: number | null;
  @IsOptional() @IsInt() @Min(0) @Max(30 * 86_400) dedupWindowSeconds?: number | null;
  @IsOptional() @IsIn(['ja', 'en']) locale?: 'ja' | 'en';
  @IsOptional() @IsBoolean() enabled?: boolean;
}

export class CreateRuleDto extends RuleFields {
  @IsString() @Matches(SHOP_OR_ANY, { message: 'shopId must be a shop id (店舗URL part) or *' }) shopId!: string;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(HANDLED_EVENT_TYPES as string[], { each: true, message: `each value in eventTypes must be one of: ${HANDLED_EVENT_TYPES.join(', ')}` })
  eventTypes!: string[];

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => WebhookEndpointDto)
  webhooks?: WebhookEndpointDto[];
}

export class UpdateRuleDto extends RuleFields {
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(HANDLED_EVENT_TYPES as string[], { each: true, message: `each value in eventTypes must be one of: ${HANDLED_EVENT_TYPES.join(', ')}` })
  eventTypes?: string[];

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => WebhookEndpointUpdateDto)
  webhooks?: WebhookEndpointUpdateDto[];
}

export class ListRulesQuery {
  @IsOptional() @IsString() @Matches(SHOP_OR_ANY, { message: 'shopId must be a shop id or *' }) shopId?: string;
}
