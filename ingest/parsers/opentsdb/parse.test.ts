import { describe, expect, it } from 'vitest';
import type { MetricRecord } from '../../../lib/record.ts';
import { ParseError } from '../types.ts';
import { OPENTSDB_PARSE_CODES } from './codes.ts';
import { MAX_TAGS, parseOpenTsdb } from './parse.ts';

const T = 1346846400;
const point = (over: Record<string, unknown> = {}) => ({ metric: 'sys.cpu.nice', timestamp: T, value: 18, tags: { host: 'web01', dc: 'lga' }, ...over });
const rec = (over: Partial<MetricRecord> = {}): MetricRecord => ({ metric: 'sys.cpu.nice', host: 'web01', labels: { dc: 'lga' }, kind: 'gauge', ts: T * 1000, value: 18, interval: 0, ...over });

describe('parseOpenTsdb success', () => {
  const cases: { name: string; body: unknown; records: MetricRecord[] }[] = [
    { name: 'single object', body: point(), records: [rec()] },
    { name: 'array of two', body: [point(), point({ value: 9, tags: { host: 'web02', dc: 'lga' } })], records: [rec(), rec({ value: 9, host: 'web02' })] },
    { name: 'milliseconds timestamp', body: point({ timestamp: T * 1000 + 5 }), records: [rec({ ts: T * 1000 + 5 })] },
    { name: 'largest seconds timestamp (2^32 - 1)', body: point({ timestamp: 2 ** 32 - 1 }), records: [rec({ ts: (2 ** 32 - 1) * 1000 })] },
    { name: 'smallest milliseconds timestamp (2^32)', body: point({ timestamp: 2 ** 32 }), records: [rec({ ts: 2 ** 32 })] },
    { name: 'largest milliseconds timestamp', body: point({ timestamp: 9_999_999_999_999 }), records: [rec({ ts: 9_999_999_999_999 })] },
    { name: 'timestamp as a digit string', body: point({ timestamp: String(T) }), records: [rec()] },
    { name: 'value as an integer string', body: point({ value: '-42' }), records: [rec({ value: -42 })] },
    { name: 'value as a float string with exponent', body: point({ value: '1.5e3' }), records: [rec({ value: 1500 })] },
    { name: 'float value', body: point({ value: 0.25 }), records: [rec({ value: 0.25 })] },
    { name: 'no host tag: empty host, every tag a label', body: point({ tags: { dc: 'lga' } }), records: [rec({ host: '' })] },
    { name: 'only the host tag', body: point({ tags: { host: 'h' } }), records: [rec({ host: 'h', labels: {} })] },
    { name: 'numeric tag value read as text', body: point({ tags: { host: 'h', cpu: 0 } }), records: [rec({ host: 'h', labels: { cpu: '0' } })] },
    { name: 'names with - _ . / and letters', body: point({ metric: 'a-b_c.d/é', tags: { host: 'h', 'mount/x': 'Zürich_1' } }), records: [rec({ metric: 'a-b_c.d/é', host: 'h', labels: { 'mount/x': 'Zürich_1' } })] },
    { name: 'unknown keys ignored', body: point({ extra: 1 }), records: [rec()] },
    { name: `${MAX_TAGS} tags`, body: point({ tags: Object.fromEntries(Array.from({ length: MAX_TAGS }, (_, i) => [`k${i}`, 'v'])) }), records: [rec({ host: '', labels: Object.fromEntries(Array.from({ length: MAX_TAGS }, (_, i) => [`k${i}`, 'v'])) })] },
  ];
  it.each(cases)('$name', ({ body, records }) => {
    const text = JSON.stringify(body);
    const r = parseOpenTsdb(text);
    expect(r.rejected).toEqual([]);
    expect(r.records).toEqual(records);
    expect(r.points).toEqual(Array.isArray(body) ? body : [body]);
    // Reuse: the same input as a Buffer, twice, gives the same result.
    expect(parseOpenTsdb(Buffer.from(text))).toEqual(r);
    expect(parseOpenTsdb(Buffer.from(text))).toEqual(r);
  });
});

describe('parseOpenTsdb failure of one point', () => {
  const cases: { name: string; point: unknown; code: keyof typeof OPENTSDB_PARSE_CODES }[] = [
    { name: 'not an object', point: 5, code: 'PARSE_ERR_NOT_OBJECT' },
    { name: 'an array', point: [point()], code: 'PARSE_ERR_NOT_OBJECT' },
    { name: 'null', point: null, code: 'PARSE_ERR_NOT_OBJECT' },
    { name: 'missing metric', point: point({ metric: undefined }), code: 'PARSE_ERR_MISSING_KEY' },
    { name: 'empty metric', point: point({ metric: '' }), code: 'PARSE_ERR_MISSING_KEY' },
    { name: 'metric a number', point: point({ metric: 5 }), code: 'PARSE_ERR_BAD_FIELD' },
    { name: 'space in metric', point: point({ metric: 'sys cpu' }), code: 'PARSE_ERR_BAD_NAME' },
    { name: 'colon in metric', point: point({ metric: 'sys:cpu' }), code: 'PARSE_ERR_BAD_NAME' },
    { name: 'missing timestamp', point: point({ timestamp: undefined }), code: 'PARSE_ERR_MISSING_KEY' },
    { name: 'zero timestamp', point: point({ timestamp: 0 }), code: 'PARSE_ERR_BAD_TIME' },
    { name: 'negative timestamp', point: point({ timestamp: -1 }), code: 'PARSE_ERR_BAD_TIME' },
    { name: 'fractional timestamp', point: point({ timestamp: T + 0.5 }), code: 'PARSE_ERR_BAD_TIME' },
    { name: 'timestamp over 9999999999999', point: point({ timestamp: 10_000_000_000_000 }), code: 'PARSE_ERR_BAD_TIME' },
    { name: 'timestamp a word', point: point({ timestamp: 'now' }), code: 'PARSE_ERR_BAD_FIELD' },
    { name: 'missing value', point: point({ value: undefined }), code: 'PARSE_ERR_MISSING_KEY' },
    { name: 'empty value', point: point({ value: '' }), code: 'PARSE_ERR_MISSING_KEY' },
    { name: 'value a word', point: point({ value: 'abc' }), code: 'PARSE_ERR_BAD_VALUE' },
    { name: 'value NaN text', point: point({ value: 'NaN' }), code: 'PARSE_ERR_BAD_VALUE' },
    { name: 'value a boolean', point: point({ value: true }), code: 'PARSE_ERR_BAD_VALUE' },
    { name: 'value overflows a double', point: point({ value: '1e999' }), code: 'PARSE_ERR_BAD_VALUE' },
    { name: 'missing tags', point: point({ tags: undefined }), code: 'PARSE_ERR_MISSING_KEY' },
    { name: 'no tag', point: point({ tags: {} }), code: 'PARSE_ERR_BAD_TAGS' },
    { name: `${MAX_TAGS + 1} tags`, point: point({ tags: Object.fromEntries(Array.from({ length: MAX_TAGS + 1 }, (_, i) => [`k${i}`, 'v'])) }), code: 'PARSE_ERR_BAD_TAGS' },
    { name: 'tags an array', point: point({ tags: ['host=a'] }), code: 'PARSE_ERR_BAD_FIELD' },
    { name: 'tag value an object', point: point({ tags: { host: { a: 1 } } }), code: 'PARSE_ERR_BAD_FIELD' },
    { name: 'tag value empty', point: point({ tags: { host: '' } }), code: 'PARSE_ERR_BAD_NAME' },
    { name: 'tag name with =', point: point({ tags: { 'a=b': 'c' } }), code: 'PARSE_ERR_BAD_NAME' },
    { name: 'tag value with space', point: point({ tags: { host: 'web 01' } }), code: 'PARSE_ERR_BAD_NAME' },
  ];
  it.each(cases)('$name → $code at its index, the other points kept', ({ point: bad, code }) => {
    const r = parseOpenTsdb(JSON.stringify([point(), bad, point({ value: 2 })]));
    expect(r.records).toEqual([rec(), rec({ value: 2 })]);
    expect(r.rejected).toHaveLength(1);
    expect(r.rejected[0]).toMatchObject({ code, index: 1, values: 1 });
    expect(r.rejected[0].message).toMatch(/^cannot /);
  });

  it('every code of the catalogue is reachable by a case above or below', () => {
    const used = new Set([...cases.map((c) => c.code), 'PARSE_ERR_JSON_SYNTAX', 'PARSE_ERR_JSON_NOT_ARRAY', 'PARSE_ERR_NO_POINTS']);
    expect([...used].sort()).toEqual(Object.keys(OPENTSDB_PARSE_CODES).sort());
  });
});

describe('parseOpenTsdb failure of the whole body', () => {
  const cases: { name: string; body: string; code: string; offset?: number }[] = [
    { name: 'not JSON', body: '{"metric": ', code: 'PARSE_ERR_JSON_SYNTAX' },
    { name: 'empty body', body: '', code: 'PARSE_ERR_JSON_SYNTAX' },
    { name: 'a JSON number', body: '42', code: 'PARSE_ERR_JSON_NOT_ARRAY', offset: 0 },
    { name: 'a JSON string', body: '"x"', code: 'PARSE_ERR_JSON_NOT_ARRAY', offset: 0 },
    { name: 'JSON null', body: 'null', code: 'PARSE_ERR_JSON_NOT_ARRAY', offset: 0 },
    { name: 'empty array', body: '[]', code: 'PARSE_ERR_NO_POINTS', offset: 0 },
  ];
  it.each(cases)('$name → $code', ({ body, code, offset }) => {
    let err: unknown;
    try {
      parseOpenTsdb(body);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ParseError);
    expect((err as ParseError).code).toBe(code);
    if (offset !== undefined) expect((err as ParseError).offset).toBe(offset);
  });

  it('says what in the JSON breaks (Node 20 gives no position, so the offset may be unknown)', () => {
    try {
      parseOpenTsdb('[{"metric": x}]');
      expect.unreachable();
    } catch (e) {
      expect((e as ParseError).message).toMatch(/^cannot parse JSON body: .*'x'/);
    }
  });
});
