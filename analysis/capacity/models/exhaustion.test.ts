import { describe, expect, it } from 'vitest';
import { createRandom } from '../../eval/random.ts';
import { DAY_MS, headroom, timeToExhaustion, type UsagePoint } from './exhaustion.ts';

const T0 = Date.UTC(2025, 0, 1);

/** Daily points of `trend(day)` plus normal noise of sd `noise`, with `spikes` added on given days. */
function series(days: number, trend: (d: number) => number, noise: number, seed: number, spikes: Record<number, number> = {}): UsagePoint[] {
  const rnd = createRandom(seed);
  return Array.from({ length: days }, (_v, d) => ({ t: T0 + d * DAY_MS, used: trend(d) + noise * rnd.normal() + (spikes[d] ?? 0) }));
}

/** 4 GB/day from 500 GB; a cleanup frees 250 GB on day 45; a +200 GB outlier on day 60; 70 days, noise 3. */
const cleanup = (): UsagePoint[] => series(70, (d) => (d < 45 ? 500 : 250) + 4 * d, 3, 2, { 60: 200 });

describe('timeToExhaustion on planted truth', () => {
  // truth = days from the last point until the planted trend line reaches capacity.
  it.each([
    { name: 'steady 5 GB/day, noise 3', pts: series(60, (d) => 400 + 5 * d, 3, 1), cap: 1000, truth: (1000 - 695) / 5, shiftDay: undefined },
    {
      name: 'cleanup drops 250 GB on day 45, outlier +200 on day 60',
      pts: cleanup(),
      cap: 1000,
      truth: (1000 - (250 + 4 * 69)) / 4,
      shiftDay: 45,
    },
    {
      name: 'migration adds 300 GB on day 40, then 2 GB/day, two outliers',
      pts: series(90, (d) => (d < 40 ? 200 : 500) + 2 * d, 2, 3, { 60: -120, 75: 90 }),
      cap: 2000,
      truth: (2000 - (500 + 2 * 89)) / 2,
      shiftDay: 40,
    },
    {
      name: 'hourly points over 3 weeks, 0.5 %/day of a 10 TB array, noise 20 GB',
      pts: Array.from({ length: 21 * 24 }, (_v, h) => ({ t: T0 + h * 3_600_000, used: 6000 + 50 * (h / 24) + 20 * createRandom(h + 7).normal() })),
      cap: 10_000,
      truth: (10_000 - (6000 + 50 * ((21 * 24 - 1) / 24))) / 50,
      shiftDay: undefined,
    },
  ])('$name', ({ pts, cap, truth, shiftDay }) => {
    const r = timeToExhaustion(pts, cap);
    if (r.kind !== 'exhausts') throw new Error(`expected an exhaustion date, got ${r.reason}: ${r.why}`);
    expect(Math.abs(r.daysToFull - truth)).toBeLessThanOrEqual(0.1 * truth);
    expect(r.low).toBeLessThanOrEqual(truth);
    expect(r.high).toBeGreaterThanOrEqual(truth);
    expect(r.low).toBeLessThan(r.daysToFull);
    expect(r.high).toBeGreaterThan(r.daysToFull);
    expect(r.fullAt).toBeCloseTo(pts[pts.length - 1].t + r.daysToFull * DAY_MS, -3);
    expect(r.level).toBe(0.95);
    expect(r.regime.shiftAt).toBe(shiftDay === undefined ? undefined : T0 + shiftDay * DAY_MS);
  });

  // Before the cleanup is the majority of the points: outlier trimming alone would follow the old regime.
  it('the cleanup scenario is wrong without level-shift detection (so the shift test can fail)', () => {
    const truth = (1000 - (250 + 4 * 69)) / 4;
    const r = timeToExhaustion(cleanup(), 1000, { shiftK: 1e9 });
    expect(r.kind === 'exhausts' && Math.abs(r.daysToFull - truth) > 0.1 * truth).toBe(true);
  });

  it('drops the outlier', () => {
    const r = timeToExhaustion(cleanup(), 1000);
    expect(r.regime.outliers).toBe(1);
    expect(r.regime.points).toBe(25);
  });

  it('is exact on a noiseless line, with a zero-width range, counting from `now`', () => {
    const pts = series(30, (d) => 500 + 10 * d, 0, 1);
    const r = timeToExhaustion(pts, 1000, { now: T0 + 30 * DAY_MS });
    expect(r).toMatchObject({ kind: 'exhausts', slopePerDay: expect.closeTo(10, 9) });
    if (r.kind !== 'exhausts') return;
    expect(r.daysToFull).toBeCloseTo(20, 9); // 790 at day 29; 1000 at day 50 = 20 days after day 30
    expect(r.low).toBeCloseTo(20, 9);
    expect(r.high).toBeCloseTo(20, 9);
    expect(r.fullAt).toBe(T0 + 50 * DAY_MS);
  });

  it('gives the same answer for the same input twice, whatever the input order', () => {
    const pts = series(40, (d) => 100 + 3 * d, 2, 9);
    const a = timeToExhaustion(pts, 500);
    expect(timeToExhaustion([...pts].reverse(), 500)).toEqual(a);
  });
});

describe('timeToExhaustion without an exhaustion date', () => {
  it.each([
    { name: 'flat with noise', pts: series(60, () => 500, 5, 4), reason: 'flat' },
    { name: 'shrinking 3 GB/day', pts: series(60, (d) => 800 - 3 * d, 3, 5), reason: 'shrinking' },
    { name: 'three points', pts: series(3, (d) => 100 + 50 * d, 0, 1), reason: 'too-little-data' },
    { name: 'empty', pts: [], reason: 'too-little-data' },
    { name: 'only 6 points since a cleanup', pts: series(40, (d) => (d < 34 ? 600 : 100) + 5 * d, 2, 6), reason: 'too-little-data' },
    { name: 'one timestamp', pts: Array.from({ length: 10 }, (_v, i) => ({ t: T0, used: i })), reason: 'too-little-data' },
  ])('$name → $reason', ({ pts, reason }) => {
    const r = timeToExhaustion(pts, 1000);
    expect(r).toMatchObject({ kind: 'none', reason });
    expect(r.kind === 'none' && r.why.length > 0).toBe(true);
  });

  it.each([0, -1, NaN, Infinity])('capacity %s throws a RangeError', (cap) => {
    expect(() => timeToExhaustion(series(10, (d) => d, 0, 1), cap)).toThrow(/cannot compute time to exhaustion: capacity/);
    expect(() => timeToExhaustion(series(10, (d) => d, 0, 1), cap)).toThrow(RangeError);
  });
});

describe('headroom', () => {
  it.each([
    { used: 600, cap: 800, free: 200, fraction: 0.25 },
    { used: 0, cap: 10, free: 10, fraction: 1 },
    { used: 12, cap: 10, free: -2, fraction: -0.2 },
  ])('$used of $cap', ({ used, cap, free, fraction }) => {
    const h = headroom(used, cap);
    expect(h.free).toBeCloseTo(free, 12);
    expect(h.fraction).toBeCloseTo(fraction, 12);
  });

  it.each([0, -5, NaN])('capacity %s throws', (cap) => {
    expect(() => headroom(1, cap)).toThrow(/cannot compute headroom/);
  });
});
