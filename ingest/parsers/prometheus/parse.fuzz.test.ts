import SnappyJS from 'snappyjs';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../lib/random.ts';
import { ParseError } from '../types.ts';
import { parsePrometheusRemoteWrite } from './parse.ts';
import { snappyUncompress } from './snappy.ts';
import { snappy, writeRequest } from './write-request-builder.ts';

// Seeded mutations of valid remote write bodies, before and after snappy: nothing but ParseError may
// escape, every call returns, and every record keeps its invariants. Change SEED to explore.

const SEED = 0x9e3779b9;
const ITERATIONS = 3000;
const MAX_BYTES = 64 * 1024;

const corpus = [
  writeRequest([
    { labels: { __name__: 'up', job: 'node', instance: 'web-1:9100' }, samples: [[1, 1700000000000], ['stale', 1700000001000]] },
    { labels: { __name__: 'http_requests_total', code: '500', host: 'h' }, samples: [[12.5, 1700000000000]], exemplars: 1 },
    { labels: { job: 'noname' }, samples: [[1, 1]], histograms: 2 },
  ], { metadata: true }),
  writeRequest([{ labels: { __name__: 'x'.repeat(300), a: 'é'.repeat(50) }, samples: Array.from({ length: 40 }, (_, i) => [i * 1.5, 1700000000000 + i] as const) }]),
];

describe('parsePrometheusRemoteWrite fuzz', () => {
  it(`survives ${ITERATIONS} mutated bodies (seed ${SEED})`, () => {
    const rand = mulberry32(SEED);
    const int = (n: number): number => Math.floor(rand() * n);
    const mutate = (b: Buffer): Buffer => {
      const c = Buffer.from(b);
      switch (int(4)) {
        case 0:
          for (let i = 1 + int(4); i > 0 && c.length > 0; i--) c[int(c.length)] ^= 1 + int(255);
          return c;
        case 1:
          return c.subarray(0, int(c.length + 1));
        case 2: {
          const at = int(c.length + 1);
          return Buffer.concat([c.subarray(0, at), Buffer.from(Array.from({ length: 1 + int(12) }, () => int(256))), c.subarray(at)]);
        }
        default:
          return Buffer.from(Array.from({ length: int(64) }, () => int(256)));
      }
    };
    let parsed = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const base = corpus[int(corpus.length)];
      // Half the time mutate the protobuf (then compress: reaches the protobuf reader), else the snappy block.
      const body = rand() < 0.5 ? snappy(mutate(base)) : mutate(snappy(base));
      try {
        const r = parsePrometheusRemoteWrite(body, { maxBytes: MAX_BYTES });
        parsed++;
        for (const rec of r.records) {
          expect(rec.metric.length, `seed ${SEED} iteration ${i}`).toBeGreaterThan(0);
          expect(rec.kind).toBe('gauge');
          expect(Number.isFinite(rec.ts)).toBe(true);
        }
      } catch (err) {
        if (!(err instanceof ParseError)) throw new Error(`seed ${SEED} iteration ${i}: ${String(err)}`, { cause: err });
        expect(err.code).toMatch(/^PARSE_ERR_/);
      }
    }
    // Most mutations make the body unreadable as a whole; enough must parse for the invariants to be exercised.
    expect(parsed).toBeGreaterThan(ITERATIONS / 50);
  });

  it('decodes every mutated block it accepts exactly as snappyjs does', () => {
    const rand = mulberry32(SEED + 1);
    for (let i = 0; i < 500; i++) {
      const block = snappy(corpus[i % corpus.length]);
      block[1 + Math.floor(rand() * (block.length - 1))] ^= 1 + Math.floor(rand() * 255);
      let theirs: Buffer | undefined;
      try {
        theirs = Buffer.from(SnappyJS.uncompress(block));
      } catch {
        theirs = undefined;
      }
      let ours: Buffer | undefined;
      try {
        ours = Buffer.from(snappyUncompress(block, MAX_BYTES));
      } catch {
        ours = undefined;
      }
      if (ours !== undefined) expect(theirs, `iteration ${i}`).toEqual(ours);
    }
  });
});
