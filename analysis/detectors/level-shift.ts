import { rebase } from './baseline.ts';
import { surpriseFromZ } from './calibration.ts';
import type { Core } from './core.ts';
import { clip, delayedLearn, median, newDelayedNorm, normZ, type DelayedNorm } from './online.ts';
import { AnomalyKind } from './types.ts';

/** Smoothing of the short mean of residuals (half-life ≈ 4.5 points). */
const SHORT_ALPHA = 1 / 7;
/** Residuals kept to measure the new level once a shift is flagged. */
const RECENT = 5;
/** Points of an episode during which the baseline is moved to the new level. */
const REBASE_POINTS = 5;
/** After this many points of one episode the norm learns again (the change is the new normal). */
const ADAPT_POINTS = 200;
const WARMUP = 40;
/** Learned values of m (one per 4 points) before the norm is trusted. */
const NORM_WARMUP = 40;

export interface LevelShiftState {
  /** Short exponentially weighted mean of the clipped residuals from the slow expectation. */
  m: number;
  /** Centre and spread of m, learned 32 points late. */
  norm: DelayedNorm;
  /** The last residuals (ring) and the next index. */
  recent: number[];
  ri: number;
}

function shortMean(s: LevelShiftState, rs: number, sigma: number): number {
  return s.m + SHORT_ALPHA * (clip(rs, -4 * sigma, 4 * sigma) - s.m);
}

/**
 * Level shifts: the recent mean of the residuals from the slow expectation (six-hour level plus the
 * daily profile when the series has one) moves away from its usual range.
 *
 * - Statistic: m = EWMA(α = 1/7) of residuals clipped at 4σ (a single outlier moves m by at most 0.6σ),
 *   standardised by a self-learned centre and spread of m ({@link Norm}), so autocorrelated series are
 *   judged by their own wander, not by a white-noise formula. A CUSUM/EWMA control chart in effect.
 * - Adapts: in the first {@link REBASE_POINTS} points of an episode, the baseline is moved to the median
 *   of the last five residuals, so a permanent shift stops scoring within a few points and the next
 *   change is judged from the new level. A temporary shift scores again when it ends.
 * - Warm-up: 40 values. Cost: O(1) time, 9 numbers.
 * - Reference: Page 1954 (CUSUM); Roberts 1959 (EWMA charts); Lucas & Saccucci 1990.
 *
 * @example A series at 10 ± 1 that moves to 14 ± 1 scores above 0.5 within about four points.
 */
export const levelShiftCore: Core<LevelShiftState> = {
  name: 'level-shift',
  onValues: true,
  init: () => ({ m: 0, norm: newDelayedNorm(), recent: [], ri: 0 }),
  measure(s, row, b) {
    const x = row.x;
    if (x === null || b.n < WARMUP || s.norm.n < NORM_WARMUP) return { surprise: 0, kind: AnomalyKind.levelShift };
    const m = shortMean(s, x.rs, x.sSigma);
    return { surprise: surpriseFromZ(normZ(s.norm, m, 0.05 * x.sSigma)), kind: AnomalyKind.levelShift };
  },
  learn(s, row, b, ep) {
    const x = row.x;
    if (x === null) return;
    s.m = shortMean(s, x.rs, x.sSigma);
    if (s.recent.length < RECENT) s.recent.push(x.rs);
    else s.recent[s.ri] = x.rs;
    s.ri = (s.ri + 1) % RECENT;
    if (ep.on && ep.len <= REBASE_POINTS && s.recent.length === RECENT) {
      const delta = median(s.recent);
      if (Math.abs(delta) > 0.5 * x.sSigma) {
        rebase(b, delta);
        for (let i = 0; i < s.recent.length; i++) s.recent[i] -= delta;
        s.m = s.norm.mean;
      }
    }
    if (!ep.on || ep.len > ADAPT_POINTS) delayedLearn(s.norm, s.m, 4, 8, 1 / 500, 0.05 * x.sSigma);
  },
};
