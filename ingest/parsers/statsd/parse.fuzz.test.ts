import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../lib/random.ts';
import { parseStatsd, STATSD_PARSE_CODES, STATSD_TYPES } from './parse.ts';

const SEED = 0x57a7_5d;
const ITERATIONS = 3000;
const MAX_BYTES = 64 * 1024;
const pick = <T>(rng: () => number, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)];
const PIECES = ['a.b', 'x', ':', '|', '@', '#', ',', '\n', '\r\n', 'c', 'g', 'ms', 'h', 'd', 's', '1', '-2', '+3', '0.5', 'e9', 'NaN', 'host:w', 'k:v', ' ', 'é', '\u0000', 'T1', 'c:abc'];

function randomLine(rng: () => number): string {
  if (rng() < 0.3) return Array.from({ length: Math.floor(rng() * 12) }, () => pick(rng, PIECES)).join('');
  let s = `${pick(rng, ['m', 'a.b', 'with space', '', 'x/y', 'ü'])}:${pick(rng, ['1', '-1', '+2.5', '', 'abc', '1e400', 'alice'])}|${pick(rng, ['c', 'g', 'ms', 'h', 'd', 's', 'x', ''])}`;
  if (rng() < 0.4) s += `|@${pick(rng, ['0.5', '1', '0', '2', 'x', ''])}`;
  if (rng() < 0.4) s += `|#${pick(rng, ['a:b', 'a', 'host:h', ':v', 'a:b,c:d', ''])}`;
  return s;
}

describe('parseStatsd fuzz', () => {
  it(`never throws on ${ITERATIONS} random datagrams, and accounts for every non-empty line`, () => {
    const rng = mulberry32(SEED);
    let samples = 0;
    let rejected = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const text = Array.from({ length: 1 + Math.floor(rng() * 8) }, () => randomLine(rng)).join(pick(rng, ['\n', '\r\n'])).slice(0, MAX_BYTES);
      const input = rng() < 0.5 ? text : Buffer.from(text);
      const r = parseStatsd(input);
      const lines = text.split('\n').filter((l) => l.replace(/\r$/, '').trim() !== '').length;
      expect(r.samples.length + r.rejected.length, `iteration ${i}: ${JSON.stringify(text)}`).toBe(lines);
      for (const s of r.samples) {
        expect(STATSD_TYPES).toContain(s.type);
        expect(s.name).toMatch(/^[a-zA-Z_\-0-9.]+$/);
        expect(s.sampleRate > 0 && s.sampleRate <= 1).toBe(true);
        expect(Number.isFinite(s.value)).toBe(true);
        expect(Object.keys(s.labels)).not.toContain('host');
      }
      for (const rej of r.rejected) {
        expect(Object.keys(STATSD_PARSE_CODES)).toContain(rej.code);
        expect(rej.line).toBeGreaterThanOrEqual(1);
      }
      samples += r.samples.length;
      rejected += r.rejected.length;
    }
    expect(samples).toBeGreaterThan(ITERATIONS / 10);
    expect(rejected).toBeGreaterThan(ITERATIONS / 10);
  });
});
