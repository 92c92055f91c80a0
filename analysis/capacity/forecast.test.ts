import { describe, expect, it } from 'vitest';
import { createRandom } from '../eval/random.ts';
import { backtestErrors, fitForecastModel, forecast } from './forecast.ts';
import { detectLevelShift } from './level-shift.ts';
import { theilSenSlope } from './robust.ts';
import { candidatePeriods, estimateSeasonal } from './seasonal.ts';

const HOUR = 3_600_000;

/** Hourly series: 100 + slope·i + 20·sin(daily) + N(0, noise²), `days` days plus `extra` points. */
function planted(seed: number, days: number, opts: { slope?: number; noise?: number; amp?: number } = {}): { y: (number | null)[]; truth: (i: number) => number } {
  const { slope = 0.1, noise = 2, amp = 20 } = opts;
  const rng = createRandom(seed);
  const truth = (i: number): number => 100 + slope * i + amp * Math.sin((2 * Math.PI * i) / 24);
  return { y: Array.from({ length: days * 24 }, (_, i) => truth(i) + noise * rng.normal()), truth };
}

describe('pieces', () => {
  it.each([
    ['hourly, 3 weeks', HOUR, 504, { daily: 24, weekly: 168 }],
    ['hourly, 10 days: no weekly', HOUR, 240, { daily: 24 }],
    ['11 minutes: no whole period', 11 * 60_000, 5000, {}],
    ['daily steps, 3 weeks', 24 * HOUR, 21, { weekly: 7 }],
  ])('candidatePeriods: %s', (_, step, n, expected) => {
    expect(candidatePeriods(step, n)).toEqual(expected);
  });

  it('theilSenSlope ignores an outlier and missing points', () => {
    expect(theilSenSlope([1, 2, 3, 100, 5, null, 7, 8], 4)).toBe(1);
  });

  it('detectLevelShift finds the latest shift and nothing on pure noise', () => {
    const rng = createRandom(3);
    const noise = Array.from({ length: 300 }, () => rng.normal());
    expect(detectLevelShift(noise, 24, 1, 0, 6)).toBe(0);
    const shifted = noise.map((x, i) => x + (i >= 100 ? 10 : 0) + (i >= 220 ? -10 : 0));
    expect(Math.abs(detectLevelShift(shifted, 24, 1, 0, 6) - 220)).toBeLessThanOrEqual(3);
  });

  it('estimateSeasonal keeps a daily profile when there is one, and none on noise', () => {
    expect(estimateSeasonal(planted(1, 14).y, HOUR).periods).toEqual([24]);
    expect(estimateSeasonal(planted(1, 14, { amp: 0, slope: 0 }).y, HOUR).periods).toEqual([]);
  });
});

describe('forecast', () => {
  it('recovers a planted linear trend and daily seasonality', () => {
    const { y, truth } = planted(1, 21);
    const f = forecast(y, HOUR, 48, 0.8);
    expect(f.forecast).toHaveLength(48);
    const errs = f.forecast.map((v, h) => Math.abs(v - truth(y.length + h)));
    expect(Math.max(...errs)).toBeLessThan(2.5);
    expect(fitForecastModel(y, HOUR).slope).toBeCloseTo(0.1, 1);
  });

  it('gives intervals with roughly the right coverage on noise', () => {
    let in80 = 0;
    let in95 = 0;
    let k = 0;
    for (let seed = 1; seed <= 12; seed++) {
      const { y } = planted(seed, 26, { slope: 0.05 });
      const hist = y.slice(0, 20 * 24);
      const f80 = forecast(hist, HOUR, 24, 0.8);
      const f95 = forecast(hist, HOUR, 24, 0.95);
      y.slice(hist.length, hist.length + 24).forEach((a, h) => {
        in80 += (a as number) >= f80.lower[h] && (a as number) <= f80.upper[h] ? 1 : 0;
        in95 += (a as number) >= f95.lower[h] && (a as number) <= f95.upper[h] ? 1 : 0;
        k++;
      });
      expect(f95.upper[0] - f95.lower[0]).toBeGreaterThan(f80.upper[0] - f80.lower[0]);
    }
    expect(in80 / k).toBeGreaterThan(0.7);
    expect(in80 / k).toBeLessThan(0.95);
    expect(in95 / k).toBeGreaterThan(0.88);
  });

  it('is not moved by an outlier and fits after a level shift', () => {
    const { y, truth } = planted(2, 21);
    const clean = forecast(y, HOUR, 24, 0.8).forecast;
    const spiked = [...y];
    spiked[y.length - 3] = 10_000;
    expect(Math.max(...forecast(spiked, HOUR, 24, 0.8).forecast.map((v, h) => Math.abs(v - clean[h])))).toBeLessThan(1);
    const shifted = y.map((v, i) => (i >= y.length - 72 ? (v as number) + 50 : v));
    const m = fitForecastModel(shifted, HOUR);
    expect(m.shift).toBe(true);
    expect(Math.abs(m.fitFrom - (y.length - 72))).toBeLessThanOrEqual(3);
    const f = forecast(shifted, HOUR, 24, 0.8).forecast;
    expect(Math.max(...f.map((v, h) => Math.abs(v - truth(y.length + h) - 50)))).toBeLessThan(5);
  });

  it('tolerates missing points', () => {
    const { y, truth } = planted(4, 21);
    const holes = y.map((v, i) => (i % 17 === 0 || i === y.length - 1 ? null : v));
    const f = forecast(holes, HOUR, 24, 0.8).forecast;
    expect(Math.max(...f.map((v, h) => Math.abs(v - truth(y.length + h))))).toBeLessThan(3);
  });

  it('is causal: the forecast and the backtest use only the history given', () => {
    const { y } = planted(5, 21);
    const hist = y.slice(0, 400);
    const a = forecast(hist, HOUR, 24, 0.8);
    const later = [...y];
    for (let i = 400; i < later.length; i++) later[i] = 1e6;
    expect(forecast(later.slice(0, 400), HOUR, 24, 0.8)).toEqual(a);
    expect(backtestErrors(hist, HOUR, 24).every((e) => Number.isFinite(e.error) && Math.abs(e.error) < 50)).toBe(true);
  });
});

describe('forecast failures', () => {
  it.each([
    ['too few values', [1, null, 2], HOUR, 5, 0.8, /3 or more/],
    ['horizon 0', [1, 2, 3, 4], HOUR, 0, 0.8, /horizon/],
    ['level 1', [1, 2, 3, 4], HOUR, 5, 1, /level/],
    ['step 0', [1, 2, 3, 4], 0, 5, 0.8, /step/],
  ])('%s', (_, values, step, horizon, level, message) => {
    expect(() => forecast(values as (number | null)[], step as number, horizon as number, level as number)).toThrow(message as RegExp);
  });
});
