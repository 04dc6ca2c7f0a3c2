/**
 * `@rcp/rccs-client` — typed SOAP client for Rakuten's card-payment API (RCCSAPI).
 * See libs/rccs-client/README.md for the error model and what is confirmed vs assumed.
 */
export { RccsClient, assertRccsOk } from './client';
export type { RccsClientOptions, RccsResult, RccsSuccess, RccsFailure } from './client';
export type * from './types';
export { RCCS_OPERATIONS } from './types';
export type { RccsExchange } from './exchange';
export { RccsTransportError, RccsValidationError, RccsApiError } from './errors';
export type { RccsTransportErrorKind, RccsSoapFault, RccsErrorCause } from './errors';
export {
  RCCS_ERROR_CODES,
  UNKNOWN_CODE_CLASSIFICATION,
  classifyResult,
  classifyCode,
  findErrorCode,
  isSuccessCode,
} from './error-codes';
export type { Classification, ClassifiedCode, CodeEvidence, ErrorCodeEntry } from './error-codes';
export * from './code-tables';
export * from './namespaces';
export { buildEsaAuthKey } from './esa';
export { maskAuthKey } from './secrets';
export { parseRccsDateTime, formatSearchDate } from './values';
