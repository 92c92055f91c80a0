import { describe, expect, it } from 'vitest';
import { GRACE_POINTS, judge } from './evaluate.ts';
import { generateSeries, profilesFor, type LabelledSeries } from './generate.ts';
import { EVAL_KINDS, PROFILES } from './profiles.ts';
import { createRandom } from './random.ts';

describe('generateSeries', () => {
  it('is deterministic', () => {
    expect(generateSeries('cpu-percent', 'level_shift', 7)).toEqual(generateSeries('cpu-percent', 'level_shift', 7));
    expect(generateSeries('cpu-percent', 'level_shift', 7).v).not.toEqual(generateSeries('cpu-percent', 'level_shift', 8).v);
  });

  it.each(EVAL_KINDS.flatMap((k) => profilesFor(k).map((p) => [k, p] as const)))('%s on %s: labelled windows inside the series, rows in time order', (kind, profile) => {
    const s = generateSeries(profile, kind, 3);
    expect(s.windows).toHaveLength(3);
    for (const w of s.windows) {
      expect(w.kind).toBe(kind);
      expect(w.start).toBeGreaterThan(s.t.length * 0.4);
      expect(w.end).toBeGreaterThanOrEqual(w.start);
      expect(w.end).toBeLessThan(s.t.length);
    }
    for (let i = 1; i < s.t.length; i++) expect(s.t[i]).toBeGreaterThan(s.t[i - 1]);
    expect(s.v.every((v) => v === null || Number.isFinite(v))).toBe(true);
  });

  it('injects what the labels say', () => {
    const flat = generateSeries('web-rps', 'flatline', 4);
    for (const w of flat.windows) expect(new Set(flat.v.slice(w.start - 1, w.end + 1)).size).toBe(1);
    const missing = generateSeries('cpu-percent', 'missing', 4);
    const clean = generateSeries('cpu-percent', 'clean', 4);
    for (const w of missing.windows) {
      const nulls = w.note.includes('empty');
      if (nulls) expect(missing.v.slice(w.start, w.end + 1).every((v) => v === null)).toBe(true);
      else expect(missing.t[w.start] - missing.t[w.start - 1]).toBeGreaterThan(2 * clean.intervalMs);
    }
    expect(missing.t.length).toBeLessThanOrEqual(clean.t.length);
    expect(clean.windows).toEqual([]);
  });

  it('refuses unknown profiles and kinds that do not apply', () => {
    expect(() => generateSeries('toaster', 'spike', 1)).toThrow('unknown profile "toaster"');
    expect(() => generateSeries('disk-used', 'seasonality', 1)).toThrow('kind seasonality does not apply to profile disk-used');
    expect(PROFILES.every((p) => p.kinds.length > 0)).toBe(true);
  });
});

describe('judge', () => {
  const series: LabelledSeries = {
    id: 'x',
    profile: 'x',
    kind: 'spike',
    intervalMs: 60_000,
    t: Array.from({ length: 100 }, (_, i) => i * 60_000),
    v: Array.from({ length: 100 }, () => 1),
    windows: [{ kind: 'spike', start: 50, end: 52, note: '' }],
  };
  const scores = (hot: number[]): number[] => series.t.map((_, i) => (hot.includes(i) ? 0.9 : 0));

  it.each<[string, number[], number[], number]>([
    ['a hit in the window', [51], [1], 0],
    ['a hit in the grace after it', [52 + GRACE_POINTS], [GRACE_POINTS + 2], 0],
    ['a miss, and an alert elsewhere', [10], [], 1],
    ['an alert just before the window is false', [49], [], 1],
    ['two alerts far apart outside', [10, 80], [], 2],
  ])('%s', (_name, hot, delays, falseAlerts) => {
    const r = judge(series, scores(hot), 0.5);
    expect(r.delays).toEqual(delays);
    expect(r.falseAlerts).toBe(falseAlerts);
  });
});

describe('createRandom', () => {
  it('draws reproducible, roughly standard normals and Poisson counts', () => {
    const rng = createRandom(1);
    const xs = Array.from({ length: 20_000 }, () => rng.normal());
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(sd - 1)).toBeLessThan(0.03);
    const ps = Array.from({ length: 20_000 }, () => rng.poisson(3));
    expect(ps.reduce((a, b) => a + b, 0) / ps.length).toBeCloseTo(3, 1);
    expect(createRandom(9).next()).toBe(createRandom(9).next());
  });
});
