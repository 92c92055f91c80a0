import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { builtinTypesDb } from '../collectd-common/types-db.ts';
import { expectWellFormed, mutate, pick, randomText, seededRandom } from '../collectd-json/fuzz.ts';
import { ParseError } from '../types.ts';
import { isJsonBody, parseCollectdCommand } from './parse.ts';

const SEED = 0xc0_11ec_7d;
const ITERATIONS = 3000;
const MAX_BYTES = 64 * 1024;
const testdata = (name: string) => fileURLToPath(new URL(`./testdata/${name}`, import.meta.url));
const ctx = { typesDb: builtinTypesDb(), receivedAt: 1795303200000 };

const corpus: string[] = [readFileSync(testdata('spec-lines.txt'), 'utf8')];
for (const file of ['http-requests.jsonl', 'extra-utf8-http-requests.jsonl']) {
  for (const line of readFileSync(testdata(file), 'utf8').split('\n')) {
    if (line === '') continue;
    const r = JSON.parse(line) as { path: string; body: string };
    if (r.path === '/command' && !r.body.startsWith('[')) corpus.push(r.body);
  }
}
for (const file of ['unixsock-transcript.txt', 'extra-utf8-unixsock-transcript.txt']) {
  const lines = readFileSync(testdata(file), 'utf8').split('\n').filter((l) => l.startsWith('-> '));
  corpus.push(lines.map((l) => l.slice(3)).join('\n'));
}

const DICTIONARY = [
  '"', '\\', ':', '=', ' ', '\t', '\r\n', '\n', '\r', 'N', 'U', 'nan', '-inf', '-', '/', '0x', '010', 'e+300',
  'PUTVAL ', 'PUTNOTIF ', 'interval=', 'meta:k=', 's:k=', 'severity=okay ', 'time=1 ', 'message=', '18446744073709551616',
  '-9223372036854775809', 'ü', '[',
];
const ALPHABET = ['PUTVAL ', 'PUTNOTIF ', 'h/p/gauge ', 'h/cpu-0/cpu-idle ', 'h/p/load ', '"', '\\', ':', '=', ' ', '\n', 'N', '1', '.', '-', 'U', 'x'];

describe('parseCollectdCommand fuzz', () => {
  it(`survives ${ITERATIONS} random and mutated bodies`, () => {
    const rng = seededRandom(SEED);
    const started = performance.now();
    let rejected = 0;
    let records = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const body = (rng() < 0.2 ? randomText(rng, ALPHABET, 400) : mutate(rng, pick(rng, corpus), DICTIONARY, MAX_BYTES)).slice(0, MAX_BYTES);
      const t0 = performance.now();
      try {
        const result = parseCollectdCommand(body, ctx);
        expectWellFormed(result, body.length);
        const lines = body.split('\n').length;
        for (const r of result.rejected) expect(r.line !== undefined && r.line >= 1 && r.line <= lines).toBe(true);
        rejected += result.rejected.length;
        records += result.records.length;
      } catch (e) {
        // Only a body handed to the JSON parser may throw.
        if (!(e instanceof ParseError) || !isJsonBody(body)) throw e;
      }
      expect(performance.now() - t0, `iteration ${i} took too long`).toBeLessThan(500);
    }
    expect(rejected).toBeGreaterThan(ITERATIONS / 10);
    expect(records).toBeGreaterThan(ITERATIONS);
    expect(performance.now() - started).toBeLessThan(20_000);
  }, 30_000);

  it('parses a body line by line: the lines of a body give what each line gives alone', () => {
    const rng = seededRandom(SEED + 1);
    for (let i = 0; i < 300; i++) {
      const body = mutate(rng, pick(rng, corpus), DICTIONARY, MAX_BYTES);
      const lines = body.split('\n');
      if (lines.some(isJsonBody)) continue;
      const whole = parseCollectdCommand(body, ctx);
      const parts = lines.map((line) => parseCollectdCommand(line, ctx));
      expect(whole.records).toEqual(parts.flatMap((p) => p.records));
      expect(whole.events).toEqual(parts.flatMap((p) => p.events));
      expect(whole.rejected.map((r) => [r.code, r.line])).toEqual(parts.flatMap((p, n) => p.rejected.map((r) => [r.code, n + 1])));
    }
  });

  it('returns for lines at the size cap', () => {
    for (const body of [`PUTVAL "${'a'.repeat(MAX_BYTES)}`, `PUTVAL h/p/gauge ${'N:1 '.repeat(MAX_BYTES / 4)}`, 'PUTNOTIF '.repeat(MAX_BYTES / 9)]) {
      const result = parseCollectdCommand(body, ctx);
      expect(result.rejected.length + result.records.length).toBeGreaterThan(0);
    }
  });
});
