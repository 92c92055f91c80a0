import { describe, expect, it } from 'vitest';
import { counterIncrease, rateOf } from './rates.ts';

describe('counterIncrease', () => {
  it.each([
    ['plain increase', 10n, 25n, 15n],
    ['no change', 7n, 7n, 0n],
    ['32-bit wrap (collectd capture)', 4294967290n, 5n, 11n],
    ['64-bit wrap', 18446744073709551610n, 4n, 10n],
    ['64-bit at the top', 18446744073709551615n, 0n, 1n],
  ])('%s', (_name, prev, cur, want) => {
    expect(counterIncrease(prev, cur)).toBe(want);
  });

  it.each([
    ['32-bit value dropping far (reset)', 1000000000n, 10n],
    ['64-bit value dropping to zero (reset)', 1n << 40n, 0n],
  ])('%s is unknown', (_name, prev, cur) => {
    expect(counterIncrease(prev, cur)).toBeUndefined();
  });
});

describe('rateOf', () => {
  it.each([
    ['counter over 1 s', 'counter', { raw: 4294967290n, ts: 1000 }, 5n, 2000, 11],
    ['counter over 10 s', 'counter', { raw: 100n, ts: 0 }, 600n, 10_000, 50],
    ['derive', 'derive', { raw: -100n, ts: 0 }, 100n, 2000, 100],
    ['absolute with previous', 'absolute', { raw: 1n, ts: 0 }, 30n, 10_000, 3],
    ['absolute first reading uses the interval', 'absolute', undefined, 30n, 10_000, 3],
  ] as const)('%s', (_name, kind, prev, raw, ts, want) => {
    expect(rateOf(kind, prev, raw, ts, 10_000)).toBeCloseTo(want, 9);
  });

  it.each([
    ['first counter sample', 'counter', undefined, 5n, 1000],
    ['derive decrease is a reset', 'derive', { raw: 100n, ts: 0 }, 40n, 1000],
    ['out of order sample', 'counter', { raw: 1n, ts: 5000 }, 2n, 4000],
    ['duplicate time', 'derive', { raw: 1n, ts: 5000 }, 2n, 5000],
  ] as const)('%s is NaN', (_name, kind, prev, raw, ts) => {
    expect(rateOf(kind, prev, raw, ts, 1000)).toBeNaN();
  });
});
