import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../lib/random.ts';
import { ParseError } from '../types.ts';
import { OPENTSDB_PARSE_CODES } from './codes.ts';
import { parseOpenTsdb } from './parse.ts';

const SEED = 0x0975_d8;
const ITERATIONS = 3000;
const MAX_BYTES = 64 * 1024;

const pick = <T>(rng: () => number, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)];
const VALUES = [18, -1.5, '9', '1e3', 'abc', '', null, true, 'NaN', 1e308, '1e999', [], {}];
const TIMES = [1346846400, 1346846400123, 0, -1, 4294967295, 4294967296, 9999999999999, 1e13, '1346846400', 'x', 1.5, null];
const NAMES = ['sys.cpu', 'a/b-c_d', 'é', '', 'has space', 'x:y', 5, null];
const DICT = ['{', '}', '[', ']', '"', ',', ':', 'null', '"metric"', '"tags"', '"value"', '1e999', '\\u0000', ' '];

function randomPoint(rng: () => number): unknown {
  if (rng() < 0.05) return pick(rng, [1, 'x', null, []]);
  // Mostly valid fields, so that whole points get through as well as every kind of failure.
  const p: Record<string, unknown> = {
    metric: rng() < 0.8 ? NAMES[0] : pick(rng, NAMES),
    timestamp: rng() < 0.8 ? TIMES[0] : pick(rng, TIMES),
    value: rng() < 0.8 ? VALUES[0] : pick(rng, VALUES),
  };
  const n = rng() < 0.8 ? 2 : Math.floor(rng() * 11);
  p.tags = rng() < 0.05 ? pick(rng, [null, [], 'host=a']) : Object.fromEntries(Array.from({ length: n }, (_, i) => [i === 0 ? 'host' : (rng() < 0.9 ? 'dc' : pick(rng, ['k', '', 'a b'])) + i, rng() < 0.9 ? 'web01' : pick(rng, ['', 0, 'x y', { a: 1 }])]));
  for (const k of Object.keys(p)) if (rng() < 0.05) delete p[k];
  return p;
}

function mutate(rng: () => number, text: string): string {
  let s = text;
  for (let i = Math.floor(rng() * 4); i >= 0; i--) {
    const at = Math.floor(rng() * (s.length + 1));
    const r = rng();
    if (r < 0.4) s = s.slice(0, at) + pick(rng, DICT) + s.slice(at);
    else if (r < 0.7) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(rng() * 8));
    else s = s.slice(0, at) + String.fromCharCode(Math.floor(rng() * 128)) + s.slice(at + 1);
  }
  return s.slice(0, MAX_BYTES);
}

describe('parseOpenTsdb fuzz', () => {
  it(`survives ${ITERATIONS} random and mutated bodies with only ParseError or a well-formed result`, () => {
    const rng = mulberry32(SEED);
    let thrown = 0;
    let kept = 0;
    let rejected = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const points = Array.from({ length: Math.floor(rng() * 6) }, () => randomPoint(rng));
      const json = JSON.stringify(rng() < 0.2 && points.length > 0 ? points[0] : points);
      const body = rng() < 0.5 ? json : mutate(rng, json);
      try {
        const r = parseOpenTsdb(body);
        expect(r.records.length + r.rejected.length, `iteration ${i}`).toBe(r.points.length);
        for (const rec of r.records) {
          expect(Number.isFinite(rec.value) && Number.isInteger(rec.ts) && rec.ts > 0 && rec.metric !== '').toBe(true);
          expect(Object.keys(rec.labels)).not.toContain('host');
        }
        for (const rej of r.rejected) {
          expect(Object.keys(OPENTSDB_PARSE_CODES)).toContain(rej.code);
          expect(rej.index).toBeGreaterThanOrEqual(0);
        }
        kept += r.records.length;
        rejected += r.rejected.length;
      } catch (e) {
        if (!(e instanceof ParseError)) throw new Error(`iteration ${i}: ${JSON.stringify(body.slice(0, 200))}`, { cause: e });
        thrown++;
      }
    }
    // The generators must reach every outcome, or the test proves little.
    expect(thrown).toBeGreaterThan(ITERATIONS / 20);
    expect(kept).toBeGreaterThan(ITERATIONS / 20);
    expect(rejected).toBeGreaterThan(ITERATIONS / 20);
  });
});
