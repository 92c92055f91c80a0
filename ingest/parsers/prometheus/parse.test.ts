import SnappyJS from 'snappyjs';
import { describe, expect, it } from 'vitest';
import type { MetricRecord } from '../../../lib/record.ts';
import { ParseError, type ParseResult } from '../types.ts';
import { hostOf, parsePrometheusRemoteWrite, PROMETHEUS_CODES } from './parse.ts';
import { snappyUncompress } from './snappy.ts';
import { snappy, writeRequest, type SeriesSpec } from './write-request-builder.ts';

const MAX = 1 << 20;
const T = 1700000000123;

function parse(series: SeriesSpec[], opts: { metadata?: boolean } = {}): ParseResult {
  const r = parsePrometheusRemoteWrite(snappy(writeRequest(series, opts)), { maxBytes: MAX });
  for (const rej of r.rejected) {
    expect(Object.keys(PROMETHEUS_CODES)).toContain(rej.code);
    expect(rej.message).toMatch(/^cannot [a-z]+ .* at offset \d+: .+/);
  }
  return r;
}

const gauge = (metric: string, host: string, labels: Record<string, string>, value: number, ts = T): MetricRecord => ({ metric, host, labels, kind: 'gauge', ts, value, interval: 0 });

describe('parsePrometheusRemoteWrite: success', () => {
  it.each<[string, SeriesSpec[], MetricRecord[]]>([
    [
      'one sample: name, host from instance without port, instance and job kept',
      [{ labels: { __name__: 'up', job: 'node', instance: 'web-1:9100' }, samples: [[1, T]] }],
      [gauge('up', 'web-1', { job: 'node', instance: 'web-1:9100' }, 1)],
    ],
    [
      'a host label wins over instance and is not repeated',
      [{ labels: { __name__: 'x', host: 'db-2', instance: 'exporter:9187' }, samples: [[2.5, T]] }],
      [gauge('x', 'db-2', { instance: 'exporter:9187' }, 2.5)],
    ],
    [
      'several samples of a series, negative and NaN values, times before 1970',
      [{ labels: { __name__: 'temp_celsius' }, samples: [[-3.25, T], [NaN, T + 1000], [0, -1000]] }],
      [gauge('temp_celsius', '', {}, -3.25), gauge('temp_celsius', '', {}, NaN, T + 1000), gauge('temp_celsius', '', {}, 0, -1000)],
    ],
    [
      'counters stay gauges of the value as sent; empty label values are dropped',
      [{ labels: { __name__: 'http_requests_total', code: '200', empty: '' }, samples: [[1234567.5, T]] }],
      [gauge('http_requests_total', '', { code: '200' }, 1234567.5)],
    ],
    [
      'stale markers are dropped, the other samples kept',
      [{ labels: { __name__: 'up', instance: 'a:1' }, samples: [[1, T], ['stale', T + 1000]] }],
      [gauge('up', 'a', { instance: 'a:1' }, 1)],
    ],
    [
      'exemplars and metadata are ignored',
      [{ labels: { __name__: 'up' }, samples: [[1, T]], exemplars: 2 }],
      [gauge('up', '', {}, 1)],
    ],
    ['a series of only stale markers gives nothing', [{ labels: { __name__: 'up' }, samples: [['stale', T]] }], []],
    ['an empty request gives nothing', [], []],
  ])('%s', (_name, series, expected) => {
    const r = parse(series, { metadata: true });
    expect(r.records).toEqual(expected);
    expect(r.rejected).toEqual([]);
  });

  it('reads the same body twice alike (no state kept between calls)', () => {
    const body = snappy(writeRequest([{ labels: { __name__: 'a', instance: 'h:1' }, samples: [[1, T]] }]));
    expect(parsePrometheusRemoteWrite(body, { maxBytes: MAX })).toEqual(parsePrometheusRemoteWrite(body, { maxBytes: MAX }));
  });

  it('keeps the valid series of a request that also has bad ones', () => {
    const r = parse([
      { labels: { job: 'x' }, samples: [[1, T], [2, T + 1]] },
      { labels: { __name__: 'ok' }, samples: [[3, T]] },
      { labels: { __name__: 'native' }, histograms: 3 },
    ]);
    expect(r.records).toEqual([gauge('ok', '', {}, 3)]);
    expect(r.rejected.map((x) => [x.code, x.values])).toEqual([
      ['PARSE_ERR_NO_NAME', 2],
      ['PARSE_ERR_HISTOGRAM', 3],
    ]);
  });
});

describe('hostOf', () => {
  it.each([
    [{ instance: 'web-1:9100' }, undefined, 'web-1'],
    [{ instance: '10.0.0.7:9100' }, undefined, '10.0.0.7'],
    [{ instance: '[::1]:9090' }, undefined, '::1'],
    [{ instance: '[fe80::1]' }, undefined, 'fe80::1'],
    [{ instance: 'fe80::1' }, undefined, 'fe80::1'],
    [{ instance: 'web-1' }, undefined, 'web-1'],
    [{ instance: 'http://x:80/y' }, undefined, 'http://x:80/y'],
    [{ instance: 'web-1:9100' }, 'h', 'h'],
    [{}, undefined, ''],
  ])('%j with host label %s is %s', (labels, host, expected) => {
    expect(hostOf(labels, host)).toBe(expected);
  });
});

describe('parsePrometheusRemoteWrite: failure', () => {
  const valid = writeRequest([{ labels: { __name__: 'up' }, samples: [[1, T]] }]);
  it.each<[string, Buffer, number, string, number]>([
    ['an empty body', Buffer.alloc(0), MAX, 'PARSE_ERR_SNAPPY', 0],
    ['a declared length over the limit (checked before decompressing)', Buffer.from([0x80, 0x80, 0x80, 0x80, 0x08]), MAX, 'PARSE_ERR_TOO_LARGE', 0],
    ['a real block just over the limit', snappy(valid), valid.length - 1, 'PARSE_ERR_TOO_LARGE', 0],
    ['protobuf sent without snappy', valid, MAX, 'PARSE_ERR_SNAPPY', 1],
    // The body is under 128 bytes: a 1-byte length preamble, so the first element (one literal) is at 1.
    ['a block shorter than declared', snappy(valid).subarray(0, 8), MAX, 'PARSE_ERR_SNAPPY', 1],
    ['snappy of bytes that are not protobuf', snappy(Buffer.from([0x0a, 0x10, 1])), MAX, 'PARSE_ERR_PROTOBUF', 1],
    // The timeseries field's length prefix (at 1, after its key) exceeds what is left.
    ['snappy of a truncated WriteRequest', snappy(valid.subarray(0, valid.length - 2)), MAX, 'PARSE_ERR_PROTOBUF', 1],
  ])('%s', (_name, body, maxBytes, code, offset) => {
    let err: unknown;
    try {
      parsePrometheusRemoteWrite(body, { maxBytes });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ParseError);
    expect(err).toMatchObject({ code, offset });
    expect((err as Error).message).toMatch(/^cannot [a-z]+ .+: .+/);
  });
});

describe('snappyUncompress', () => {
  it('decodes what snappyjs encodes, including long literals and copies', () => {
    const text = Buffer.from('abcdefgh'.repeat(5000) + Array.from({ length: 3000 }, (_, i) => String.fromCharCode(33 + ((i * 7919) % 90))).join(''));
    expect(Buffer.from(snappyUncompress(SnappyJS.compress(text), text.length))).toEqual(text);
  });
});
