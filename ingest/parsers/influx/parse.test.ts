import { describe, expect, it } from 'vitest';
import type { MetricRecord } from '../../../lib/record.ts';
import { INFLUX_PARSE_CODES } from './codes.ts';
import { influxPrecision, parseInflux, type InfluxPrecision } from './parse.ts';

const NOW = 1_795_303_190_484;

/** A gauge record with the defaults of these tests. */
function rec(metric: string, value: number, over: Partial<MetricRecord> = {}): MetricRecord {
  return { metric, host: '', labels: {}, kind: 'gauge', ts: NOW, value, interval: 0, ...over };
}

function parse(body: string, precision?: InfluxPrecision) {
  return parseInflux(body, precision === undefined ? { receivedAt: NOW } : { receivedAt: NOW, precision });
}

describe('parseInflux success', () => {
  const cases: { name: string; body: string; precision?: InfluxPrecision; records: MetricRecord[] }[] = [
    { name: 'empty body', body: '', records: [] },
    { name: 'blank lines and comments', body: '\n\r\n  \n# a comment\n  # indented comment\n', records: [] },
    { name: 'field value becomes the measurement', body: 'load value=0.5', records: [rec('load', 0.5)] },
    { name: 'other fields are appended', body: 'mem used=1,free=2', records: [rec('mem.used', 1), rec('mem.free', 2)] },
    {
      name: 'host tag becomes host, other tags labels',
      body: 'cpu,host=web-01,cpu=cpu0,dc=par usage_idle=99.5',
      records: [rec('cpu.usage_idle', 99.5, { host: 'web-01', labels: { cpu: 'cpu0', dc: 'par' } })],
    },
    { name: 'ns timestamp (default precision)', body: 'm value=1 1795303190484123456', records: [rec('m', 1, { ts: 1795303190484 })] },
    { name: 'us precision', body: 'm value=1 1795303190484999', precision: 'us', records: [rec('m', 1, { ts: 1795303190484 })] },
    { name: 'ms precision', body: 'm value=1 1795303190484', precision: 'ms', records: [rec('m', 1, { ts: 1795303190484 })] },
    { name: 's precision', body: 'm value=1 1795303190', precision: 's', records: [rec('m', 1, { ts: 1795303190000 })] },
    { name: 'm precision', body: 'm value=1 29921719', precision: 'm', records: [rec('m', 1, { ts: 29921719 * 60000 })] },
    { name: 'h precision', body: 'm value=1 498695', precision: 'h', records: [rec('m', 1, { ts: 498695 * 3600000 })] },
    { name: 'negative ns timestamp floors', body: 'm value=1 -1', records: [rec('m', 1, { ts: -1 })] },
    { name: 'integer, unsigned, float forms', body: 'm a=-3i,b=18446744073709551615u,c=1e3,d=-.5,e=7.,f=1E-2', records: [rec('m.a', -3), rec('m.b', 18446744073709551615), rec('m.c', 1000), rec('m.d', -0.5), rec('m.e', 7), rec('m.f', 0.01)] },
    { name: 'int64 bounds', body: 'm a=9223372036854775807i,b=-9223372036854775808i', records: [rec('m.a', 9223372036854775807), rec('m.b', -9223372036854775808)] },
    { name: 'booleans are 1 and 0', body: 'm a=t,b=T,c=true,d=True,e=TRUE,f=f,g=F,h=false,i=False,j=FALSE', records: 'abcdefghij'.split('').map((k, i) => rec(`m.${k}`, i < 5 ? 1 : 0)) },
    { name: 'escaped measurement', body: 'my\\ meas\\,ure=x value=1', records: [rec('my meas,ure=x', 1)] },
    {
      name: 'escaped tag keys and values',
      body: 'm,ta\\ g\\=k\\,=v\\ a\\,l\\=ue value=1',
      records: [rec('m', 1, { labels: { 'ta g=k,': 'v a,l=ue' } })],
    },
    { name: 'escaped field key', body: 'm f\\ i\\,e\\=ld=2', records: [rec('m.f i,e=ld', 2)] },
    { name: 'backslash before other characters is literal', body: 'c:\\dir,p=a\\b value=1', records: [rec('c:\\dir', 1, { labels: { p: 'a\\b' } })] },
    { name: 'double backslash is one', body: 'a\\\\b value=1', records: [rec('a\\b', 1)] },
    { name: 'CRLF line ends and trailing spaces', body: 'a value=1 \r\nb value=2 1795303190484000000  \r\n', records: [rec('a', 1), rec('b', 2, { ts: 1795303190484 })] },
    { name: 'unicode names', body: 'températ,lieu=Zürich °C=21.5', records: [rec('températ.°C', 21.5, { labels: { lieu: 'Zürich' } })] },
  ];
  it.each(cases)('$name', ({ body, precision, records }) => {
    const result = parse(body, precision);
    expect(result.rejected).toEqual([]);
    expect(result.records).toEqual(records);
  });

  it('gives the same result when the same body is parsed twice', () => {
    const body = 'cpu,host=h,cpu=0 a=1,b=2i,s="x" 1795303190484000000\nbad\n';
    expect(parse(body)).toEqual(parse(body));
  });

  it('keeps numeric fields and refuses string fields one by one, with where they are', () => {
    const body = 'x value=1\nsystem,host=h uptime=42i,uptime_format="1 day, \\"0\\":01",n_users=3i';
    const result = parse(body);
    expect(result.records).toEqual([rec('x', 1), rec('system.uptime', 42, { host: 'h' }), rec('system.n_users', 3, { host: 'h' })]);
    expect(result.rejected).toEqual([
      {
        code: 'PARSE_ERR_INFLUX_STRING_FIELD',
        message: 'cannot store string field "uptime_format" of "system": only numbers and booleans are metrics (line 2)',
        line: 2,
        offset: body.indexOf('uptime_format'),
        values: 1,
      },
    ]);
  });
});

describe('parseInflux failure', () => {
  const cases: { name: string; line: string; code: keyof typeof INFLUX_PARSE_CODES; at: string | number }[] = [
    { name: 'no field set', line: 'cpu', code: 'PARSE_ERR_INFLUX_FIELD', at: 3 },
    { name: 'no field set after tags', line: 'cpu,host=a', code: 'PARSE_ERR_INFLUX_FIELD', at: 10 },
    { name: 'empty measurement', line: ',host=a value=1', code: 'PARSE_ERR_INFLUX_MEASUREMENT', at: 0 },
    { name: 'space first is not a measurement', line: '\\ ', code: 'PARSE_ERR_INFLUX_FIELD', at: 2 },
    { name: 'tag without =', line: 'cpu,host value=1', code: 'PARSE_ERR_INFLUX_TAG', at: 'host' },
    { name: 'empty tag value', line: 'cpu,host= value=1', code: 'PARSE_ERR_INFLUX_TAG', at: 'host' },
    { name: 'empty tag key', line: 'cpu,=a value=1', code: 'PARSE_ERR_INFLUX_TAG', at: 4 },
    { name: 'field without =', line: 'cpu value', code: 'PARSE_ERR_INFLUX_FIELD', at: 'value' },
    { name: 'empty field key', line: 'cpu =1', code: 'PARSE_ERR_INFLUX_FIELD', at: 4 },
    { name: 'trailing comma in field set', line: 'cpu a=1,', code: 'PARSE_ERR_INFLUX_FIELD', at: 8 },
    { name: 'empty field value', line: 'cpu a=', code: 'PARSE_ERR_INFLUX_FIELD_VALUE', at: 6 },
    { name: 'unquoted word', line: 'cpu a=abc', code: 'PARSE_ERR_INFLUX_FIELD_VALUE', at: 'abc' },
    { name: 'NaN is not a float', line: 'cpu a=NaN', code: 'PARSE_ERR_INFLUX_FIELD_VALUE', at: 'NaN' },
    { name: 'float beyond range', line: 'cpu a=1e999', code: 'PARSE_ERR_INFLUX_FIELD_VALUE', at: '1e999' },
    { name: 'integer beyond int64', line: 'cpu a=9223372036854775808i', code: 'PARSE_ERR_INFLUX_FIELD_VALUE', at: '92' },
    { name: 'negative unsigned', line: 'cpu a=-1u', code: 'PARSE_ERR_INFLUX_FIELD_VALUE', at: '-1u' },
    { name: 'unsigned beyond uint64', line: 'cpu a=18446744073709551616u', code: 'PARSE_ERR_INFLUX_FIELD_VALUE', at: '18' },
    { name: 'fraction with i', line: 'cpu a=1.5i', code: 'PARSE_ERR_INFLUX_FIELD_VALUE', at: '1.5i' },
    { name: 'unterminated string', line: 'cpu a="abc', code: 'PARSE_ERR_INFLUX_FIELD_VALUE', at: '"abc' },
    { name: 'text after a string', line: 'cpu a="abc"x', code: 'PARSE_ERR_INFLUX_FIELD_VALUE', at: 'x' },
    { name: 'fractional timestamp', line: 'cpu a=1 1.5', code: 'PARSE_ERR_INFLUX_TIMESTAMP', at: '1.5' },
    { name: 'text after the timestamp', line: 'cpu a=1 123 456', code: 'PARSE_ERR_INFLUX_TIMESTAMP', at: '456' },
    { name: 'timestamp beyond 19 digits', line: 'cpu a=1 12345678901234567890', code: 'PARSE_ERR_INFLUX_TIMESTAMP', at: '12345' },
  ];
  it.each(cases)('$name', ({ line, code, at }) => {
    const body = `ok value=1\n${line}\nok2 value=2`;
    const result = parse(body);
    const offset = typeof at === 'number' ? 11 + at : body.indexOf(at, 11);
    expect(result.rejected).toEqual([{ code, message: expect.stringMatching(/^cannot .* \(line 2\)$/), line: 2, offset }]);
    expect(result.records).toEqual([rec('ok', 1), rec('ok2', 2)]);
  });

  it('refuses a timestamp that is out of range once converted', () => {
    const result = parse('m value=1 9223372036854775807', 'h');
    expect(result.rejected.map((r) => [r.code, r.offset])).toEqual([['PARSE_ERR_INFLUX_TIMESTAMP', 10]]);
  });

  it('counts lines across blank lines, comments and CRLF', () => {
    const result = parse('# c\r\n\r\na value=1\r\nbad\r\n\r\nalso bad=\r\n');
    expect(result.rejected.map((r) => r.line)).toEqual([4, 6]);
  });

  it('every code is documented', () => {
    for (const c of ['PARSE_ERR_INFLUX_FIELD', 'PARSE_ERR_INFLUX_STRING_FIELD']) expect(INFLUX_PARSE_CODES).toHaveProperty(c);
  });
});

describe('influxPrecision', () => {
  it.each([
    ['v1', undefined, 'ns'], ['v1', 'n', 'ns'], ['v1', 'u', 'us'], ['v1', 'ms', 'ms'], ['v1', 's', 's'], ['v1', 'm', 'm'], ['v1', 'h', 'h'],
    ['v2', '', 'ns'], ['v2', 'ns', 'ns'], ['v2', 'us', 'us'], ['v2', 'ms', 'ms'], ['v2', 's', 's'],
    ['v2', 'm', undefined], ['v2', 'h', undefined], ['v1', 'x', undefined], ['v2', 'n', undefined],
  ] as const)('%s precision=%s is %s', (api, text, expected) => {
    expect(influxPrecision(text, api)).toBe(expected);
  });
});
