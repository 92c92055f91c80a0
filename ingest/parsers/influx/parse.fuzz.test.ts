import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../lib/random.ts';
import { expectWellFormed, mutate, pick, randomText } from '../collectd-json/fuzz.ts';
import { ParseError } from '../types.ts';
import { parseInflux } from './parse.ts';

const SEED = 0x1f1_0db;
const ITERATIONS = 2000;
const NOW = 1_795_303_190_484;
const NAME_CHARS = ['a', 'b', 'Z', '0', '_', '-', '.', ' ', ',', '=', '\\', '"', 'é', '°', '#'];

/** A random name of 1–8 characters (never a lone backslash at the end, which would escape the next stop). */
function randomName(rng: () => number): string {
  let s = '';
  const n = 1 + Math.floor(rng() * 8);
  while (s.length < n) s += pick(rng, NAME_CHARS);
  return s;
}

/** Escapes per the line protocol: a backslash before each of `special` and before every backslash. */
function escape(s: string, special: string): string {
  return s.replace(/[\\, =]/g, (ch) => (ch === '\\' || special.includes(ch) ? `\\${ch}` : ch));
}

interface Point {
  measurement: string;
  tags: Record<string, string>;
  fields: [string, number][];
  ms: number;
}

function randomPoint(rng: () => number): { line: string; point: Point } {
  let measurement = randomName(rng);
  if (measurement.startsWith('#')) measurement = `m${measurement}`;
  const tags: Record<string, string> = {};
  for (let i = Math.floor(rng() * 4); i > 0; i--) tags[rng() < 0.2 ? 'host' : randomName(rng)] = randomName(rng);
  const fields: [string, number][] = [];
  const texts: string[] = [];
  for (let i = 1 + Math.floor(rng() * 4); i > 0; i--) {
    const key = rng() < 0.2 ? 'value' : randomName(rng);
    const kind = Math.floor(rng() * 4);
    const int = Math.floor(rng() * 2 ** 40) * (kind === 1 ? 1 : rng() < 0.5 ? -1 : 1);
    const value = kind === 3 ? (rng() < 0.5 ? 1 : 0) : kind === 2 ? int / 1024 : int;
    const text = kind === 0 ? `${value}i` : kind === 1 ? `${value}u` : kind === 3 ? pick(rng, value === 1 ? ['t', 'true', 'TRUE'] : ['f', 'false', 'False']) : String(value);
    fields.push([key, value]);
    texts.push(`${escape(key, ',= ')}=${text}`);
    if (rng() < 0.2) texts.push(`${escape(randomName(rng), ',= ')}="${randomName(rng).replace(/["\\]/g, (c) => `\\${c}`)}"`);
  }
  const ms = Math.floor(rng() * 2e12);
  const tagText = Object.entries(tags).map(([k, v]) => `,${escape(k, ',= ')}=${escape(v, ',= ')}`).join('');
  const line = `${escape(measurement, ', ')}${tagText} ${texts.join(',')} ${ms}${String(Math.floor(rng() * 1e6)).padStart(6, '0')}`;
  return { line, point: { measurement, tags, fields, ms } };
}

/** What the records of a point must be, derived from the point, not from the parser. */
function expected(p: Point) {
  const { host = '', ...labels } = p.tags;
  return p.fields.map(([key, value]) => ({ metric: key === 'value' ? p.measurement : `${p.measurement}.${key}`, host, labels, kind: 'gauge', ts: p.ms, value, interval: 0 }));
}

const GARBAGE = ['\\', '"', ',', '=', ' ', '\n', '\r\n', '#', 'i', 'u', 't', '1', '-', '.', 'e', 'é', '\u0000', '\ud800'];

describe('parseInflux fuzz', () => {
  it(`round-trips ${ITERATIONS} random valid lines with escapes`, () => {
    const rng = mulberry32(SEED);
    for (let i = 0; i < ITERATIONS; i++) {
      const { line, point } = randomPoint(rng);
      const result = parseInflux(line, { receivedAt: NOW });
      expect(result.records, line).toEqual(expected(point));
      expect(result.rejected.every((r) => r.code === 'PARSE_ERR_INFLUX_STRING_FIELD'), line).toBe(true);
    }
  });

  it('never throws on garbage, and never loses the valid lines of a mixed body', () => {
    const rng = mulberry32(SEED + 1);
    let refused = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const valid = Array.from({ length: 1 + Math.floor(rng() * 5) }, () => randomPoint(rng));
      const bad = Array.from({ length: 1 + Math.floor(rng() * 3) }, () =>
        rng() < 0.5 ? randomText(rng, GARBAGE, 40).replace(/\n/g, '') : mutate(rng, pick(rng, valid).line, GARBAGE, 4096).replace(/\n/g, ' '),
      );
      const lines = [...valid.map((v) => v.line), ...bad].sort(() => rng() - 0.5);
      const body = lines.join(pick(rng, ['\n', '\r\n']));
      let result;
      try {
        result = parseInflux(body, { receivedAt: NOW });
      } catch (err) {
        expect(err).toBeInstanceOf(ParseError);
        continue;
      }
      expectWellFormed(result, body.length);
      refused += result.rejected.filter((r) => r.code !== 'PARSE_ERR_INFLUX_STRING_FIELD').length;
      // Each valid line's records appear, in order, among the records of the body.
      const records = result.records.map((r) => JSON.stringify(r));
      for (const v of valid) {
        for (const r of expected(v.point)) expect(records, body).toContain(JSON.stringify(r));
      }
    }
    expect(refused).toBeGreaterThan(ITERATIONS / 2);
  });

  it('returns quickly for a huge line', () => {
    const t0 = performance.now();
    const result = parseInflux(`m${'\\,'.repeat(200_000)} a="${'x'.repeat(500_000)}`, { receivedAt: NOW });
    expect(result.rejected.map((r) => r.code)).toEqual(['PARSE_ERR_INFLUX_FIELD_VALUE']);
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});
