import { floorSigma } from './baseline.ts';
import { surpriseFromZ } from './calibration.ts';
import type { Core } from './core.ts';
import { delayedLearn, MAD_TO_SIGMA, newDelayedNorm, normZ, type DelayedNorm } from './online.ts';
import { AnomalyKind } from './types.ts';

const SHORT_ALPHA = 1 / 12;
const LONG_ALPHA = 1 / 400;
/** While an episode lasts, the long scale catches up this fast: a lasting change becomes the norm. */
const ADAPT_ALPHA = 1 / 30;
const WARMUP = 100;

export interface VarianceState {
  /** Short and long mean absolute one-step residuals. */
  short: number;
  long: number;
  /** Centre and spread of the log ratio, learned 64 points late. */
  norm: DelayedNorm;
}

/**
 * Variance changes: the recent size of one-step residuals against their long-run size, both ways (a
 * noisy host, or a metric that went suspiciously quiet).
 *
 * - Statistic: ln(short / long), with short = EWMA(α = 1/12) and long = EWMA(α = 1/400) of |residual|
 *   (capped at 6 long-run σ, so a lone spike moves the short mean by at most half a σ), standardised by
 *   its own learned centre and spread. The log ratio of two mean absolute deviations is close to normal
 *   (an F-test on log scale).
 * - Adapts: during an episode the long mean follows at α = 1/30, so a lasting change stops scoring.
 * - Warm-up: 100 values. Cost: O(1) time, 5 numbers.
 * - Reference: Brown–Forsythe / Levene tests of equal spread; Basseville & Nikiforov 1993, ch. 2.
 *
 * @example White noise whose σ goes from 1 to 4 scores above 0.5 within ~5 points.
 */
export const varianceCore: Core<VarianceState> = {
  name: 'variance',
  onValues: true,
  init: () => ({ short: 0, long: 0, norm: newDelayedNorm() }),
  measure(s, row, b) {
    const x = row.x;
    if (x === null || b.n < WARMUP || s.norm.n < 30) return { surprise: 0, kind: AnomalyKind.variance };
    const short = s.short + SHORT_ALPHA * (capped(s, Math.abs(x.r), 6) - s.short);
    return { surprise: surpriseFromZ(normZ(s.norm, ratio(short, s.long, floorSigma(b)), 0.05)), kind: AnomalyKind.variance };
  },
  learn(s, row, b, ep) {
    const x = row.x;
    if (x === null) return;
    const a = Math.abs(x.r);
    const n = b.n + 1;
    s.short += Math.max(1 / n, SHORT_ALPHA) * (capped(s, a, 6) - s.short);
    const la = ep.on ? ADAPT_ALPHA : Math.max(1 / n, LONG_ALPHA);
    s.long += la * ((ep.on ? capped(s, a, 6) : capped(s, a, 4)) - s.long);
    if (n >= WARMUP / 2 && !ep.on) delayedLearn(s.norm, ratio(s.short, s.long, floorSigma(b)), 8, 8, 1 / 500, 0.05);
  },
};

function capped(s: VarianceState, a: number, k: number): number {
  return s.long > 0 ? Math.min(a, k * MAD_TO_SIGMA * s.long) : a;
}

function ratio(short: number, long: number, floor: number): number {
  return Math.log((short + floor) / (long + floor));
}
