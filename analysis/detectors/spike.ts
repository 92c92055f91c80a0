import { residualSurprise } from './baseline.ts';
import type { Core } from './core.ts';
import { AnomalyKind } from './types.ts';

/** Values learned before the spike detector speaks. */
export const SPIKE_WARMUP = 20;

/** The spike detector keeps nothing of its own: its model is the baseline's one-step forecast. */
export type SpikeState = Record<string, never>;

/**
 * Spikes and dips: a point far from the one-step forecast of a damped Holt model (level and slope,
 * updated with residuals clipped at 3σ so an outlier barely moves them).
 *
 * - Statistic: z = (v − forecast) / σ, where σ is the mean absolute one-step residual × √(π/2),
 *   widened when the tracked 99th or 99.9th percentile of |residual| shows heavier tails than a normal
 *   distribution, and floored at half the series' resolution (so a counter moving by one is not 10σ).
 *   Surprise: two-sided normal tail of z.
 * - Assumes: residuals of the one-step forecast are roughly independent. A level shift reads as a
 *   spike on its first points; after three residuals beyond 3σ on one side the forecast jumps to the new
 *   level, so a shift does not keep scoring as spikes.
 * - Warm-up: {@link SPIKE_WARMUP} values. Cost: O(1) time, no state beyond the baseline.
 * - Reference: Hyndman & Athanasopoulos, "Forecasting: Principles and Practice", §8.2 (damped trend);
 *   Rousseeuw & Croux 1993 for robust scales.
 *
 * @example A series at 10 ± 1 that reads 30 once scores ≈ 1 at that point (z ≈ 16), kind `spike`.
 */
export const spikeCore: Core<SpikeState> = {
  name: 'spike',
  onValues: true,
  init: () => ({}),
  measure(_s, row, b) {
    const x = row.x;
    if (x === null || b.n < SPIKE_WARMUP) return { surprise: 0, kind: AnomalyKind.spike };
    return { surprise: residualSurprise(b, x.r, x.fSigma), kind: x.r >= 0 ? AnomalyKind.spike : AnomalyKind.dip };
  },
  learn() {},
};
