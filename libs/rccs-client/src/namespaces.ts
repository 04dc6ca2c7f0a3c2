/** SOAP 1.1 envelope namespace [C]. */
export const SOAP_ENV_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
/** Operation ("tns") namespace: operation wrappers and their direct children [C]. */
export const RCCS_OPERATION_NS = 'http://orderapi.rms.rakuten.co.jp/rccsapi-services/RCCSAPI';
/** Entity namespace: fields of userAuthModel, list items and their fields [C]. */
export const RCCS_ENTITY_NS = 'java:jp.co.rakuten.rms.mall.rccsapi.model.entity';
/** Builtins namespace: `int` items inside `ints` (getRCCSResult) [C]. */
export const RCCS_BUILTINS_NS = 'java:language_builtins';
/** XML Schema instance namespace, for `xsi:nil="true"` [C]. */
export const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';
/** WSDL location of the production service [C]. The SOAP endpoint itself is [I]: configure it. */
export const RCCS_PRODUCTION_WSDL_URL = 'https://orderapi.rms.rakuten.co.jp/rccsapi-services/RCCSApiService?wsdl';
/** Most likely production SOAP endpoint (WSDL URL without `?wsdl`) [I]. */
export const RCCS_PRODUCTION_ENDPOINT = 'https://orderapi.rms.rakuten.co.jp/rccsapi-services/RCCSApiService';
/** Request-level and item-level success code [C]. */
export const RCCS_SUCCESS_CODE = 'RCCS_N00-000';
/** Card-company success code [O]. */
export const CCS_SUCCESS_CODE = '000000';
