import { describe, expect, it } from 'vitest';
import { parseStatsd, sanitizeName, STATSD_PARSE_CODES, type StatsdParseCode, type StatsdSample } from './parse.ts';

const s = (over: Partial<StatsdSample> & Pick<StatsdSample, 'name' | 'type' | 'value'>): StatsdSample => ({ delta: false, sampleRate: 1, labels: {}, ...over });

describe('parseStatsd success', () => {
  const cases: { name: string; input: string; samples: StatsdSample[] }[] = [
    { name: 'counter', input: 'gorets:1|c', samples: [s({ name: 'gorets', type: 'c', value: 1 })] },
    { name: 'counter with sample rate', input: 'gorets:1|c|@0.1', samples: [s({ name: 'gorets', type: 'c', value: 1, sampleRate: 0.1 })] },
    { name: 'negative counter (decrement)', input: 'gorets:-2|c', samples: [s({ name: 'gorets', type: 'c', value: -2 })] },
    { name: 'gauge set', input: 'gaugor:333|g', samples: [s({ name: 'gaugor', type: 'g', value: 333 })] },
    { name: 'gauge delta down', input: 'gaugor:-10|g', samples: [s({ name: 'gaugor', type: 'g', value: -10, delta: true })] },
    { name: 'gauge delta up', input: 'gaugor:+4|g', samples: [s({ name: 'gaugor', type: 'g', value: 4, delta: true })] },
    { name: 'gauge float set', input: 'gaugor:0.5|g', samples: [s({ name: 'gaugor', type: 'g', value: 0.5 })] },
    { name: 'timer', input: 'glork:320|ms', samples: [s({ name: 'glork', type: 'ms', value: 320 })] },
    { name: 'timer with sample rate', input: 'glork:320|ms|@0.25', samples: [s({ name: 'glork', type: 'ms', value: 320, sampleRate: 0.25 })] },
    { name: 'histogram', input: 'size:1.5e3|h', samples: [s({ name: 'size', type: 'h', value: 1500 })] },
    { name: 'distribution', input: 'size:7|d', samples: [s({ name: 'size', type: 'd', value: 7 })] },
    { name: 'set', input: 'uniques:765|s', samples: [s({ name: 'uniques', type: 's', value: 0, member: '765' })] },
    { name: 'set member with letters', input: 'users:alice|s', samples: [s({ name: 'users', type: 's', value: 0, member: 'alice' })] },
    {
      name: 'DogStatsD tags, host tag, valueless tag',
      input: 'page.views:1|c|#env:prod,host:web-7,canary',
      samples: [s({ name: 'page.views', type: 'c', value: 1, labels: { env: 'prod', canary: 'true' }, host: 'web-7' })],
    },
    { name: 'rate and tags in either order', input: 'a:1|c|#k:v|@0.5', samples: [s({ name: 'a', type: 'c', value: 1, sampleRate: 0.5, labels: { k: 'v' } })] },
    { name: 'tag value with a colon', input: 'a:1|c|#url:http://x', samples: [s({ name: 'a', type: 'c', value: 1, labels: { url: 'http://x' } })] },
    { name: 'unknown DogStatsD fields ignored', input: 'a:1|c|T1656581400|c:abc123', samples: [s({ name: 'a', type: 'c', value: 1 })] },
    { name: 'name sanitised as StatsD does', input: 'my key/x$y:1|c', samples: [s({ name: 'my_key-xy', type: 'c', value: 1 })] },
    {
      name: 'several lines, CRLF, blank lines',
      input: 'a:1|c\r\n\nb:2|g\n',
      samples: [s({ name: 'a', type: 'c', value: 1 }), s({ name: 'b', type: 'g', value: 2 })],
    },
    { name: 'empty datagram', input: '', samples: [] },
  ];
  it.each(cases)('$name', ({ input, samples }) => {
    const r = parseStatsd(input);
    expect(r.rejected).toEqual([]);
    expect(r.samples).toEqual(samples);
    // Reuse: the same bytes again give the same result.
    expect(parseStatsd(Buffer.from(input))).toEqual(r);
  });
});

describe('parseStatsd failure', () => {
  const cases: { name: string; line: string; code: StatsdParseCode }[] = [
    { name: 'no colon', line: 'gorets1|c', code: 'PARSE_ERR_STATSD_SYNTAX' },
    { name: 'no pipe', line: 'gorets:1', code: 'PARSE_ERR_STATSD_SYNTAX' },
    { name: 'plain text', line: 'not a statsd line', code: 'PARSE_ERR_STATSD_SYNTAX' },
    { name: 'empty name', line: ':1|c', code: 'PARSE_ERR_STATSD_NAME' },
    { name: 'name of dropped characters only', line: '$$$:1|c', code: 'PARSE_ERR_STATSD_NAME' },
    { name: 'unknown type', line: 'a:1|x', code: 'PARSE_ERR_STATSD_TYPE' },
    { name: 'empty type', line: 'a:1|', code: 'PARSE_ERR_STATSD_TYPE' },
    { name: 'multi-value line', line: 'a:1|c:2|c', code: 'PARSE_ERR_STATSD_TYPE' },
    { name: 'value a word', line: 'a:abc|c', code: 'PARSE_ERR_STATSD_VALUE' },
    { name: 'empty value', line: 'a:|g', code: 'PARSE_ERR_STATSD_VALUE' },
    { name: 'value overflows', line: 'a:1e400|ms', code: 'PARSE_ERR_STATSD_VALUE' },
    { name: 'empty set member', line: 'a:|s', code: 'PARSE_ERR_STATSD_VALUE' },
    { name: 'sample rate 0', line: 'a:1|c|@0', code: 'PARSE_ERR_STATSD_SAMPLE_RATE' },
    { name: 'sample rate over 1', line: 'a:1|c|@1.5', code: 'PARSE_ERR_STATSD_SAMPLE_RATE' },
    { name: 'sample rate a word', line: 'a:1|c|@x', code: 'PARSE_ERR_STATSD_SAMPLE_RATE' },
    { name: 'tag without a name', line: 'a:1|c|#:v', code: 'PARSE_ERR_STATSD_TAGS' },
  ];
  it.each(cases)('$name → $code with line and offset, other lines kept', ({ line, code }) => {
    const first = 'ok:1|c';
    const r = parseStatsd(`${first}\n${line}\nok2:2|g`);
    expect(r.samples.map((x) => x.name)).toEqual(['ok', 'ok2']);
    expect(r.rejected).toHaveLength(1);
    expect(r.rejected[0]).toMatchObject({ code, line: 2, offset: first.length + 1, values: 1 });
    expect(r.rejected[0].message).toMatch(/^cannot /);
  });

  it('every code of the catalogue has a case', () => {
    expect([...new Set(cases.map((c) => c.code))].sort()).toEqual(Object.keys(STATSD_PARSE_CODES).sort());
  });
});

describe('sanitizeName', () => {
  it.each([
    ['a b\tc', 'a_b_c'],
    ['a/b', 'a-b'],
    ['a.b-c_D9', 'a.b-c_D9'],
    ['ü!@x', 'x'],
  ])('%j → %j', (input, out) => expect(sanitizeName(input)).toBe(out));
});
