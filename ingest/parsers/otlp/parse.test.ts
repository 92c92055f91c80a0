import { describe, expect, it } from 'vitest';
import type { MetricRecord } from '../../../lib/record.ts';
import { ParseError, type ParseResult } from '../types.ts';
import { OTLP_CODES, parseOtlpJson, parseOtlpProtobuf } from './parse.ts';
import { encodeRequest } from './request-builder.ts';

const NOW = 1700000099000;
const T = 1700000000123;
const ns = (ms: number): string => `${BigInt(ms) * 1_000_000n + 456n}`; // sub-millisecond part dropped
const RES = [
  { key: 'host.name', value: { stringValue: 'web-1' } },
  { key: 'service.name', value: { stringValue: 'api' } },
  { key: 'process.pid', value: { intValue: '42' } },
];
const req = (metrics: object[], resource: object[] = RES): object => ({ resourceMetrics: [{ resource: { attributes: resource }, scopeMetrics: [{ metrics }] }] });
const pt = (extra: object, attrs: object[] = []): object => ({ attributes: attrs, startTimeUnixNano: ns(T - 10_000), timeUnixNano: ns(T), ...extra });

/** Parses through JSON and protobuf; both must give the same result. */
function both(request: object): ParseResult {
  const j = parseOtlpJson(JSON.stringify(request), { receivedAt: NOW });
  const p = parseOtlpProtobuf(encodeRequest(request), { receivedAt: NOW });
  expect(p.records).toEqual(j.records);
  expect(p.rejected.map((r) => [r.code, r.values])).toEqual(j.rejected.map((r) => [r.code, r.values]));
  for (const r of [...j.rejected, ...p.rejected]) {
    expect(Object.keys(OTLP_CODES)).toContain(r.code);
    expect(r.message).toMatch(/^cannot [a-z]+ .* at (offset|index) \d+: .+/);
  }
  return j;
}

const L = { 'service.name': 'api' };
const rec = (metric: string, kind: MetricRecord['kind'], value: number, extra: Partial<MetricRecord> = {}): MetricRecord => ({
  metric, host: 'web-1', labels: L, kind, ts: T, value, interval: 0, ...extra,
});

describe('OTLP parse: success (JSON and protobuf alike)', () => {
  it.each<[string, object[], MetricRecord[]]>([
    ['gauge double', [{ name: 'cpu.util', gauge: { dataPoints: [pt({ asDouble: 0.25 })] } }], [rec('cpu.util', 'gauge', 0.25)]],
    ['gauge int, point attributes as labels', [{ name: 'g', gauge: { dataPoints: [pt({ asInt: '7' }, [{ key: 'cpu', value: { intValue: '3' } }])] } }], [rec('g', 'gauge', 7, { labels: { ...L, cpu: '3' } })]],
    ['cumulative monotonic int sum → derive with raw', [{ name: 'req', sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [pt({ asInt: '18446744073709551' })] } }], [rec('req', 'derive', 18446744073709551, { raw: 18446744073709551n })]],
    ['cumulative monotonic double sum → gauge of the total', [{ name: 's', sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [pt({ asDouble: 1.5 })] } }], [rec('s', 'gauge', 1.5)]],
    ['cumulative non-monotonic int sum → gauge', [{ name: 'q', sum: { aggregationTemporality: 2, dataPoints: [pt({ asInt: '-3' })] } }], [rec('q', 'gauge', -3)]],
    ['delta int sum → absolute, interval from start time', [{ name: 'd', sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: [pt({ asInt: '5' })] } }], [rec('d', 'absolute', 5, { raw: 5n, interval: 10_000 })]],
    ['delta double sum → gauge', [{ name: 'dd', sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: [pt({ asDouble: 0.5 })] } }], [rec('dd', 'gauge', 0.5, { interval: 10_000 })]],
    ['a point without time takes receivedAt', [{ name: 'g', gauge: { dataPoints: [{ asDouble: 1 }] } }], [rec('g', 'gauge', 1, { ts: NOW })]],
    ['no-recorded-value points are dropped', [{ name: 'g', gauge: { dataPoints: [pt({ asDouble: 1, flags: 1 }), pt({ asDouble: 2 })] } }], [rec('g', 'gauge', 2)]],
    [
      'cumulative histogram → count, sum, min, max, cumulative buckets',
      [{ name: 'lat', unit: 'ms', histogram: { aggregationTemporality: 2, dataPoints: [pt({ count: '6', sum: 360.5, min: 1, max: 300, bucketCounts: ['1', '2', '3'], explicitBounds: [10, 100] })] } }],
      [
        rec('lat.count', 'derive', 6, { raw: 6n }),
        rec('lat.sum', 'gauge', 360.5),
        rec('lat.min', 'gauge', 1),
        rec('lat.max', 'gauge', 300),
        rec('lat.bucket', 'derive', 1, { raw: 1n, labels: { ...L, le: '10' } }),
        rec('lat.bucket', 'derive', 1 + 2, { raw: 3n, labels: { ...L, le: '100' } }),
        rec('lat.bucket', 'derive', 1 + 2 + 3, { raw: 6n, labels: { ...L, le: '+Inf' } }),
      ],
    ],
    [
      'summary → count, sum and quantiles',
      [{ name: 'rt', summary: { dataPoints: [pt({ count: '4', sum: 10, quantileValues: [{ quantile: 0.5, value: 2 }, { quantile: 0.99, value: 4 }] })] } }],
      [rec('rt.count', 'derive', 4, { raw: 4n }), rec('rt.sum', 'gauge', 10), rec('rt', 'gauge', 2, { labels: { ...L, quantile: '0.5' } }), rec('rt', 'gauge', 4, { labels: { ...L, quantile: '0.99' } })],
    ],
  ])('%s', (_name, metrics, expected) => {
    const r = both(req(metrics));
    expect(r.rejected).toEqual([]);
    expect(r.records).toEqual(expected);
  });

  it.each([
    ['host.name wins, service.instance.id kept as a label', [{ key: 'host.name', value: { stringValue: 'h' } }, { key: 'service.instance.id', value: { stringValue: 'i-1' } }], 'h', { 'service.instance.id': 'i-1' }],
    ['service.instance.id is the host without host.name', [{ key: 'service.instance.id', value: { stringValue: 'i-1' } }, { key: 'service.name', value: { stringValue: 's' } }], 'i-1', { 'service.name': 's' }],
    ['no host attribute: empty host; other resource attributes are not labels', [{ key: 'os.type', value: { stringValue: 'linux' } }], '', {}],
  ])('%s', (_name, resource, host, labels) => {
    const r = both(req([{ name: 'g', gauge: { dataPoints: [pt({ asDouble: 1 })] } }], resource));
    expect(r.records.map((x) => [x.host, x.labels])).toEqual([[host, labels]]);
  });

  it('reads the same body twice alike', () => {
    const body = encodeRequest(req([{ name: 'g', gauge: { dataPoints: [pt({ asDouble: 1 })] } }]));
    expect(parseOtlpProtobuf(body, { receivedAt: NOW })).toEqual(parseOtlpProtobuf(body, { receivedAt: NOW }));
  });

  it('accepts snake_case field names, numeric int64 and enum names in JSON', () => {
    const r = parseOtlpJson(JSON.stringify({ resource_metrics: [{ scope_metrics: [{ metrics: [{ name: 'c', sum: { aggregation_temporality: 'AGGREGATION_TEMPORALITY_CUMULATIVE', is_monotonic: true, data_points: [{ time_unix_nano: T * 1e6, as_int: 3 }] } }] }] }] }), { receivedAt: NOW });
    expect(r.records).toEqual([{ metric: 'c', host: '', labels: {}, kind: 'derive', ts: T, value: 3, raw: 3n, interval: 0 }]);
  });
});

describe('OTLP parse: rejections (the valid rest is kept)', () => {
  it.each<[string, object, string, number]>([
    ['a metric without a name', { gauge: { dataPoints: [pt({ asDouble: 1 }), pt({ asDouble: 2 })] } }, 'PARSE_ERR_NO_NAME', 2],
    ['a metric without data', { name: 'x' }, 'PARSE_ERR_NO_DATA', 0],
    ['a point without a value', { name: 'x', gauge: { dataPoints: [pt({})] } }, 'PARSE_ERR_NO_VALUE', 1],
    ['an unspecified temporality', { name: 'x', sum: { isMonotonic: true, dataPoints: [pt({ asInt: '1' })] } }, 'PARSE_ERR_TEMPORALITY', 1],
    ['bucket counts that do not match the bounds', { name: 'x', histogram: { aggregationTemporality: 2, dataPoints: [pt({ count: '1', bucketCounts: ['1', '0'], explicitBounds: [1, 2] })] } }, 'PARSE_ERR_HISTOGRAM_BUCKETS', 1],
  ])('%s', (_name, bad, code, values) => {
    const r = both(req([bad, { name: 'ok', gauge: { dataPoints: [pt({ asDouble: 1 })] } }]));
    expect(r.records.map((x) => x.metric)).toEqual(['ok']);
    expect(r.rejected.map((x) => [x.code, x.values, x.index])).toEqual([[code, values, 0]]);
  });
});

describe('OTLP parse: failure', () => {
  const err = (f: () => unknown): ParseError => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(ParseError);
      return e as ParseError;
    }
    throw new Error('did not throw');
  };
  it.each([
    ['not JSON', '{', 'PARSE_ERR_OTLP_JSON'],
    ['resourceMetrics not an array', '{"resourceMetrics": 3}', 'PARSE_ERR_OTLP_JSON'],
    ['an int64 that is not one', JSON.stringify(req([{ name: 'x', gauge: { dataPoints: [{ asInt: '1.5' }] } }])), 'PARSE_ERR_OTLP_JSON'],
    ['a time that is not a number', JSON.stringify(req([{ name: 'x', gauge: { dataPoints: [{ timeUnixNano: 'soon', asDouble: 1 }] } }])), 'PARSE_ERR_OTLP_JSON'],
  ])('JSON: %s', (_name, body, code) => {
    const e = err(() => parseOtlpJson(body, { receivedAt: NOW }));
    expect(e.code).toBe(code);
    expect(e.message).toMatch(/^cannot (parse|read) OTLP JSON.*: .+/);
  });

  it.each([
    ['truncated', encodeRequest(req([{ name: 'x', gauge: { dataPoints: [pt({ asDouble: 1 })] } }])).subarray(0, 20), 1],
    ['a group wire type', Buffer.from([0x0b]), 1],
  ])('protobuf: %s', (_name, body, offset) => {
    const e = err(() => parseOtlpProtobuf(body, { receivedAt: NOW }));
    expect(e).toMatchObject({ code: 'PARSE_ERR_PROTOBUF', offset });
  });
});
