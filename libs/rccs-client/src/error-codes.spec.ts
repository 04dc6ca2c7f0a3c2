import { CARD_STATUS_TABLE, codeLabel, isRequestComplete, KIND_TABLE_DOCUMENT_ORDER, PAY_TYPE_TABLE, RccsCardStatus, wasRequestRegistered } from './code-tables';
import { classifyCode, classifyResult, findErrorCode, RCCS_ERROR_CODES, type ErrorCodeEntry } from './error-codes';

describe('classifyResult', () => {
  it.each([
    ['RCCS_N00-000', '000000', 'success'],
    ['RCCS_N00-000', null, 'success'],
    ['RCCS_E22-822', '210G55', 'buyer-action'],
    ['RCCS_E22-801', '210G12', 'buyer-action'],
    ['RCCS_E22-899', null, 'buyer-action'],
    ['RCCS_E22-850', '210G97', 'retryable'],
    ['RCCS_E99-999', null, 'retryable'],
    ['RCCS_E01-001', null, 'operator-action'],
    ['RCCS_E02-001', null, 'operator-action'],
    ['RCCS_E03-001', null, 'operator-action'],
    ['RCCS_E21-001', null, 'operator-action'],
    ['RCCS_E21-002', null, 'operator-action'],
    ['RCCS_E21-003', null, 'operator-action'],
    ['RCCS_E77-777', null, 'operator-action'],
    ['RCCS_N00-000', '999X99', 'operator-action'],
    ['RCCS_E99-999', '123ABC', 'retryable'],
    [null, null, 'operator-action'],
  ] as const)('%s / %s → %s', (errorCode, ccs, expected) => {
    expect(classifyResult(errorCode, ccs).classification).toBe(expected);
  });

  it('keeps Rakuten’s Japanese message for the observed decline', () => {
    const c = classifyResult('RCCS_E22-822', '210G55');
    expect(c.messageJa).toBe('限度額オーバー');
    expect(classifyCode('RCCS_E22-822').messageJa).toBe('限度額オーバー：R-Card Plus クレジットサポートセンターへお問合せください。');
  });

  it('returns the documented default with no entry for unknown codes', () => {
    expect(classifyCode('RCCS_E55-555')).toEqual({ classification: 'operator-action', messageJa: null, messageEn: 'Unknown code', entry: null });
  });

  it('prefers exact matches, then the longest pattern', () => {
    expect(findErrorCode('rccs', 'RCCS_E22-822')?.match).toBe('exact');
    expect(findErrorCode('rccs', 'RCCS_E22-812')?.code).toBe('RCCS_E22-8');
    expect(findErrorCode('ccs', '210G55')?.match).toBe('exact');
    expect(findErrorCode('ccs', '310G55')?.code).toBe('G55');
    expect(findErrorCode('rccs', 'RCCS_W12-345')?.classification).toBe('success');
  });

  it('accepts a caller-supplied table', () => {
    const table: ErrorCodeEntry[] = [{ scope: 'rccs', code: 'RCCS_E01-001', match: 'exact', classification: 'retryable', messageJa: 'x', evidence: 'U' }];
    expect(classifyCode('RCCS_E01-001', table).classification).toBe('retryable');
    expect(classifyCode('RCCS_N00-000', table).classification).toBe('operator-action');
  });

  it('is a consistent data table: unique (scope, code, match) keys, Japanese message everywhere', () => {
    const keys = RCCS_ERROR_CODES.map((e) => `${e.scope}|${e.code}|${e.match}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const e of RCCS_ERROR_CODES) expect(e.messageJa.length).toBeGreaterThan(0);
  });
});

describe('code tables', () => {
  it('labels card statuses and pay types in Japanese', () => {
    expect(codeLabel(CARD_STATUS_TABLE, RccsCardStatus.Authorised)?.labelJa).toBe('オーソリ済');
    expect(codeLabel(CARD_STATUS_TABLE, 13)?.labelJa).toBe('オーソリエラー');
    expect(codeLabel(CARD_STATUS_TABLE, 99)).toBeUndefined();
    expect(codeLabel(PAY_TYPE_TABLE, 0)?.labelJa).toBe('一括払い');
    expect(KIND_TABLE_DOCUMENT_ORDER[3]).toBe('sales');
  });

  it('only status 3 is final by default; the final set is configurable', () => {
    expect([0, 1, 2, 3, null].map((s) => isRequestComplete(s))).toEqual([false, false, false, true, false]);
    expect(isRequestComplete(2, [2, 3])).toBe(true);
  });

  it('detects whether an asynchronous call was registered for a request id', () => {
    expect(wasRequestRegistered({ kind: 0, count: 0, status: 0 })).toBe(false);
    expect(wasRequestRegistered({ kind: 1, count: 0, status: 0 })).toBe(true);
    expect(wasRequestRegistered({ kind: 0, count: 2, status: 0 })).toBe(true);
    expect(wasRequestRegistered({ kind: null, count: null, status: 1 })).toBe(true);
  });
});
