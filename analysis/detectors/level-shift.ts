import { rebase } from './baseline.ts';
import { surpriseFromZ } from './calibration.ts';
import type { Core } from './core.ts';
import { clip, delayedLearn, median, newDelayedNorm, normZ, type DelayedNorm } from './online.ts';
import { AnomalyKind } from './types.ts';

/** Smoothing of the short mean of residuals (half-life ≈ 4.5 points) and of the local reference (≈ 33 points). */
const SHORT_ALPHA = 1 / 7;
const REF_ALPHA = 1 / 48;
/** Two statistics are looked at: each needs to be twice as unlikely. */
const PAIR_PENALTY = Math.log10(2);
/** The change against the local reference reacts to short blips too: it must be ten times as unlikely. */
const LOCAL_PENALTY = 1;
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
  /** Longer mean of the same residuals: the level just before, as a local reference. */
  ref: number;
  /** Centres and spreads of m and of m − ref, learned 32 points late. */
  norm: DelayedNorm;
  normD: DelayedNorm;
  /** The last residuals (ring) and the next index. */
  recent: number[];
  ri: number;
}

function clipped(rs: number, sigma: number): number {
  return clip(rs, -4 * sigma, 4 * sigma);
}

/**
 * Level shifts: the recent mean of the residuals from the slow expectation (six-hour level plus the
 * daily profile when the series has one) moves away from its usual range, or away from where it was
 * just before.
 *
 * - Statistics: m = EWMA(α = 1/7) of residuals clipped at 4σ (a single outlier moves m by at most 0.6σ),
 *   and d = m − ref with ref = EWMA(α = 1/48) of the same residuals (the level just before, so slow
 *   errors of the expectation, such as a profile still being learned, cancel). Each is standardised by
 *   its own learned centre and spread ({@link DelayedNorm}, learned 32 points late), so autocorrelated
 *   series are judged by their own wander, not by a white-noise formula: a CUSUM/EWMA control chart in
 *   effect. The larger surprise counts, less log10 2, and d's less 1 more (it also reacts to short blips).
 * - Adapts: in the first {@link REBASE_POINTS} points of an episode, the baseline is moved to the median
 *   of the last five residuals, so a permanent shift stops scoring within a few points and the next
 *   change is judged from the new level. A temporary shift scores again when it ends.
 * - Warm-up: 40 values, then 40 learned values of m (about 200 points). Cost: O(1) time, ~30 numbers.
 * - Reference: Page 1954 (CUSUM); Roberts 1959 (EWMA charts); Lucas & Saccucci 1990.
 *
 * @example A series at 10 ± 1 that moves to 14 ± 1 scores above 0.5 within about three points.
 */
export const levelShiftCore: Core<LevelShiftState> = {
  name: 'level-shift',
  onValues: true,
  init: () => ({ m: 0, ref: 0, norm: newDelayedNorm(), normD: newDelayedNorm(), recent: [], ri: 0 }),
  measure(s, row, b) {
    const x = row.x;
    if (x === null || b.n < WARMUP || s.norm.n < NORM_WARMUP) return { surprise: 0, kind: AnomalyKind.levelShift };
    const rc = clipped(x.rs, x.sSigma);
    const m = s.m + SHORT_ALPHA * (rc - s.m);
    const ref = s.ref + REF_ALPHA * (rc - s.ref);
    const floor = 0.05 * x.sSigma;
    const surprise = Math.max(surpriseFromZ(normZ(s.norm, m, floor)), surpriseFromZ(normZ(s.normD, m - ref, floor)) - LOCAL_PENALTY) - PAIR_PENALTY;
    return { surprise: Math.max(0, surprise), kind: AnomalyKind.levelShift };
  },
  learn(s, row, b, ep) {
    const x = row.x;
    if (x === null) return;
    const rc = clipped(x.rs, x.sSigma);
    s.m += SHORT_ALPHA * (rc - s.m);
    s.ref += REF_ALPHA * (rc - s.ref);
    if (s.recent.length < RECENT) s.recent.push(x.rs);
    else s.recent[s.ri] = x.rs;
    s.ri = (s.ri + 1) % RECENT;
    if (ep.on && ep.len <= REBASE_POINTS && s.recent.length === RECENT) {
      const delta = median(s.recent);
      if (Math.abs(delta) > 0.5 * x.sSigma) {
        rebase(b, delta);
        for (let i = 0; i < s.recent.length; i++) s.recent[i] -= delta;
        s.m -= delta;
        s.ref -= delta;
      }
    }
    if (!ep.on || ep.len > ADAPT_POINTS) {
      const floor = 0.05 * x.sSigma;
      delayedLearn(s.norm, s.m, 4, 8, 1 / 500, floor);
      delayedLearn(s.normD, s.m - s.ref, 4, 8, 1 / 500, floor);
    }
  },
};
