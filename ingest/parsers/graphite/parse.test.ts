import { describe, expect, it } from 'vitest';
import type { MetricRecord } from '../../../lib/record.ts';
import type { GraphiteParseCode } from './codes.ts';
import { parseGraphite } from './parse.ts';

const NOW = 1_795_303_190_484;

function rec(metric: string, value: number, over: Partial<MetricRecord> = {}): MetricRecord {
  return { metric, host: '', labels: {}, kind: 'gauge', ts: NOW, value, interval: 0, ...over };
}

const parse = (body: string | Buffer) => parseGraphite(body, { receivedAt: NOW });

describe('parseGraphite success', () => {
  const cases: { name: string; body: string; records: MetricRecord[] }[] = [
    { name: 'empty body', body: '', records: [] },
    { name: 'blank lines', body: '\n \r\n\t\n', records: [] },
    { name: 'path value timestamp', body: 'servers.web01.load 1.5 1795303190', records: [rec('servers.web01.load', 1.5, { ts: 1795303190000 })] },
    { name: 'fractional timestamp', body: 'a 1 1795303190.4841', records: [rec('a', 1, { ts: 1795303190484 })] },
    { name: 'missing timestamp is now', body: 'a 2', records: [rec('a', 2)] },
    { name: '-1 timestamp is now', body: 'a 2 -1', records: [rec('a', 2)] },
    { name: 'several spaces and tabs', body: '  a \t 3\t\t1795303190  ', records: [rec('a', 3, { ts: 1795303190000 })] },
    { name: 'CRLF', body: 'a 1 10\r\nb 2 20\r\n', records: [rec('a', 1, { ts: 10000 }), rec('b', 2, { ts: 20000 })] },
    { name: 'number forms', body: 'a -1.5e3\nb +7\nc .25\nd 12.', records: [rec('a', -1500), rec('b', 7), rec('c', 0.25), rec('d', 12)] },
    { name: 'nan is unknown (collectd write_graphite prints it)', body: 'a nan\nb -NaN', records: [rec('a', NaN), rec('b', NaN)] },
    {
      name: 'tags: host and labels',
      body: 'disk.used;host=web-01;mount=/var;dc=par 42 1795303190',
      records: [rec('disk.used', 42, { host: 'web-01', labels: { mount: '/var', dc: 'par' }, ts: 1795303190000 })],
    },
    { name: 'tag value may hold = and ~ after the first character', body: 'a;k=x=y~z 1', records: [rec('a', 1, { labels: { k: 'x=y~z' } })] },
    { name: 'unicode path', body: 'température.salle 21.5', records: [rec('température.salle', 21.5)] },
  ];
  it.each(cases)('$name', ({ body, records }) => {
    const result = parse(body);
    expect(result.rejected).toEqual([]);
    expect(result.records).toEqual(records);
  });

  it('reads a Buffer like a string, and the same body twice alike', () => {
    const body = 'a;host=h 1 10\nbad\n';
    expect(parse(Buffer.from(body))).toEqual(parse(body));
    expect(parse(body)).toEqual(parse(body));
  });
});

describe('parseGraphite failure', () => {
  const cases: { name: string; line: string; code: GraphiteParseCode; at: number }[] = [
    { name: 'path only', line: 'a.b', code: 'PARSE_ERR_GRAPHITE_FIELDS', at: 0 },
    { name: 'four fields', line: 'a 1 2 3', code: 'PARSE_ERR_GRAPHITE_FIELDS', at: 0 },
    { name: 'empty path before tags', line: ';host=a 1', code: 'PARSE_ERR_GRAPHITE_PATH', at: 0 },
    { name: 'tag without =', line: 'a;host 1', code: 'PARSE_ERR_GRAPHITE_TAG', at: 2 },
    { name: 'empty tag value', line: 'a;x=y;host= 1', code: 'PARSE_ERR_GRAPHITE_TAG', at: 6 },
    { name: 'empty tag name', line: 'a;=v 1', code: 'PARSE_ERR_GRAPHITE_TAG', at: 2 },
    { name: 'tag name with !', line: 'a;b!=v 1', code: 'PARSE_ERR_GRAPHITE_TAG', at: 2 },
    { name: 'tag value starting with ~', line: 'a;b=~v 1', code: 'PARSE_ERR_GRAPHITE_TAG', at: 2 },
    { name: 'trailing ;', line: 'a; 1', code: 'PARSE_ERR_GRAPHITE_TAG', at: 2 },
    { name: 'word value', line: 'a abc 10', code: 'PARSE_ERR_GRAPHITE_VALUE', at: 2 },
    { name: 'inf value', line: 'a inf 10', code: 'PARSE_ERR_GRAPHITE_VALUE', at: 2 },
    { name: 'huge value', line: 'a 1e999 10', code: 'PARSE_ERR_GRAPHITE_VALUE', at: 2 },
    { name: 'word timestamp', line: 'a 1 now', code: 'PARSE_ERR_GRAPHITE_TIMESTAMP', at: 4 },
    { name: 'negative timestamp other than -1', line: 'a 1 -2', code: 'PARSE_ERR_GRAPHITE_TIMESTAMP', at: 4 },
    { name: 'timestamp beyond Date range', line: 'a 1 1e20', code: 'PARSE_ERR_GRAPHITE_TIMESTAMP', at: 4 },
  ];
  it.each(cases)('$name', ({ line, code, at }) => {
    const body = `ok 1 10\n${line}\r\nok2 2 20`;
    const result = parse(body);
    expect(result.rejected).toEqual([{ code, message: expect.stringMatching(/^cannot .* \(line 2\)$/), line: 2, offset: 8 + at }]);
    expect(result.records).toEqual([rec('ok', 1, { ts: 10000 }), rec('ok2', 2, { ts: 20000 })]);
  });
});
