import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../collectd-json/fuzz.ts';
import { builtinTypesDb } from '../collectd-common/types-db.ts';
import { ParseError } from '../types.ts';
import { COLLECTD_BINARY_CODES } from './codes.ts';
import { PART, encrypted, part, signed } from './packet-builder.ts';
import { captureUsers, hexLines, testdata } from './testdata.ts';
import { parseCollectdPacket, type BinaryParseContext, type BinaryParseResult } from './parse.ts';

// Seeded random and mutated datagrams: nothing but ParseError may escape, every call returns, and
// every result keeps its invariants. Change SEED to explore; failures print the seed and iteration.

const SEED = 0x5eed_c011;
const ITERATIONS = 4000;
const MAX_BYTES = 8192;


const probes = readFileSync(testdata('probe-sent.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => Buffer.from((JSON.parse(l) as { hex: string }).hex, 'hex'));
const plain = [...hexLines('udp-plain.hex'), ...hexLines('handmade-plain.hex'), ...hexLines('extra-utf8-udp-plain.hex')];
const corpus = [...plain, ...hexLines('udp-sign.hex'), ...hexLines('udp-encrypt.hex'), ...probes];

const typesDb = builtinTypesDb();
const lookupUser = captureUsers();
const contexts: BinaryParseContext[] = [
  { typesDb, securityLevel: 'none' },
  { typesDb, securityLevel: 'none', lookupUser },
  { typesDb, securityLevel: 'sign', lookupUser },
  { typesDb, securityLevel: 'encrypt', lookupUser },
];
const PART_TYPES = [...Object.values(PART), 0x0042, 0xffff];

/** One mutator family per entry; each returns a new buffer. */
function mutators(rand: () => number): ((b: Buffer) => Buffer)[] {
  const int = (n: number): number => Math.floor(rand() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  const partStarts = (b: Buffer): number[] => {
    const starts: number[] = [];
    for (let p = 0; p + 4 <= b.length && starts.length < 200; ) {
      starts.push(p);
      const len = b.readUInt16BE(p + 2);
      if (len < 4) break;
      p += len;
    }
    return starts;
  };
  return [
    (b) => {
      const c = Buffer.from(b);
      for (let i = 1 + int(4); i > 0 && c.length > 0; i--) c[int(c.length)] ^= 1 + int(255);
      return c;
    },
    (b) => b.subarray(0, int(b.length + 1)),
    (b) => {
      const c = Buffer.from(b);
      const starts = partStarts(c);
      if (starts.length === 0) return c;
      const at = pick(starts);
      const len = c.readUInt16BE(at + 2);
      c.writeUInt16BE(pick([0, 1, 3, 4, 5, 6, 11, 12, 13, 15, 36, 37, 42, 43, len - 1, len + 1, 0xffff, int(0x10000)]) & 0xffff, at + 2);
      return c;
    },
    (b) => {
      const c = Buffer.from(b);
      const starts = partStarts(c);
      if (starts.length > 0) c.writeUInt16BE(pick(PART_TYPES), pick(starts));
      return c;
    },
    (b) => {
      const at = int(b.length + 1);
      const junk = Buffer.from(Array.from({ length: 1 + int(16) }, () => int(256)));
      return Buffer.concat([b.subarray(0, at), junk, b.subarray(at)]);
    },
    (b) => Buffer.concat([b.subarray(0, int(b.length + 1)), pick(corpus).subarray(int(64))]),
    (b) => Buffer.concat([b, b]),
  ];
}

/** A datagram of random parts with random payloads (often almost well-formed). */
function randomParts(rand: () => number): Buffer {
  const int = (n: number): number => Math.floor(rand() * n);
  const parts: Buffer[] = [];
  for (let i = int(12); i >= 0; i--) {
    const type = PART_TYPES[int(PART_TYPES.length)];
    const payload = Buffer.from(Array.from({ length: int(40) }, () => (rand() < 0.5 ? 0 : int(256))));
    if (type === PART.VALUES && payload.length >= 2) payload.writeUInt16BE(int(5), 0);
    parts.push(part(type, payload, rand() < 0.9 ? 4 + payload.length : int(0x10000)));
  }
  return Buffer.concat(parts);
}

function checkInvariants(r: BinaryParseResult, input: Buffer): void {
  expect(r.records.length).toBeGreaterThanOrEqual(r.valueLists);
  expect(r.events).toHaveLength(r.notifications);
  for (const rej of r.rejected) {
    expect(rej.code in COLLECTD_BINARY_CODES).toBe(true);
    expect(rej.offset).toBeGreaterThanOrEqual(0);
    expect(rej.offset).toBeLessThanOrEqual(input.length);
    expect(rej.message.startsWith('cannot ')).toBe(true);
  }
  for (const rec of r.records) expect(typeof rec.ts).toBe('number');
}

/**
 * Runs `iterations` cases from `seed`; returns a digest of the outcomes (for the determinism check)
 * and the rejection codes reached (to show the mutations get past the first checks).
 */
function run(seed: number, iterations: number): { digest: string; codes: Set<string> } {
  const codes = new Set<string>();
  const rand = seededRandom(seed);
  const int = (n: number): number => Math.floor(rand() * n);
  const muts = mutators(rand);
  let digest = 0;
  for (let i = 0; i < iterations; i++) {
    let input: Buffer;
    const mode = int(10);
    if (mode === 0) input = Buffer.from(Array.from({ length: int(600) }, () => (rand() < 0.3 ? 0 : int(256))));
    else if (mode === 1) input = randomParts(rand);
    else if (mode === 2) {
      // Damage inside a valid signature or encryption, so the region parser sees it.
      const inner = muts[int(muts.length)](plain[int(plain.length)]);
      input = rand() < 0.5 ? signed(inner, 'alice', 's3cret-sign') : encrypted(inner, 'bob', 's3cret-encrypt', Buffer.alloc(16, i & 0xff));
    } else {
      input = corpus[int(corpus.length)];
      for (let k = 1 + int(3); k > 0; k--) input = muts[int(muts.length)](input);
    }
    input = input.subarray(0, MAX_BYTES);
    const c = contexts[i % contexts.length];
    let r: BinaryParseResult;
    try {
      r = parseCollectdPacket(input, c);
    } catch (err) {
      expect.soft(err, `seed ${seed} iteration ${i}`).toBeInstanceOf(ParseError);
      throw new Error(`parser threw at seed ${seed} iteration ${i} on ${input.toString('hex')}`, { cause: err });
    }
    checkInvariants(r, input);
    for (const rej of r.rejected) codes.add(rej.code);
    digest = (Math.imul(digest, 31) + r.records.length * 7 + r.rejected.length * 13 + r.events.length) | 0;
  }
  return { digest: digest.toString(16), codes };
}

describe('parseCollectdPacket fuzzing', () => {
  it(`survives ${ITERATIONS} random and mutated datagrams (seed ${SEED.toString(16)})`, () => {
    const started = performance.now();
    const { codes } = run(SEED, ITERATIONS);
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(codes.size, [...codes].sort().join(' ')).toBeGreaterThanOrEqual(16);
  }, 20_000);

  it('is deterministic for a seed', () => {
    expect(run(SEED + 1, 300).digest).toBe(run(SEED + 1, 300).digest);
  });
});
