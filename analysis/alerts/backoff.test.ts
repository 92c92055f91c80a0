import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.ts';

const opts = { initialMs: 1_000, maxMs: 60_000 };

describe('backoffDelay', () => {
  it.each([
    // failures, random, retryAfterMs, expected
    [1, 0, undefined, 500],
    [1, 1, undefined, 1_000],
    [2, 0.5, undefined, 1_500],
    [3, 0.5, undefined, 3_000],
    [6, 1, undefined, 32_000],
    [7, 0, undefined, 30_000], // step capped at 60 s, lower half
    [7, 1, undefined, 60_000],
    [1000, 1, undefined, 60_000], // no overflow
    [1, 0, 10_000, 10_000], // Retry-After raises the wait
    [1, 0, 600_000, 60_000], // …but never beyond the cap
    [5, 1, 100, 16_000], // a short Retry-After does not shorten it
  ] as const)('failures %i, random %d, Retry-After %s → %i ms', (failures, r, retryAfter, expected) => {
    expect(backoffDelay(failures, opts, () => r, retryAfter)).toBe(expected);
  });

  it('stays within [step/2, step] over many draws', () => {
    for (let i = 0; i < 200; i++) {
      const d = backoffDelay(4, opts);
      expect(d).toBeGreaterThanOrEqual(4_000);
      expect(d).toBeLessThanOrEqual(8_000);
    }
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses failures = %d', (failures) => {
    expect(() => backoffDelay(failures, opts)).toThrow(/failures must be a positive integer/);
  });
});
