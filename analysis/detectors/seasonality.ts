import { surpriseFromZ } from './calibration.ts';
import type { Core } from './core.ts';
import { clip, delayedLearn, newDelayedNorm, normZ, type DelayedNorm } from './online.ts';
import { AnomalyKind } from './types.ts';

/** The profile must carry at least this weight in the expectation for the detector to run. */
const MIN_WEIGHT = 0.9;
/** Half-life of the weighted sums: three hours of points, at least 12 points. */
const HALF_LIFE_MS = 3 * 3_600_000;
const WARMUP = 100;

export interface SeasonalityState {
  /** Exponentially weighted Σ p², Σ r·p and Σ (weight·p)² (for the variance of Σ r·p). */
  spp: number;
  srp: number;
  sqq: number;
  /** Centre and spread of the z of β, learned 64 points late. */
  norm: DelayedNorm;
}

function lambda(interval: number): number {
  const points = interval > 0 ? Math.max(12, HALF_LIFE_MS / interval) : 12;
  return Math.pow(0.5, 1 / points);
}

interface Sums {
  spp: number;
  srp: number;
  sqq: number;
}

function advance(s: Sums, r: number, p: number, l: number): Sums {
  return { spp: l * s.spp + p * p, srp: l * s.srp + r * p, sqq: l * l * s.sqq + p * p };
}

/** z of the regression coefficient of residuals on the profile, for white residuals of σ `sigma`. */
function zOf(s: Sums, sigma: number): number {
  return s.sqq > 0 ? s.srp / (sigma * Math.sqrt(s.sqq)) : 0;
}

/**
 * Broken daily or weekly seasonality: the residuals from the seasonal expectation start to follow the
 * profile itself. A flattened day (a stuck balancer: the series stays at its mean) gives residuals equal to
 * minus the profile; a doubled peak gives plus the profile; a phase shift gives a negative share.
 *
 * - Statistic: β = Σ λᵏ r·p / Σ λᵏ p², the weighted regression of residuals r on the profile value p over
 *   the last ~3 hours, as a z-score for white residuals, then standardised by its own learned spread.
 * - Assumes: a daily profile is learned (the baseline keeps 48 half-hour slots for weekdays and 48 for
 *   weekends) and explains the series (its weight in the expectation ≥ 0.9: at least a day of history and
 *   residuals well below the plain level's). A weekday shape on a weekend reads here or as a level shift.
 * - Warm-up: two days of data, then 100 values with a profile. Cost: O(1) time, 6 numbers (plus the
 *   baseline's 192 profile numbers).
 * - Reference: Cleveland et al. 1990 (STL) for the decomposition; Holt–Winters for online profiles.
 *
 * @example With 2½ weeks of history, a daily cycle of ±30 (noise σ = 2, 5-minute points) that goes flat
 *   scores above 0.5 within six hours.
 */
export const seasonalityCore: Core<SeasonalityState> = {
  name: 'seasonality',
  onValues: true,
  ensemblePenalty: 0.5,
  init: () => ({ spp: 0, srp: 0, sqq: 0, norm: newDelayedNorm() }),
  measure(s, row, b) {
    const x = row.x;
    if (x === null || x.w < MIN_WEIGHT || s.norm.n < WARMUP / 8) return { surprise: 0, kind: AnomalyKind.seasonality };
    const next = advance(s, clip(x.rs, -4 * x.sSigma, 4 * x.sSigma), x.p / x.w, lambda(b.interval));
    return { surprise: surpriseFromZ(normZ(s.norm, zOf(next, x.sSigma), 0.3)), kind: AnomalyKind.seasonality };
  },
  learn(s, row, b, ep) {
    const x = row.x;
    if (x === null || x.w < MIN_WEIGHT) return;
    Object.assign(s, advance(s, clip(x.rs, -4 * x.sSigma, 4 * x.sSigma), x.p / x.w, lambda(b.interval)));
    if (!ep.on) delayedLearn(s.norm, zOf(s, x.sSigma), 8, 8, 1 / 1000, 0.3, true);
  },
};
