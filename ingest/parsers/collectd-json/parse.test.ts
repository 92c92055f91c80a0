import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { EventRecord, MetricRecord } from '../../../lib/record.ts';
import { ParseError, type ParseResult } from '../types.ts';
import { JSON_PARSE_CODES } from './codes.ts';
import { golden } from './golden.ts';
import { parseCollectdJson } from './parse.ts';
import { readBody } from './read-body.ts';

const testdata = (name: string) => fileURLToPath(new URL(`./testdata/${name}`, import.meta.url));

/** Requests of a capture file (see testdata/README.md). */
function requests(file: string): { path: string; body: string; response_status: number }[] {
  return readFileSync(testdata(file), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));
}

const KEYS = ['values', 'dstypes', 'dsnames', 'time', 'interval', 'host', 'plugin', 'plugin_instance', 'type', 'type_instance'] as const;
const DEFAULTS: Record<(typeof KEYS)[number], string> = {
  values: '[1]',
  dstypes: '["gauge"]',
  dsnames: '["value"]',
  time: '1795303190.484',
  interval: '1.000',
  host: '"h"',
  plugin: '"p"',
  plugin_instance: '""',
  type: '"t"',
  type_instance: '""',
};

/** A value-list object in collectd's exact layout; `raw` values are JSON text, `null` drops the key. */
function vl(raw: Partial<Record<(typeof KEYS)[number] | 'meta', string | null>> = {}): string {
  const parts: string[] = [];
  for (const k of [...KEYS, 'meta' as const]) {
    const v = k in raw ? raw[k] : k === 'meta' ? null : DEFAULTS[k];
    if (v !== null && v !== undefined) parts.push(`"${k}":${v}`);
  }
  return `{${parts.join(',')}}`;
}

/** The record of data source `ds` of the default value list, with `over` applied. */
function rec(over: Partial<MetricRecord> & Pick<MetricRecord, 'kind' | 'value'>): MetricRecord {
  return { metric: 'p.t', host: 'h', labels: { plugin: 'p', type: 't', ds: 'value' }, ts: 1795303190484, interval: 1000, ...over };
}

function parse(body: string, storeRates = false): ParseResult {
  return parseCollectdJson(body, { storeRates });
}

describe('parseCollectdJson success', () => {
  const cases: { name: string; body: string; storeRates?: boolean; records?: MetricRecord[]; events?: EventRecord[] }[] = [
    { name: 'empty array', body: '[]', records: [] },
    { name: 'whitespace around the array', body: ' \r\n[ ]\n', records: [] },
    { name: 'gauge', body: `[${vl({ values: '[0.5]' })}]`, records: [rec({ kind: 'gauge', value: 0.5 })] },
    { name: 'null gauge is NaN', body: `[${vl({ values: '[null]' })}]`, records: [rec({ kind: 'gauge', value: NaN })] },
    { name: 'negative zero gauge', body: `[${vl({ values: '[-0]' })}]`, records: [rec({ kind: 'gauge', value: -0 })] },
    { name: 'gauge 1e+300', body: `[${vl({ values: '[1e+300]' })}]`, records: [rec({ kind: 'gauge', value: 1e300 })] },
    { name: 'gauge beyond double range is NaN like collectd prints inf', body: `[${vl({ values: '[1e999]' })}]`, records: [rec({ kind: 'gauge', value: NaN })] },
    {
      name: 'counter 2^64-1 exact',
      body: `[${vl({ values: '[18446744073709551615]', dstypes: '["counter"]' })}]`,
      records: [rec({ kind: 'counter', value: 18446744073709551615, raw: 18446744073709551615n })],
    },
    {
      name: 'derive int64 bounds exact',
      body: `[${vl({ values: '[9223372036854775807,-9223372036854775808]', dstypes: '["derive","derive"]', dsnames: '["rx","tx"]' })}]`,
      records: [
        rec({ metric: 'p.t.rx', labels: { plugin: 'p', type: 't', ds: 'rx' }, kind: 'derive', value: 9223372036854775807, raw: 9223372036854775807n }),
        rec({ metric: 'p.t.tx', labels: { plugin: 'p', type: 't', ds: 'tx' }, kind: 'derive', value: -9223372036854775808, raw: -9223372036854775808n }),
      ],
    },
    {
      name: 'absolute and negative derive',
      body: `[${vl({ values: '[50,-7]', dstypes: '["absolute","derive"]', dsnames: '["a","b"]' })}]`,
      records: [
        rec({ metric: 'p.t.a', labels: { plugin: 'p', type: 't', ds: 'a' }, kind: 'absolute', value: 50, raw: 50n }),
        rec({ metric: 'p.t.b', labels: { plugin: 'p', type: 't', ds: 'b' }, kind: 'derive', value: -7, raw: -7n }),
      ],
    },
    {
      name: 'instances become labels, metric name shortened',
      body: `[${vl({ host: '"testhost"', plugin: '"cpu"', plugin_instance: '"0"', type: '"cpu"', type_instance: '"idle"', values: '[205095]', dstypes: '["derive"]' })}]`,
      records: [
        rec({ metric: 'cpu', host: 'testhost', labels: { plugin: 'cpu', type: 'cpu', ds: 'value', plugin_instance: '0', type_instance: 'idle' }, kind: 'derive', value: 205095, raw: 205095n }),
      ],
    },
    { name: 'time with 4 decimals is rounded', body: `[${vl({ time: '1795303190.4846', interval: '10' })}]`, records: [rec({ kind: 'gauge', value: 1, ts: 1795303190485, interval: 10000 })] },
    { name: 'time as exponent, interval 0', body: `[${vl({ time: '1.7953031904840e9', interval: '0' })}]`, records: [rec({ kind: 'gauge', value: 1, interval: 0 })] },
    {
      name: 'StoreRates: rates become gauges, null is NaN',
      storeRates: true,
      body: `[${vl({ values: '[66.9986453535123,null]', dstypes: '["derive","counter"]', dsnames: '["a","b"]' })}]`,
      records: [
        rec({ metric: 'p.t.a', labels: { plugin: 'p', type: 't', ds: 'a' }, kind: 'gauge', value: 66.9986453535123 }),
        rec({ metric: 'p.t.b', labels: { plugin: 'p', type: 't', ds: 'b' }, kind: 'gauge', value: NaN }),
      ],
    },
    {
      name: 'collectd\'s broken "meta":} is repaired, the next object kept',
      body: `[${vl({ values: '[7]', meta: '' })},${vl({ values: '[8]' })}]`,
      records: [rec({ kind: 'gauge', value: 7 }), rec({ kind: 'gauge', value: 8 })],
    },
    { name: 'meta data is ignored', body: `[${vl({ meta: '{"mykey":"my value","n":{"deep":[1,2]}}' })}]`, records: [rec({ kind: 'gauge', value: 1 })] },
    {
      name: 'escaped names: quote, backslash, \\u escape',
      body: `[${vl({ type_instance: '"q\\"uote"', plugin_instance: '"tab\\\\tx"', host: '"t\\u00ebst"' })}]`,
      records: [rec({ kind: 'gauge', value: 1, host: 'tëst', labels: { plugin: 'p', type: 't', ds: 'value', plugin_instance: 'tab\\tx', type_instance: 'q"uote' } })],
    },
    {
      name: 'pretty-printed, other key order, unknown key, repeated key (last wins)',
      body: '[\n  {"type": "t", "plugin": "p", "host": "x", "host": "h", "extra": [true],\n   "values": [ 2 ], "dsnames": ["value"], "dstypes": ["gauge"],\n   "time": 1795303190.484, "interval": 1, "plugin_instance": "", "type_instance": ""}\n]',
      records: [rec({ kind: 'gauge', value: 2 })],
    },
    {
      name: 'notification (collectd 5.12 layout)',
      body: '[{"labels":{"alertname":"collectd_example_gauge","instance":"testhost","example":"inst","type":"x","severity":"WARNING","service":"collectd"},"annotations":{"summary":"Test notification with spaces","custom":"hello"},"startsAt":"2026-11-21T23:19:53.000000000Z"}]',
      events: [
        {
          ts: 1795303193000,
          host: 'testhost',
          severity: 'warning',
          message: 'Test notification with spaces',
          source: 'collectd',
          attrs: { alertname: 'collectd_example_gauge', example: 'inst', type: 'x', service: 'collectd', custom: 'hello' },
        },
      ],
    },
    {
      name: 'notification with severity in annotations, numbers as text, clashing key, offset time',
      body: '[{"labels":{"instance":"h","type":"x"},"annotations":{"severity":"FAILURE","summary":"m","type":"y","n":12.50,"b":true},"startsAt":"2026-11-22T00:19:53.1236+01:00","endsAt":"x"}]',
      events: [{ ts: 1795303193124, host: 'h', severity: 'failure', message: 'm', source: 'collectd', attrs: { type: 'x', 'annotations.type': 'y', n: '12.50', b: 'true' } }],
    },
    {
      name: 'notification with numeric severity and no labels',
      body: '[{"annotations":{"severity":4},"startsAt":"2026-11-21T23:19:53Z"}]',
      events: [{ ts: 1795303193000, host: '', severity: 'okay', message: '', source: 'collectd', attrs: {} }],
    },
  ];

  it.each(cases)('$name', ({ body, storeRates, records = [], events = [] }) => {
    expect(parse(body, storeRates)).toEqual({ records, events, rejected: [] });
    // The general path must agree with the fast one.
    expect(readBody(body, storeRates === true, false)).toEqual({ records, events, rejected: [] });
  });

  it('gives the same result when the same body is parsed twice', () => {
    const body = readFileSync(testdata('spec-example.json'), 'utf8');
    const first = parse(body);
    const second = parse(body);
    expect(second).toEqual(first);
    expect(second.records).not.toBe(first.records);
  });

  it('matches the golden file for the reference §1.3 example', () => {
    const { actual, expected } = golden(testdata('spec-example.records.json'), parse(readFileSync(testdata('spec-example.json'), 'utf8')));
    expect(actual).toBe(expected);
  });
});

describe('parseCollectdJson rejections', () => {
  const good = vl();
  const cases: { name: string; element: string; code: keyof typeof JSON_PARSE_CODES; values?: number }[] = [
    { name: 'number element', element: '1', code: 'PARSE_ERR_NOT_OBJECT' },
    { name: 'array element', element: '[1]', code: 'PARSE_ERR_NOT_OBJECT' },
    { name: 'empty object', element: '{}', code: 'PARSE_ERR_UNKNOWN_SHAPE' },
    { name: 'missing dstypes', element: vl({ dstypes: null }), code: 'PARSE_ERR_MISSING_KEY', values: 1 },
    { name: 'missing time', element: vl({ time: null }), code: 'PARSE_ERR_MISSING_KEY', values: 1 },
    { name: 'missing type_instance', element: vl({ type_instance: null }), code: 'PARSE_ERR_MISSING_KEY', values: 1 },
    { name: 'notification without startsAt', element: '{"labels":{"instance":"h"}}', code: 'PARSE_ERR_MISSING_KEY' },
    { name: 'values not an array', element: vl({ values: '1' }), code: 'PARSE_ERR_BAD_FIELD' },
    { name: 'dsnames holding a number', element: vl({ dsnames: '[1]' }), code: 'PARSE_ERR_BAD_FIELD', values: 1 },
    { name: 'host a number', element: vl({ host: '5' }), code: 'PARSE_ERR_BAD_FIELD', values: 1 },
    { name: 'time a string', element: vl({ time: '"1"' }), code: 'PARSE_ERR_BAD_FIELD', values: 1 },
    { name: 'labels not an object', element: '{"labels":[],"startsAt":"2026-11-21T23:19:53Z"}', code: 'PARSE_ERR_BAD_FIELD' },
    { name: 'startsAt a number', element: '{"labels":{},"startsAt":1}', code: 'PARSE_ERR_BAD_FIELD' },
    { name: 'fewer dstypes than values', element: vl({ values: '[1,2]', dsnames: '["a","b"]' }), code: 'PARSE_ERR_LENGTH_MISMATCH', values: 2 },
    { name: 'fewer dsnames than values', element: vl({ values: '[1,2]', dstypes: '["gauge","gauge"]' }), code: 'PARSE_ERR_LENGTH_MISMATCH', values: 2 },
    { name: 'no values at all', element: vl({ values: '[]', dstypes: '[]', dsnames: '[]' }), code: 'PARSE_ERR_LENGTH_MISMATCH', values: 0 },
    { name: 'unknown dstype', element: vl({ dstypes: '["GAUGE"]' }), code: 'PARSE_ERR_BAD_DSTYPE', values: 1 },
    { name: 'fraction for a counter', element: vl({ values: '[1.5]', dstypes: '["counter"]' }), code: 'PARSE_ERR_BAD_VALUE', values: 1 },
    { name: 'exponent for a derive', element: vl({ values: '[1e3]', dstypes: '["derive"]' }), code: 'PARSE_ERR_BAD_VALUE', values: 1 },
    { name: 'null for a derive without StoreRates', element: vl({ values: '[null]', dstypes: '["derive"]' }), code: 'PARSE_ERR_BAD_VALUE', values: 1 },
    { name: 'negative counter', element: vl({ values: '[-1]', dstypes: '["counter"]' }), code: 'PARSE_ERR_BAD_VALUE', values: 1 },
    { name: 'string value', element: vl({ values: '["5"]' }), code: 'PARSE_ERR_BAD_VALUE', values: 1 },
    { name: 'counter 2^64', element: vl({ values: '[18446744073709551616]', dstypes: '["counter"]' }), code: 'PARSE_ERR_VALUE_RANGE', values: 1 },
    { name: 'derive 2^63', element: vl({ values: '[9223372036854775808]', dstypes: '["derive"]' }), code: 'PARSE_ERR_VALUE_RANGE', values: 1 },
    { name: 'derive below -2^63', element: vl({ values: '[-9223372036854775809]', dstypes: '["derive"]' }), code: 'PARSE_ERR_VALUE_RANGE', values: 1 },
    { name: 'negative time', element: vl({ time: '-1.000' }), code: 'PARSE_ERR_BAD_TIME', values: 1 },
    { name: 'infinite interval', element: vl({ interval: '1e400' }), code: 'PARSE_ERR_BAD_TIME', values: 1 },
    { name: 'startsAt not a date', element: '{"labels":{},"startsAt":"2026-02-30T00:00:00Z"}', code: 'PARSE_ERR_BAD_TIME' },
    { name: 'empty plugin', element: vl({ plugin: '""' }), code: 'PARSE_ERR_BAD_NAME', values: 1 },
    { name: 'empty type', element: vl({ type: '""' }), code: 'PARSE_ERR_BAD_NAME', values: 1 },
    { name: 'host of 128 bytes', element: vl({ host: `"${'é'.repeat(64)}"` }), code: 'PARSE_ERR_BAD_NAME', values: 1 },
    { name: 'empty dsname', element: vl({ dsnames: '[""]' }), code: 'PARSE_ERR_BAD_NAME', values: 1 },
  ];

  it.each(cases)('$name → $code', ({ element, code, values }) => {
    const body = `[${good},${element},${good}]`;
    for (const result of [parse(body), readBody(body, false, true), readBody(body, false, false)]) {
      expect(result.records).toHaveLength(2);
      expect(result.rejected).toEqual([{ code, message: expect.stringMatching(/^cannot \w+ .+: .+/), index: 1, offset: good.length + 2, ...(values === undefined ? {} : { values }) }]);
    }
  });
});

describe('parseCollectdJson throws', () => {
  const deep = '['.repeat(40) + ']'.repeat(40);
  const cases: { name: string; body: string; code: keyof typeof JSON_PARSE_CODES; offset: number }[] = [
    { name: 'empty body', body: '', code: 'PARSE_ERR_JSON_SYNTAX', offset: 0 },
    { name: 'blank body', body: '  \n', code: 'PARSE_ERR_JSON_SYNTAX', offset: 3 },
    { name: 'not JSON', body: 'PUTVAL h/p/t N:1', code: 'PARSE_ERR_JSON_SYNTAX', offset: 0 },
    { name: 'truncated body', body: `[${vl()}`, code: 'PARSE_ERR_JSON_SYNTAX', offset: vl().length + 1 },
    { name: 'trailing comma', body: '[{"values":[1]},]', code: 'PARSE_ERR_JSON_SYNTAX', offset: 16 },
    { name: 'text after the array', body: '[] x', code: 'PARSE_ERR_JSON_SYNTAX', offset: 3 },
    { name: 'second array', body: '[][]', code: 'PARSE_ERR_JSON_SYNTAX', offset: 2 },
    { name: 'missing value after a key that is not meta', body: '[{"labels":}]', code: 'PARSE_ERR_JSON_SYNTAX', offset: 11 },
    { name: 'raw control character in a string', body: '[{"host":"a\tb"}]', code: 'PARSE_ERR_JSON_SYNTAX', offset: 11 },
    { name: 'bad escape', body: '[{"host":"a\\x"}]', code: 'PARSE_ERR_JSON_SYNTAX', offset: 11 },
    { name: 'leading zero', body: '[{"values":[01]}]', code: 'PARSE_ERR_JSON_SYNTAX', offset: 13 },
    { name: 'NaN literal', body: '[{"values":[NaN]}]', code: 'PARSE_ERR_JSON_SYNTAX', offset: 12 },
    // Found by the fuzz test: the fast path once took `Lt"` for a string.
    { name: 'unquoted name in collectd\'s layout', body: `[${vl({ type: 'Lt"' })}]`, code: 'PARSE_ERR_JSON_SYNTAX', offset: vl().indexOf('"t"') + 1 },
    { name: 'object at top level', body: vl(), code: 'PARSE_ERR_JSON_NOT_ARRAY', offset: 0 },
    { name: 'string at top level', body: ' "[]"', code: 'PARSE_ERR_JSON_NOT_ARRAY', offset: 1 },
    { name: 'nesting deeper than 32', body: deep, code: 'PARSE_ERR_JSON_TOO_DEEP', offset: 32 },
  ];

  it.each(cases)('$name → $code at $offset', ({ body, code, offset }) => {
    for (const fast of [true, false]) {
      let error: unknown;
      try {
        readBody(body, false, fast);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ParseError);
      expect(error).toMatchObject({ code, offset, message: expect.stringMatching(/^cannot parse collectd JSON/) });
    }
  });

  it('documents every code it uses, and uses every documented code', () => {
    // Codes of the rejection and throw tables above, which must cover the whole catalogue.
    const used = new Set([
      'PARSE_ERR_JSON_SYNTAX', 'PARSE_ERR_JSON_NOT_ARRAY', 'PARSE_ERR_JSON_TOO_DEEP', 'PARSE_ERR_NOT_OBJECT', 'PARSE_ERR_UNKNOWN_SHAPE',
      'PARSE_ERR_MISSING_KEY', 'PARSE_ERR_BAD_FIELD', 'PARSE_ERR_LENGTH_MISMATCH', 'PARSE_ERR_BAD_DSTYPE', 'PARSE_ERR_BAD_VALUE',
      'PARSE_ERR_VALUE_RANGE', 'PARSE_ERR_BAD_TIME', 'PARSE_ERR_BAD_NAME',
    ]);
    expect(new Set(Object.keys(JSON_PARSE_CODES))).toEqual(used);
    for (const code of Object.keys(JSON_PARSE_CODES)) expect(code).toMatch(/^PARSE_ERR_[A-Z_]+$/);
  });
});

describe('parseCollectdJson on real collectd captures', () => {
  const all = [...requests('http-requests.jsonl'), ...requests('extra-utf8-http-requests.jsonl')];
  const jsonBodies = all.filter((r) => r.path === '/json' || r.path === '/json-rates' || r.body.startsWith('['));

  it('parses every /json, /json-rates and notification body without rejections, fast and general path alike', () => {
    let records = 0;
    let events = 0;
    for (const r of jsonBodies) {
      const result = parse(r.body, r.path === '/json-rates');
      expect(result.rejected).toEqual([]);
      expect(readBody(r.body, r.path === '/json-rates', false)).toEqual(result);
      records += result.records.length;
      events += result.events.length;
    }
    // 485 + 263 value lists per node (the first /json body was sent twice because of the 401),
    // and 3 notifications sent to both notification nodes.
    expect(jsonBodies.length).toBe(37 + 34 + 20 + 18 + 3);
    expect(events).toBe(6);
    expect(records).toBeGreaterThan(2 * (485 + 263));
  });

  it('gives /json and /json-rates the same value lists, rates as gauges', () => {
    const key = (m: MetricRecord) => JSON.stringify([m.metric, m.host, m.labels, m.ts]);
    const raw = new Map<string, MetricRecord>();
    const rates = new Map<string, MetricRecord>();
    for (const r of jsonBodies.filter((x) => x.response_status !== 401)) {
      for (const m of parse(r.body, r.path === '/json-rates').records) (r.path === '/json-rates' ? rates : r.path === '/json' ? raw : new Map()).set(key(m), m);
    }
    expect([...rates.keys()].sort()).toEqual([...raw.keys()].sort());
    for (const m of rates.values()) expect(m.kind).toBe('gauge');
    const wrap = [...rates.values()].filter((m) => m.labels.type_instance === 'wrap').map((m) => m.value);
    expect(wrap).toEqual([NaN, 11]);
  });

  it('keeps the exact values of reference §1.3', () => {
    const records = jsonBodies.filter((r) => r.path === '/json').flatMap((r) => parse(r.body).records);
    const find = (typeInstance: string) => records.filter((m) => m.labels.plugin === 'example' && m.labels.type_instance === typeInstance);
    expect(find('nan').map((m) => m.value)).toEqual([NaN]);
    expect(find('big').map((m) => m.value)).toEqual([1e300]);
    expect(find('negzero').map((m) => m.value)).toEqual([-0]);
    expect(find('inf').map((m) => m.value)).toEqual([NaN]);
    expect(find('max').map((m) => [m.kind, m.raw])).toEqual(
      expect.arrayContaining([
        ['derive', 9223372036854775807n],
        ['counter', 18446744073709551615n],
      ]),
    );
    expect(find('wrap').map((m) => [m.raw, m.ts])).toEqual([
      [4294967290n, 1795303190000],
      [5n, 1795303191000],
    ]);
    expect(find('neg').map((m) => m.raw)).toEqual([100n, 40n]);
    expect(find('with space').map((m) => m.value)).toEqual([42.5]);
    expect(find('q"uote').map((m) => m.value)).toEqual([3]);
    expect(find('tab\\tx').map((m) => m.value)).toEqual([4]);
    expect(find('??').map((m) => m.host)).toEqual(['t??st']);
    expect(find('meta').map((m) => m.value)).toEqual([7]);
    expect(find('meta2').map((m) => [m.value, m.labels])).toEqual([[8, { plugin: 'example', type: 'gauge', ds: 'value', type_instance: 'meta2' }]]);
    const memory = records.find((m) => m.metric === 'memory' && m.ts === 1795303190484);
    expect(memory?.ts).toBe(1795303190484);
  });
});
