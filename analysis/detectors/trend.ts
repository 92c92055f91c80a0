import { surpriseFromZ } from './calibration.ts';
import type { Core } from './core.ts';
import { clip, delayedLearn, newDelayedNorm, normZ, type DelayedNorm } from './online.ts';
import { AnomalyKind } from './types.ts';

/** Forgetting factors of the two weighted regressions: effective windows of about 2/(1−λ) = 96 and 480 points. */
const LAMBDAS = [1 - 1 / 48, 1 - 1 / 240] as const;
/** Each slope is queued every window/8 points and learned 8 queued values later (one window late). */
const EVERY = [12, 60] as const;
const DEPTH = 8;
/** Two slopes are looked at: each needs to be twice as unlikely. */
const SCALES_PENALTY = Math.log10(LAMBDAS.length);
const WARMUP = 150;
/** After this many points of one episode the norms learn again (a new steady slope becomes normal). */
const ADAPT_POINTS = 500;

/** Exponentially weighted sums of 1, x, x², y, x·y, with x = 0 at the newest point (older points negative). */
export interface Sums {
  sw: number;
  sx: number;
  sxx: number;
  sy: number;
  sxy: number;
}

export interface TrendState {
  /** One set of sums and one (late-learning) norm of the slope per forgetting factor. */
  sums: Sums[];
  norms: DelayedNorm[];
  /** Value subtracted from y so the sums stay small (the first level seen). */
  ref: number | null;
}

/** The sums after adding y at x = 0, every older point moving one step back. */
function advance(s: Sums, y: number, l: number): Sums {
  return {
    sw: l * s.sw + 1,
    sx: l * (s.sx - s.sw),
    sxx: l * (s.sxx - 2 * s.sx + s.sw),
    sy: l * s.sy + y,
    sxy: l * (s.sxy - s.sy),
  };
}

function slopeOf(s: Sums): number {
  const den = s.sw * s.sxx - s.sx * s.sx;
  return den > 0 ? (s.sw * s.sxy - s.sx * s.sy) / den : 0;
}

/** The deseasonalised value, its residual clipped at 3σ, relative to the first level. */
function yOf(ref: number | null, x: { expected: number; p: number; rs: number; sSigma: number }): number {
  return x.expected - x.p + clip(x.rs, -3 * x.sSigma, 3 * x.sSigma) - (ref ?? 0);
}

const emptySums = (): Sums => ({ sw: 0, sx: 0, sxx: 0, sy: 0, sxy: 0 });

/**
 * Trend changes: the slope of the deseasonalised series departs from its usual range (a leak that starts,
 * traffic that starts draining), over the last ~100 points and over the last ~500.
 *
 * - Statistic: slopes of two exponentially weighted least-squares lines (λ = 1 − 1/48 and 1 − 1/240)
 *   through the deseasonalised values (outliers clipped at 3σ), each standardised by its own learned centre
 *   and spread ({@link Norm}), so a series that usually wanders needs a steeper ramp; the larger surprise,
 *   less log10 2, counts.
 * - Assumes: a trend is steady over tens to hundreds of points; slower ramps are for capacity reports. A
 *   level shift also tilts the lines for a while: `level-shift` flags it first and it falls in the same episode.
 * - Warm-up: 150 values. Cost: O(1) time, 17 numbers.
 * - Reference: exponentially weighted regression, Brown 1963, "Smoothing, Forecasting and Prediction".
 *
 * @example A flat series (σ = 1) that starts rising by 0.1 per point scores above 0.5 within ~20 points.
 */
export const trendCore: Core<TrendState> = {
  name: 'trend',
  onValues: true,
  ensemblePenalty: 1,
  init: () => ({ sums: LAMBDAS.map(emptySums), norms: LAMBDAS.map(newDelayedNorm), ref: null }),
  measure(s, row, b) {
    const x = row.x;
    if (x === null || b.n < WARMUP) return { surprise: 0, kind: AnomalyKind.trend };
    const y = yOf(s.ref, x);
    let best = 0;
    LAMBDAS.forEach((l, k) => {
      if (s.norms[k].n < 30) return;
      const z = normZ(s.norms[k], slopeOf(advance(s.sums[k], y, l)), 1e-4 * x.sSigma);
      best = Math.max(best, surpriseFromZ(z) - SCALES_PENALTY);
    });
    return { surprise: best, kind: AnomalyKind.trend };
  },
  learn(s, row, b, ep) {
    const x = row.x;
    if (x === null) return;
    if (s.ref === null) s.ref = x.expected;
    const y = yOf(s.ref, x);
    const learnNorm = b.n >= WARMUP / 2 && (!ep.on || ep.len > ADAPT_POINTS);
    LAMBDAS.forEach((l, k) => {
      s.sums[k] = advance(s.sums[k], y, l);
      if (learnNorm) delayedLearn(s.norms[k], slopeOf(s.sums[k]), EVERY[k], DEPTH, 1 / 1000, 1e-4 * x.sSigma);
    });
  },
};
