// Deterministic input mutation for the parsers' fuzz tests (STYLE §9).
import { expect } from 'vitest';
import { METRIC_KINDS, type MetricRecord } from '../../../lib/record.ts';
import type { ParseResult } from '../types.ts';
import { mulberry32 } from '../../../lib/random.ts';

/** A seeded PRNG (mulberry32): returns a function giving floats in [0, 1), the same run after run. */
export const seededRandom = mulberry32;

/** Picks an element of a non-empty list. */
export function pick<T>(rng: () => number, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)];
}

/**
 * Applies 1–4 random edits to `input` (flip a character, insert a dictionary token, delete,
 * duplicate or truncate a range) and cuts the result at `cap` characters.
 */
export function mutate(rng: () => number, input: string, dictionary: readonly string[], cap: number): string {
  let s = input;
  const edits = 1 + Math.floor(rng() * 4);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(rng() * (s.length + 1));
    const len = Math.floor(rng() * Math.min(64, s.length - at + 1));
    switch (Math.floor(rng() * 6)) {
      case 0:
        s = s.slice(0, at) + String.fromCharCode(Math.floor(rng() * 128)) + s.slice(at + 1);
        break;
      case 1:
      case 2:
        s = s.slice(0, at) + pick(rng, dictionary) + s.slice(at);
        break;
      case 3:
        s = s.slice(0, at) + s.slice(at + len);
        break;
      case 4:
        s = s.slice(0, at + len) + s.slice(at, at + len) + s.slice(at + len);
        break;
      default:
        s = s.slice(0, at);
    }
  }
  return s.slice(0, cap);
}

/** Random text over `alphabet`, up to `max` characters. */
export function randomText(rng: () => number, alphabet: readonly string[], max: number): string {
  let s = '';
  const n = Math.floor(rng() * max);
  while (s.length < n) s += pick(rng, alphabet);
  return s;
}

/** Checks what every parse result must satisfy, whatever the input was. */
export function expectWellFormed(result: ParseResult, bodyLength: number): void {
  expect(Array.isArray(result.records) && Array.isArray(result.events) && Array.isArray(result.rejected)).toBe(true);
  for (const r of result.records) expectRecord(r);
  for (const e of result.events) expect(Number.isSafeInteger(e.ts) && typeof e.host === 'string' && typeof e.message === 'string').toBe(true);
  for (const r of result.rejected) {
    expect(r.code).toMatch(/^PARSE_ERR_[A-Z_]+$/);
    expect(r.message).toMatch(/^cannot /);
    if (r.offset !== undefined) expect(r.offset >= 0 && r.offset <= bodyLength).toBe(true);
  }
}

function expectRecord(r: MetricRecord): void {
  const ok =
    METRIC_KINDS.includes(r.kind) &&
    Number.isSafeInteger(r.ts) &&
    Number.isSafeInteger(r.interval) &&
    r.interval >= 0 &&
    r.metric !== '' &&
    typeof r.value === 'number' &&
    (Number.isFinite(r.value) || Number.isNaN(r.value)) &&
    (r.kind === 'gauge' ? r.raw === undefined : typeof r.raw === 'bigint' && Number(r.raw) === r.value);
  if (!ok) expect.fail(`malformed record ${String(r.metric)} ${r.kind} ${String(r.value)} ${String(r.raw)}`);
}
