import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../lib/random.ts';
import { expectWellFormed, mutate, pick, randomText } from '../collectd-json/fuzz.ts';
import { ParseError } from '../types.ts';
import { parseGraphite } from './parse.ts';

const SEED = 0x06a_f17e;
const ITERATIONS = 2000;
const NOW = 1_795_303_190_484;
const PATH_CHARS = ['a', 'z', 'Q', '0', '9', '_', '-', '.', ':', 'é', '/', '~', '=', '!'];
const VALUE_CHARS = ['a', 'Z', '0', '7', '.', '-', '_', '/', '=', '~', '!', '^', 'é'];

function word(rng: () => number, chars: readonly string[], min = 1): string {
  let s = '';
  const n = min + Math.floor(rng() * 10);
  while (s.length < n) s += pick(rng, chars);
  return s;
}

interface Sample {
  line: string;
  metric: string;
  host: string;
  labels: Record<string, string>;
  value: number;
  ts: number;
}

function randomSample(rng: () => number): Sample {
  const metric = word(rng, PATH_CHARS);
  const tags: [string, string][] = [];
  for (let i = Math.floor(rng() * 4); i > 0; i--) {
    const name = rng() < 0.25 ? 'host' : word(rng, ['a', 'b', 'Z', '0', '_', '-', '.', 'é']);
    const first = pick(rng, ['a', 'Z', '0', '.', '/']);
    tags.push([name, first + word(rng, VALUE_CHARS, 0)]);
  }
  const value = Math.round((rng() - 0.5) * 2e9) / 1000;
  const seconds = Math.floor(rng() * 2e9) + pick(rng, [0, 0.5, 0.125]);
  const sep = () => pick(rng, [' ', '  ', '\t']);
  const line = `${metric}${tags.map(([k, v]) => `;${k}=${v}`).join('')}${sep()}${value}${sep()}${seconds}`;
  const labels: Record<string, string> = {};
  let host = '';
  for (const [k, v] of tags) {
    if (k === 'host') host = v;
    else labels[k] = v;
  }
  return { line, metric, host, labels, value, ts: Math.round(seconds * 1000) };
}

const record = (s: Sample) => ({ metric: s.metric, host: s.host, labels: s.labels, kind: 'gauge', ts: s.ts, value: s.value, interval: 0 });
const GARBAGE = [' ', '\t', ';', '=', '~', '\r', 'nan', 'inf', '-1', '1e999', '.', '\u0000', '\ud800', 'é'];

describe('parseGraphite fuzz', () => {
  it(`round-trips ${ITERATIONS} random valid lines with tags`, () => {
    const rng = mulberry32(SEED);
    for (let i = 0; i < ITERATIONS; i++) {
      const s = randomSample(rng);
      const result = parseGraphite(s.line, { receivedAt: NOW });
      expect(result.rejected, s.line).toEqual([]);
      expect(result.records, s.line).toEqual([record(s)]);
    }
  });

  it('never throws on garbage, and never loses the valid lines of a mixed body', () => {
    const rng = mulberry32(SEED + 1);
    let refused = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const valid = Array.from({ length: 1 + Math.floor(rng() * 5) }, () => randomSample(rng));
      const bad = Array.from({ length: 1 + Math.floor(rng() * 3) }, () =>
        (rng() < 0.5 ? randomText(rng, GARBAGE, 40) : mutate(rng, pick(rng, valid).line, GARBAGE, 4096)).replace(/\n/g, ' '),
      );
      const body = [...valid.map((v) => v.line), ...bad].sort(() => rng() - 0.5).join(pick(rng, ['\n', '\r\n']));
      let result;
      try {
        result = parseGraphite(body, { receivedAt: NOW });
      } catch (err) {
        expect(err).toBeInstanceOf(ParseError);
        continue;
      }
      expectWellFormed(result, body.length);
      refused += result.rejected.length;
      const records = result.records.map((r) => JSON.stringify(r));
      for (const v of valid) expect(records, body).toContain(JSON.stringify(record(v)));
    }
    expect(refused).toBeGreaterThan(ITERATIONS / 2);
  });
});
