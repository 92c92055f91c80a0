import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ParseError, type ParseResult } from '../types.ts';
import { expectWellFormed, mutate, pick, randomText, seededRandom } from './fuzz.ts';
import { parseCollectdJson } from './parse.ts';
import { readBody } from './read-body.ts';

const SEED = 0x5eed_c011;
const ITERATIONS = 3000;
const MAX_BYTES = 64 * 1024;
const testdata = (name: string) => fileURLToPath(new URL(`./testdata/${name}`, import.meta.url));

const corpus: string[] = [readFileSync(testdata('spec-example.json'), 'utf8')];
for (const file of ['http-requests.jsonl', 'extra-utf8-http-requests.jsonl']) {
  for (const line of readFileSync(testdata(file), 'utf8').split('\n')) {
    if (line === '') continue;
    const r = JSON.parse(line) as { path: string; body: string };
    if (r.body.startsWith('[')) corpus.push(r.body);
  }
}

const DICTIONARY = [
  '"meta":}', '"meta":{}', 'null', 'true', '-', '0', '1e999', '-0', '18446744073709551616', '9223372036854775808',
  '"', '\\', '\\u00e9', '\\ud800', '{', '}', '[', ']', ',', ':', ' ', '\n', '"values":[', '"dstypes":["counter"]',
  '"gauge"', '"derive"', '"absolute"', '"labels":{', '"startsAt":"2026-11-21T23:19:53Z"', '[[[[[[[[[[[[[[[[',
];
const ALPHABET = ['[', ']', '{', '}', '"', ',', ':', '-', '.', 'e', '0', '1', '9', 'null', 'true', ' ', '\\', 'a', '"values"', '"time"'];

/** A value-list object built at random, mostly close to collectd's shape. */
function randomValueList(rng: () => number): string {
  const n = 1 + Math.floor(rng() * 3);
  const kinds = Array.from({ length: n }, () => pick(rng, ['gauge', 'counter', 'derive', 'absolute', 'bogus']));
  const values = kinds.map(() => pick(rng, ['null', '0', '-1', '1.5', '1e+300', '-0', '18446744073709551615', '-9223372036854775808', String(Math.floor(rng() * 1e6))]));
  const names = kinds.map((_, i) => (rng() < 0.05 ? '' : `d${i}`));
  const fields: [string, string][] = [
    ['values', `[${values.join(',')}]`],
    ['dstypes', JSON.stringify(rng() < 0.05 ? kinds.slice(1) : kinds)],
    ['dsnames', JSON.stringify(names)],
    ['time', pick(rng, ['1795303190.484', '0', '-1', '1e400', '1795303190'])],
    ['interval', pick(rng, ['1.000', '0', '10'])],
    ['host', JSON.stringify(pick(rng, ['h', '', 'q"x', 'é'.repeat(70)]))],
    ['plugin', JSON.stringify(pick(rng, ['p', '']))],
    ['plugin_instance', '""'],
    ['type', '"t"'],
    ['type_instance', JSON.stringify(pick(rng, ['', 'i', 'a\\b']))],
  ];
  if (rng() < 0.2) fields.push(['meta', pick(rng, ['{"k":"v"}', '{}', '[1]'])]);
  const kept = fields.filter(() => rng() > 0.03);
  if (rng() < 0.1) kept.reverse();
  return `{${kept.map(([k, v]) => `"${k}":${v}`).join(',')}}`;
}

function randomBody(rng: () => number): string {
  switch (Math.floor(rng() * 5)) {
    case 0:
      return randomText(rng, ALPHABET, 200);
    case 1: {
      const n = Math.floor(rng() * 20);
      return `[${Array.from({ length: n }, () => randomValueList(rng)).join(',')}]`;
    }
    case 2:
      return pick(rng, corpus).slice(0, Math.floor(rng() * 4000)) + pick(rng, corpus).slice(Math.floor(rng() * 4000));
    default:
      return mutate(rng, pick(rng, corpus), DICTIONARY, MAX_BYTES);
  }
}

type Outcome = { result: ParseResult } | { code: string; offset: number | undefined };

function outcome(body: string, rates: boolean, fast: boolean): Outcome {
  try {
    return { result: readBody(body, rates, fast) };
  } catch (e) {
    if (!(e instanceof ParseError)) throw e;
    return { code: e.code, offset: e.offset };
  }
}

describe('parseCollectdJson fuzz', () => {
  it(`survives ${ITERATIONS} random and mutated bodies, fast and general path agreeing`, () => {
    const rng = seededRandom(SEED);
    const started = performance.now();
    let thrown = 0;
    let rejected = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const body = randomBody(rng).slice(0, MAX_BYTES);
      const rates = rng() < 0.3;
      const t0 = performance.now();
      const fast = outcome(body, rates, true);
      expect(performance.now() - t0, `iteration ${i} took too long`).toBeLessThan(500);
      if ('result' in fast) {
        expectWellFormed(fast.result, body.length);
        rejected += fast.result.rejected.length;
      } else thrown++;
      expect(outcome(body, rates, false), `iteration ${i}: ${JSON.stringify(body.slice(0, 200))}`).toEqual(fast);
    }
    // The corpus and the generators must reach both outcomes, or the test proves little.
    expect(thrown).toBeGreaterThan(ITERATIONS / 10);
    expect(rejected).toBeGreaterThan(ITERATIONS / 10);
    expect(performance.now() - started).toBeLessThan(20_000);
  }, 30_000);

  it('returns for a body at the size cap made of one huge string and deep nesting', () => {
    expect(parseCollectdJson(`["${'a'.repeat(MAX_BYTES)}"]`, {}).rejected.map((r) => r.code)).toEqual(['PARSE_ERR_NOT_OBJECT']);
    for (const body of ['['.repeat(MAX_BYTES), `[${'{"a":'.repeat(5000)}`]) {
      expect(() => parseCollectdJson(body, {})).toThrow(ParseError);
    }
  });
});
