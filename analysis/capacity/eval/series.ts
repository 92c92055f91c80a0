// Synthetic capacity series for `npm run eval:forecast`: fleet-like traffic with daily and weekly cycles,
// growth, noise, outliers, missing points and level shifts, from fixed seeds.
import { createRandom } from '../../eval/random.ts';

/** The kinds of series generated; each stresses one part of the forecaster. */
export const FORECAST_PROFILES = ['daily-growth', 'weekly', 'outliers', 'level-shift', 'trend-only', 'heavy-tail'] as const;
export type ForecastProfile = (typeof FORECAST_PROFILES)[number];

/** One evaluation series: history then `horizon` held-out points; `season` is the seasonal-naive lag. */
export interface ForecastCase {
  readonly profile: ForecastProfile;
  readonly seed: number;
  readonly stepMs: number;
  readonly values: (number | null)[];
  readonly horizon: number;
  readonly season: number;
}

const HOUR = 3_600_000;

/**
 * Generates the series of `profile` for `seed`: the same arguments give the same series everywhere.
 * Traffic-like shape: base × (1 + growth·t) + a daily curve (two harmonics, peak in the evening), lower
 * on weekends for 'weekly', Gaussian noise (Student t₃ for 'heavy-tail'), 1 % missing points.
 */
export function generateForecastCase(profile: ForecastProfile, seed: number): ForecastCase {
  const rng = createRandom(seed * 7919 + FORECAST_PROFILES.indexOf(profile));
  const stepMs = profile === 'weekly' ? HOUR : profile === 'trend-only' ? 5 * 60_000 : 15 * 60_000;
  const perDay = 86_400_000 / stepMs;
  const days = profile === 'weekly' ? 42 : profile === 'trend-only' ? 5 : 21;
  const horizon = profile === 'weekly' ? 7 * perDay : perDay;
  const n = days * perDay + horizon;
  const base = rng.uniform(50, 500);
  const growth = rng.uniform(0, 0.01) / perDay; // up to 1 %/day
  const amp = profile === 'trend-only' ? 0 : rng.uniform(0.2, 0.5);
  const noise = rng.uniform(0.02, 0.06) * base;
  const phase = rng.uniform(0, 2 * Math.PI);
  const shiftAt = profile === 'level-shift' ? Math.floor(days * perDay * rng.uniform(0.6, 0.9)) : Infinity;
  const shift = rng.pick([-1, 1]) * rng.uniform(0.15, 0.3) * base;
  const values: (number | null)[] = [];
  for (let i = 0; i < n; i++) {
    const x = (2 * Math.PI * (i % perDay)) / perDay;
    const daily = amp * (Math.sin(x + phase) + 0.3 * Math.sin(2 * x + 2 * phase));
    const weekday = Math.floor(i / perDay) % 7;
    const weekend = profile === 'weekly' && weekday >= 5 ? -0.25 : 0;
    let v = base * (1 + growth * i) * (1 + daily + weekend);
    v += (profile === 'heavy-tail' ? rng.studentT(3) : rng.normal()) * noise;
    if (i >= shiftAt) v += shift;
    if (profile === 'outliers' && rng.next() < 0.01) v += rng.pick([-1, 1]) * rng.uniform(5, 15) * noise;
    values.push(rng.next() < 0.01 ? null : v);
  }
  return { profile, seed, stepMs, values, horizon, season: profile === 'weekly' ? 7 * perDay : perDay };
}
