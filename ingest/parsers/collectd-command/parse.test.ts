import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { EventRecord, MetricKind, MetricRecord } from '../../../lib/record.ts';
import { builtinTypesDb } from '../collectd-common/types-db.ts';
import { golden } from '../collectd-json/golden.ts';
import { parseCollectdJson } from '../collectd-json/parse.ts';
import type { ParseResult } from '../types.ts';
import { COMMAND_PARSE_CODES, type CommandParseCode } from './codes.ts';
import { isJsonBody, parseCollectdCommand } from './parse.ts';

const testdata = (name: string) => fileURLToPath(new URL(`./testdata/${name}`, import.meta.url));
const RECEIVED_AT = 1795303200123;
const ctx = { typesDb: builtinTypesDb(), receivedAt: RECEIVED_AT };

function parse(body: string): ParseResult {
  return parseCollectdCommand(body, ctx);
}

/** A one-DS record of host h, plugin p; `type` and `value` decide the rest. */
function rec(type: string, kind: MetricKind, value: number | bigint, over: Partial<MetricRecord> = {}): MetricRecord {
  const base = { metric: `p.${type}`, host: 'h', labels: { plugin: 'p', type, ds: 'value' }, kind, ts: 1795303190484, interval: 0 };
  return typeof value === 'bigint' ? { ...base, value: Number(value), raw: value, ...over } : { ...base, value, ...over };
}

describe('parseCollectdCommand success', () => {
  const cases: { name: string; body: string; records?: MetricRecord[]; events?: EventRecord[] }[] = [
    { name: 'empty body', body: '', records: [] },
    { name: 'blank lines only', body: '\r\n  \n\t\r\n', records: [] },
    { name: 'gauge', body: 'PUTVAL h/p/gauge 1795303190.484:42.5\r\n', records: [rec('gauge', 'gauge', 42.5)] },
    { name: 'LF ends, no final newline, leading blanks, lower-case command', body: '\n  putval h/p/gauge 1795303190.484:1\nPUTVAL h/p/gauge 1795303190.484:2', records: [rec('gauge', 'gauge', 1), rec('gauge', 'gauge', 2)] },
    {
      name: 'multi-DS type with interval',
      body: 'PUTVAL testhost/load/load interval=1.000 1795303190.484:1.53515625:1.2958984375:0.5869140625\r\n',
      records: ['shortterm', 'midterm', 'longterm'].map((ds, i) => ({
        metric: `load.${ds}`,
        host: 'testhost',
        labels: { plugin: 'load', type: 'load', ds },
        kind: 'gauge' as const,
        ts: 1795303190484,
        value: [1.53515625, 1.2958984375, 0.5869140625][i],
        interval: 1000,
      })),
    },
    ...(['nan', '-nan', 'NaN', 'U', 'inf', '-inf', 'Infinity'] as const).map((v) => ({ name: `gauge ${v} is NaN`, body: `PUTVAL h/p/gauge 1795303190.484:${v}`, records: [rec('gauge', 'gauge', NaN)] })),
    { name: 'gauge 1e+300', body: 'PUTVAL h/p/gauge 1795303190.484:1e+300', records: [rec('gauge', 'gauge', 1e300)] },
    { name: 'gauge -0', body: 'PUTVAL h/p/gauge 1795303190.484:-0', records: [rec('gauge', 'gauge', -0)] },
    { name: 'gauge .5 and 5.', body: 'PUTVAL h/p/gauge 1795303190.484:.5 1795303190.484:5.', records: [rec('gauge', 'gauge', 0.5), rec('gauge', 'gauge', 5)] },
    { name: 'counter 2^64-1', body: 'PUTVAL h/p/counter 1795303190.484:18446744073709551615', records: [rec('counter', 'counter', 18446744073709551615n)] },
    { name: 'derive 2^63-1', body: 'PUTVAL h/p/derive 1795303190.484:9223372036854775807', records: [rec('derive', 'derive', 9223372036854775807n)] },
    { name: 'derive -2^63', body: 'PUTVAL h/p/derive 1795303190.484:-9223372036854775808', records: [rec('derive', 'derive', -9223372036854775808n)] },
    { name: 'absolute 0', body: 'PUTVAL h/p/absolute 1795303190.484:0', records: [rec('absolute', 'absolute', 0n)] },
    {
      name: 'two value lists on a line (32-bit wrap)',
      body: 'PUTVAL h/p/counter interval=1 1795303190:4294967290 1795303191:5',
      records: [rec('counter', 'counter', 4294967290n, { ts: 1795303190000, interval: 1000 }), rec('counter', 'counter', 5n, { ts: 1795303191000, interval: 1000 })],
    },
    {
      name: 'an option applies to the value lists after it',
      body: 'PUTVAL h/p/gauge 1795303190.484:1 interval=2.5 1795303190.484:2',
      records: [rec('gauge', 'gauge', 1), rec('gauge', 'gauge', 2, { interval: 2500 })],
    },
    { name: 'time N is receivedAt', body: 'PUTVAL h/p/gauge N:1', records: [rec('gauge', 'gauge', 1, { ts: RECEIVED_AT })] },
    { name: 'time rounded to ms', body: 'PUTVAL h/p/gauge 1795303190.4836:1', records: [rec('gauge', 'gauge', 1)] },
    {
      name: 'meta options, quoted or not, are dropped',
      body: 'PUTVAL h/p/gauge "meta:mykey=\\"my value\\"" meta:k="a b" 1795303190.484:8',
      records: [rec('gauge', 'gauge', 8)],
    },
    {
      name: 'identifier split at the first dash',
      body: 'PUTVAL other-host/example-a-b/gauge-c-d 1795303190.484:1.5',
      records: [rec('gauge', 'gauge', 1.5, { metric: 'example.gauge', host: 'other-host', labels: { plugin: 'example', type: 'gauge', ds: 'value', plugin_instance: 'a-b', type_instance: 'c-d' } })],
    },
    {
      name: 'quoted identifier with space, escaped quote and backslash',
      body: 'PUTVAL "h/p/gauge-with space" 1:1\r\nPUTVAL "h/p/gauge-q\\"uote" 1:2\r\nPUTVAL "h/p/gauge-tab\\\\tx" 1:3\r\n',
      records: ['with space', 'q"uote', 'tab\\tx'].map((ti, i) =>
        rec('gauge', 'gauge', i + 1, { ts: 1000, labels: { plugin: 'p', type: 'gauge', ds: 'value', type_instance: ti } }),
      ),
    },
    {
      name: 'backslash outside quotes is literal, UTF-8 names kept',
      body: 'PUTVAL tëst/p/gauge-tab\\tx 1:4\nPUTVAL h/p/gauge-ü 1:5',
      records: [
        rec('gauge', 'gauge', 4, { ts: 1000, host: 'tëst', labels: { plugin: 'p', type: 'gauge', ds: 'value', type_instance: 'tab\\tx' } }),
        rec('gauge', 'gauge', 5, { ts: 1000, labels: { plugin: 'p', type: 'gauge', ds: 'value', type_instance: 'ü' } }),
      ],
    },
    {
      name: 'PUTNOTIF with names and string meta',
      body: 'PUTNOTIF severity=warning time=1795303193 host=testhost plugin=example plugin_instance=inst type=gauge type_instance=x message="Test notification with spaces" s:custom=hello s:plugin="a \\"b\\""\r\n',
      events: [
        {
          ts: 1795303193000,
          host: 'testhost',
          severity: 'warning',
          message: 'Test notification with spaces',
          source: 'collectd',
          attrs: { plugin: 'example', plugin_instance: 'inst', type: 'gauge', type_instance: 'x', custom: 'hello', 'meta.plugin': 'a "b"' },
        },
      ],
    },
    {
      name: 'PUTNOTIF minimal, fractional time, upper-case severity',
      body: 'PUTNOTIF severity=OKAY time=1795303193.25 message=ok-no-host',
      events: [{ ts: 1795303193250, host: '', severity: 'okay', message: 'ok-no-host', source: 'collectd', attrs: {} }],
    },
    {
      name: 'notification JSON on a Command node goes to the JSON parser',
      body: '[{"labels":{"instance":"h","severity":"FAILURE"},"annotations":{"summary":"s"},"startsAt":"2026-11-21T23:19:53.000000000Z"}]',
      events: [{ ts: 1795303193000, host: 'h', severity: 'failure', message: 's', source: 'collectd', attrs: {} }],
    },
  ];

  it.each(cases)('$name', ({ body, records = [], events = [] }) => {
    expect(parse(body)).toEqual({ records, events, rejected: [] });
  });

  it('gives the same result when the same body is parsed twice', () => {
    const body = readFileSync(testdata('spec-lines.txt'), 'utf8');
    const first = parse(body);
    expect(parse(body)).toEqual(first);
    expect(parse(body).records).not.toBe(first.records);
  });

  it('matches the golden file for the reference §2.1 lines', () => {
    const { actual, expected } = golden(testdata('spec-lines.records.json'), parse(readFileSync(testdata('spec-lines.txt'), 'utf8')));
    expect(actual).toBe(expected);
  });

  it.each([
    ['[{}]', true],
    [' \r\n\t[', true],
    ['PUTVAL h/p/gauge N:[', false],
    ['', false],
  ])('isJsonBody(%j) is %s', (body, expected) => {
    expect(isJsonBody(body)).toBe(expected);
  });
});

describe('parseCollectdCommand rejections', () => {
  const good = 'PUTVAL h/p/gauge 1795303190.484:1';
  // `at` is the offset of the problem inside the bad line.
  const cases: { name: string; line: string; code: CommandParseCode; at: number }[] = [
    { name: 'unknown command', line: 'FLUSH identifier=h/p/gauge', code: 'PARSE_ERR_UNKNOWN_COMMAND', at: 0 },
    { name: 'unknown command after blanks', line: '  GETVAL h/p/gauge', code: 'PARSE_ERR_UNKNOWN_COMMAND', at: 2 },
    { name: 'comment line', line: '# PUTVAL h/p/gauge N:1', code: 'PARSE_ERR_UNKNOWN_COMMAND', at: 0 },
    { name: 'unterminated quote', line: 'PUTVAL "h/p/gauge N:1', code: 'PARSE_ERR_SYNTAX', at: 7 },
    { name: 'quote closed only by an escaped quote', line: 'PUTVAL "h/p/gauge\\" N:1', code: 'PARSE_ERR_SYNTAX', at: 7 },
    { name: 'no identifier', line: 'PUTVAL ', code: 'PARSE_ERR_BAD_IDENTIFIER', at: 6 },
    { name: 'identifier with one slash', line: 'PUTVAL h/gauge N:1', code: 'PARSE_ERR_BAD_IDENTIFIER', at: 7 },
    { name: 'empty host', line: 'PUTVAL /p/gauge N:1', code: 'PARSE_ERR_BAD_NAME', at: 7 },
    { name: 'empty type', line: 'PUTVAL h/p/-x N:1', code: 'PARSE_ERR_BAD_NAME', at: 7 },
    { name: 'plugin instance of 128 bytes', line: `PUTVAL h/p-${'x'.repeat(128)}/gauge N:1`, code: 'PARSE_ERR_BAD_NAME', at: 7 },
    { name: 'type not in types.db', line: 'PUTVAL testhost/example/nosuchtype N:1', code: 'PARSE_ERR_UNKNOWN_TYPE', at: 7 },
    { name: 'unknown option', line: 'PUTVAL h/p/gauge foo=bar N:1', code: 'PARSE_ERR_BAD_OPTION', at: 17 },
    { name: 'interval 0', line: 'PUTVAL h/p/gauge interval=0 N:1', code: 'PARSE_ERR_BAD_OPTION', at: 26 },
    { name: 'interval not a number', line: 'PUTVAL h/p/gauge interval=1s N:1', code: 'PARSE_ERR_BAD_OPTION', at: 26 },
    { name: 'meta without a key', line: 'PUTVAL h/p/gauge meta:=x N:1', code: 'PARSE_ERR_BAD_OPTION', at: 17 },
    { name: 'no value list', line: 'PUTVAL h/p/gauge interval=1 ', code: 'PARSE_ERR_MISSING_VALUES', at: 27 },
    { name: 'fewer values than data sources', line: 'PUTVAL testhost/example/if_octets-few N:5', code: 'PARSE_ERR_VALUE_COUNT', at: 38 },
    { name: 'more values than data sources', line: 'PUTVAL h/p/gauge N:1:2', code: 'PARSE_ERR_VALUE_COUNT', at: 17 },
    { name: 'empty field', line: 'PUTVAL h/p/if_octets N::5', code: 'PARSE_ERR_BAD_VALUE', at: 23 },
    { name: 'no colon', line: 'PUTVAL h/p/gauge 5', code: 'PARSE_ERR_BAD_VALUE', at: 17 },
    { name: 'hex derive', line: 'PUTVAL h/p/derive N:0x10', code: 'PARSE_ERR_BAD_VALUE', at: 20 },
    { name: 'octal-looking derive', line: 'PUTVAL h/p/derive N:010', code: 'PARSE_ERR_BAD_VALUE', at: 20 },
    { name: 'trailing garbage', line: 'PUTVAL h/p/gauge N:7abc', code: 'PARSE_ERR_BAD_VALUE', at: 19 },
    { name: 'hex float gauge', line: 'PUTVAL h/p/gauge N:0x1p3', code: 'PARSE_ERR_BAD_VALUE', at: 19 },
    { name: 'U for a counter', line: 'PUTVAL h/p/counter N:U', code: 'PARSE_ERR_BAD_VALUE', at: 21 },
    { name: 'negative counter', line: 'PUTVAL h/p/counter N:-1', code: 'PARSE_ERR_BAD_VALUE', at: 21 },
    { name: 'fraction for a derive', line: 'PUTVAL h/p/derive N:1.5', code: 'PARSE_ERR_BAD_VALUE', at: 20 },
    { name: 'bad second value list loses the line', line: 'PUTVAL h/p/gauge 1:1 2:x', code: 'PARSE_ERR_BAD_VALUE', at: 23 },
    { name: 'bad value in a quoted field', line: 'PUTVAL h/p/gauge "N:x"', code: 'PARSE_ERR_BAD_VALUE', at: 17 },
    { name: 'counter 2^64', line: 'PUTVAL h/p/counter N:18446744073709551616', code: 'PARSE_ERR_VALUE_RANGE', at: 21 },
    { name: 'derive 2^63', line: 'PUTVAL h/p/derive N:9223372036854775808', code: 'PARSE_ERR_VALUE_RANGE', at: 20 },
    { name: 'time 0', line: 'PUTVAL testhost/example/gauge-zero-time 0:5', code: 'PARSE_ERR_BAD_TIME', at: 40 },
    { name: 'negative time', line: 'PUTVAL h/p/gauge -1:5', code: 'PARSE_ERR_BAD_TIME', at: 17 },
    { name: 'time with exponent', line: 'PUTVAL h/p/gauge 1e9:5', code: 'PARSE_ERR_BAD_TIME', at: 17 },
    { name: 'PUTNOTIF unquoted message with spaces', line: 'PUTNOTIF severity=failure time=1795303193 host=testhost message=unquoted words here', code: 'PARSE_ERR_SYNTAX', at: 73 },
    { name: 'PUTNOTIF empty value', line: 'PUTNOTIF severity=okay time=1 message=', code: 'PARSE_ERR_SYNTAX', at: 38 },
    { name: 'PUTNOTIF text glued to a quoted value', line: 'PUTNOTIF severity=okay time=1 message="m"x', code: 'PARSE_ERR_SYNTAX', at: 41 },
    { name: 'PUTNOTIF unterminated quote', line: 'PUTNOTIF severity=okay time=1 message="m', code: 'PARSE_ERR_SYNTAX', at: 38 },
    { name: 'PUTNOTIF without message', line: 'PUTNOTIF severity=okay time=1', code: 'PARSE_ERR_MISSING_FIELD', at: 8 },
    { name: 'PUTNOTIF with empty message', line: 'PUTNOTIF severity=okay time=1 message=""', code: 'PARSE_ERR_MISSING_FIELD', at: 8 },
    { name: 'PUTNOTIF without severity', line: 'PUTNOTIF time=1 message=m', code: 'PARSE_ERR_MISSING_FIELD', at: 8 },
    { name: 'PUTNOTIF bad severity', line: 'PUTNOTIF severity=info time=1 message=m', code: 'PARSE_ERR_BAD_SEVERITY', at: 9 },
    { name: 'PUTNOTIF time N', line: 'PUTNOTIF severity=okay time=N message=m', code: 'PARSE_ERR_BAD_TIME', at: 23 },
    { name: 'PUTNOTIF unknown option', line: 'PUTNOTIF severity=okay time=1 message=m foo=bar', code: 'PARSE_ERR_BAD_OPTION', at: 40 },
    { name: 'PUTNOTIF non-string meta', line: 'PUTNOTIF severity=okay time=1 message=m i:n=1', code: 'PARSE_ERR_BAD_OPTION', at: 40 },
    { name: 'PUTNOTIF host of 128 bytes', line: `PUTNOTIF severity=okay time=1 message=m host=${'h'.repeat(128)}`, code: 'PARSE_ERR_BAD_NAME', at: 40 },
  ];

  it.each(cases)('$name → $code at $at', ({ line, code, at }) => {
    for (const eol of ['\r\n', '\n']) {
      const body = `${good}${eol}${line}${eol}${good}`;
      const result = parse(body);
      expect(result.records.map((r) => r.value)).toEqual([1, 1]);
      expect(result.events).toEqual([]);
      expect(result.rejected).toEqual([{ code, message: expect.stringMatching(/^cannot \w+ .+: .+/), line: 2, offset: good.length + eol.length + at }]);
    }
  });

  it('documents every code it uses, and uses every documented code', () => {
    expect(new Set(cases.map((c) => c.code))).toEqual(new Set(Object.keys(COMMAND_PARSE_CODES)));
  });
});

/** Requests of a capture file (see testdata/README.md). */
function requests(file: string): { path: string; body: string; response_status: number }[] {
  return readFileSync(testdata(file), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));
}

/** What collectd's JSON writer makes of a name: every byte ≥ 0x80 becomes `?`. */
function asciiMangled(s: string): string {
  return [...s].map((ch) => (ch.charCodeAt(0) < 0x80 ? ch : '?'.repeat(Buffer.byteLength(ch)))).join('');
}

describe('parseCollectdCommand on real collectd captures', () => {
  for (const file of ['http-requests.jsonl', 'extra-utf8-http-requests.jsonl']) {
    it(`gives the same records for /command as for /json (${file})`, () => {
      const key = (m: MetricRecord) => JSON.stringify([m.metric, m.host, m.labels, m.ts]);
      const fromJson = new Map<string, MetricRecord>();
      const fromCommand = new Map<string, MetricRecord>();
      let events = 0;
      for (const r of requests(file)) {
        if (r.path === '/json' && r.response_status !== 401) for (const m of parseCollectdJson(r.body, {}).records) fromJson.set(key(m), m);
        if (r.path !== '/command') continue;
        const result = parse(r.body);
        expect(result.rejected).toEqual([]);
        events += result.events.length;
        for (const m of result.records) {
          const mangled = { ...m, host: asciiMangled(m.host), labels: Object.fromEntries(Object.entries(m.labels).map(([k, v]) => [k, asciiMangled(v)])) };
          fromCommand.set(key(mangled), mangled);
        }
      }
      expect(fromJson.size).toBeGreaterThan(0);
      expect(events).toBe(file === 'http-requests.jsonl' ? 2 : 1);
      expect([...fromCommand.keys()].sort()).toEqual([...fromJson.keys()].sort());
      for (const [k, m] of fromJson) expect(fromCommand.get(k)).toEqual(m);
    });
  }

  it('keeps the exact values of reference §2.1', () => {
    const records = [...requests('http-requests.jsonl'), ...requests('extra-utf8-http-requests.jsonl')]
      .filter((r) => r.path === '/command')
      .flatMap((r) => parse(r.body).records)
      .filter((m) => m.labels.plugin === 'example');
    const find = (ti: string) => records.filter((m) => m.labels.type_instance === ti).map((m) => m.raw ?? m.value);
    expect(find('nan')).toEqual([NaN]);
    expect(find('inf')).toEqual([NaN]);
    expect(find('big')).toEqual([1e300]);
    expect(find('negzero')).toEqual([-0]);
    expect(find('max')).toEqual(expect.arrayContaining([9223372036854775807n, 18446744073709551615n]));
    expect(find('wrap')).toEqual([4294967290n, 5n]);
    expect(find('with space')).toEqual([42.5]);
    expect(find('q"uote')).toEqual([3]);
    expect(find('tab\\tx')).toEqual([4]);
    expect(records.filter((m) => m.host === 'tëst').map((m) => m.labels.type_instance)).toEqual(['ü']);
  });

  // What we do with each command collectd got on its unix socket, where we differ from its reply.
  const stricter: Record<string, CommandParseCode> = {
    'if_octets-few N:5': 'PARSE_ERR_VALUE_COUNT', // collectd fills the missing value with 0
    'foo=bar': 'PARSE_ERR_BAD_OPTION', // collectd never answers
    'N:0x10': 'PARSE_ERR_BAD_VALUE', // collectd reads hex
    'N:010': 'PARSE_ERR_BAD_VALUE', // collectd reads octal
    'N:7abc': 'PARSE_ERR_BAD_VALUE', // collectd ignores the trailing text
  };
  const refused: Record<string, CommandParseCode> = {
    'counter-u N:U': 'PARSE_ERR_BAD_VALUE',
    nosuchtype: 'PARSE_ERR_UNKNOWN_TYPE',
    'N:1:2': 'PARSE_ERR_VALUE_COUNT',
    ' 0:5': 'PARSE_ERR_BAD_TIME',
    'unquoted words': 'PARSE_ERR_SYNTAX',
  };
  const transcript = ['unixsock-transcript.txt', 'extra-utf8-unixsock-transcript.txt'].flatMap((f) =>
    readFileSync(testdata(f), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('-> '))
      .map((l) => l.slice(3)),
  );

  it.each(transcript)('unix socket command %s', (line) => {
    const result = parse(line);
    const expected = Object.entries({ ...stricter, ...refused }).find(([needle]) => line.includes(needle))?.[1];
    expect(result.rejected.map((r) => r.code)).toEqual(expected === undefined ? [] : [expected]);
    if (expected === undefined) expect(result.records.length + result.events.length).toBeGreaterThan(0);
  });
});
