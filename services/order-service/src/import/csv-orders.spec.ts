import * as iconv from 'iconv-lite';
import { DEFAULT_CSV_MAPPING, CsvFileError, normalizeHeader, parseAmount, parseCsvMapping, parseJstDate, parseOrderCsv } from './csv-orders';

const HEADER = '受注番号,受注ステータス,カード決済ステータス,注文日時,決済方法,合計金額,請求金額(-99999=無効値),ポイント利用額(-99999=無効値),クーポン利用額(-99999=無効値)';

describe('parseOrderCsv', () => {
  it('reads a Shift_JIS file with CRLF line ends', () => {
    const text = [HEADER, '338459-20240531-00000001,注文確認待ち,未オーソリ,2024/05/31 10:00:00,クレジットカード,"1,500",1200,300,-99999', ''].join('\r\n');
    const result = parseOrderCsv(iconv.encode(text, 'Shift_JIS'));
    expect(result.encoding).toBe('shift_jis');
    expect(result.rejected).toEqual([]);
    expect(result.rows).toEqual([
      {
        line: 2,
        warnings: [],
        order: {
          orderNumber: '338459-20240531-00000001',
          orderedAt: new Date('2024-05-31T01:00:00Z'),
          paymentMethod: 'クレジットカード',
          totalAmount: 1500,
          billedAmount: 1200,
          pointsUsed: 300,
          couponsUsed: null,
          status: '未確認',
        },
      },
    ]);
  });

  it('reads UTF-8 with and without BOM', () => {
    const text = `${HEADER}\n338459-20240531-00000002,,,2024-05-31 10:00,クレジットカード,0,0,500,500\n`;
    for (const buffer of [Buffer.from(text), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])]) {
      const result = parseOrderCsv(buffer);
      expect(result.encoding).toBe('utf-8');
      expect(result.rows.map((r) => [r.order.orderNumber, r.order.billedAmount, r.order.totalAmount])).toEqual([['338459-20240531-00000002', 0, 0]]);
    }
  });

  it('reports every bad row with its line number and reason while keeping the good ones', () => {
    const text = [
      HEADER,
      '338459-20240531-00000003,,,2024-05-31 10:00,クレジットカード,1000,1000,0,0',
      'ABC-1,,,2024-05-31 10:00,クレジットカード,1000,1000,0,0',
      '338459-20240531-00000004,,,yesterday,クレジットカード,1000,1000,0,0',
      '338459-20240531-00000005,,,2024-05-31 10:00,クレジットカード,1000,-99999,0,0',
      '338459-20240531-00000006,,,2024-05-31 10:00,クレジットカード,1000,12.5,0,0',
      '338459-20240531-00000003,,,2024-05-31 10:00,クレジットカード,1000,1000,0,0',
      '338459-20240531-00000007,,,2024-02-30 10:00,,1000,1000,0,0',
    ].join('\r\n');
    const { rows, rejected } = parseOrderCsv(Buffer.from(text));
    expect(rows.map((r) => r.order.orderNumber)).toEqual(['338459-20240531-00000003']);
    expect(rejected.map((r) => r.line)).toEqual([3, 4, 5, 6, 7, 8]);
    expect(rejected[0].reason).toContain('受注番号');
    expect(rejected[1].reason).toContain('注文日時');
    expect(rejected[2].reason).toContain('請求金額 has no value');
    expect(rejected[3].reason).toContain('請求金額 "12.5"');
    expect(rejected[4].reason).toContain('more than once');
    expect(rejected[5].reason).toMatch(/注文日時.*決済方法 is empty/);
  });

  it('rejects the whole file when a required column is missing', () => {
    expect(() => parseOrderCsv(Buffer.from('受注番号,注文日時\n338459-20240531-00000001,2024-05-31'))).toThrow(CsvFileError);
    expect(() => parseOrderCsv(Buffer.from(''))).toThrow('empty');
  });

  it('uses a configured header mapping', () => {
    const mapping = parseCsvMapping(JSON.stringify({ billedAmount: ['ご請求額'], orderNumber: ['注文番号'] }));
    expect(mapping.paymentMethod).toEqual(DEFAULT_CSV_MAPPING.paymentMethod);
    const text = '注文番号,注文日時,決済方法,ご請求額\n338459-20240531-00000009,2024-05-31,クレジットカード,800\n';
    expect(parseOrderCsv(Buffer.from(text), mapping).rows[0].order).toMatchObject({ orderNumber: '338459-20240531-00000009', billedAmount: 800, totalAmount: 800 });
    expect(() => parseCsvMapping('{"nope":["x"]}')).toThrow();
  });

  it('warns about unknown statuses instead of rejecting the row', () => {
    const text = `${HEADER}\n338459-20240531-00000010,謎,,2024-05-31 10:00,クレジットカード,1000,1000,0,0\n`;
    const { rows } = parseOrderCsv(Buffer.from(text));
    expect(rows[0].order.status).toBe('未確認');
    expect(rows[0].warnings[0]).toContain('謎');
  });
});

describe('CSV value parsing', () => {
  it('normalizes headers with the 無効値 suffix (half- and full-width parentheses)', () => {
    expect(normalizeHeader('請求金額(-99999=無効値)')).toBe('請求金額');
    expect(normalizeHeader(' 請求金額（-99999=無効値） ')).toBe('請求金額');
  });

  it('parses amounts', () => {
    expect(parseAmount('1,234円')).toBe(1234);
    expect(parseAmount('-99999')).toBeNull();
    expect(parseAmount('')).toBeNull();
    expect(parseAmount('-5')).toBe('invalid');
    expect(parseAmount('100000000')).toBe('invalid');
  });

  it('reads dates as JST and rejects impossible ones', () => {
    expect(parseJstDate('2024/5/31 9:05')).toEqual(new Date('2024-05-31T00:05:00Z'));
    expect(parseJstDate('2024-05-31T00:05:00Z')).toEqual(new Date('2024-05-31T00:05:00Z'));
    expect(parseJstDate('2024-13-01')).toBeNull();
    expect(parseJstDate('2024-05-31 25:00')).toBeNull();
  });
});
