import { surpriseFromP, MAX_SURPRISE } from './calibration.ts';
import type { Core } from './core.ts';
import { AnomalyKind } from './types.ts';

const WARMUP = 20;
/** Counts fade by this factor per value: they describe roughly the last 5,000 values. */
const DECAY = 1 - 1 / 5000;
/** Prior of P(repeat): 1 %, worth 100 values. Prior of P(repeat | repeat): 30 %, worth 10 repeats. */
const PRIOR_R = 0.01;
const PRIOR_R_WEIGHT = 100;
const PRIOR_RR = 0.3;
const PRIOR_RR_WEIGHT = 10;
/** A run counts as at most this long when learned: one long outage must not make every later one normal. */
const MAX_LEARNED_RUN = 30;

export interface FlatlineState {
  /** Values in the current run of repeats (0: the last value differed from the one before). */
  run: number;
  /** Faded counts: values, repeats, values after a repeat, repeats after a repeat. */
  n: number;
  r: number;
  afterR: number;
  rr: number;
}

function isRepeat(v: number, prev: number | null): boolean {
  return prev !== null && Math.abs(v - prev) <= 1e-12 * Math.max(Math.abs(v), Math.abs(prev));
}

/**
 * Stuck or flat-lined values: a run of identical values longer than this series makes plausible.
 *
 * - Statistic: a two-state Markov model of "value repeats the previous one", learned online with priors:
 *   P(run of L repeats) ≈ P(repeat) · P(repeat | repeat)^(L−1), and the surprise is −log10 of that. A
 *   continuous metric (no repeats seen) alerts after about 5 identical values; a quantised one that often
 *   repeats (an idle counter reading 0 all night) needs a much longer run, because it taught the model so.
 * - Assumes: "stuck" means exactly repeated values (relative difference ≤ 1e-12). Near-constant noise
 *   that merely shrank is the variance detector's case. A run is learned when it ends, so stuck values
 *   that recur (every night) become normal after a few nights.
 * - Warm-up: 20 values. Cost: O(1) time, 5 numbers.
 * - Reference: runs tests (Wald & Wolfowitz 1940), here with a learned Markov dependence.
 *
 * @example A continuous metric that reads the same value 6 times in a row scores above 0.5 at the 6th.
 */
export const flatlineCore: Core<FlatlineState> = {
  name: 'flatline',
  onValues: false,
  init: () => ({ run: 0, n: 0, r: 0, afterR: 0, rr: 0 }),
  measure(s, row, b) {
    const x = row.x;
    if (x === null || b.n < WARMUP || !isRepeat(x.v, b.lastV)) return { surprise: 0, kind: AnomalyKind.flatline };
    const pR = (s.r + PRIOR_R * PRIOR_R_WEIGHT) / (s.n + PRIOR_R_WEIGHT);
    const pRR = (s.rr + PRIOR_RR * PRIOR_RR_WEIGHT) / (s.afterR + PRIOR_RR_WEIGHT);
    const surprise = surpriseFromP(pR) - s.run * Math.log10(Math.min(pRR, 0.999));
    return { surprise: Math.min(surprise, MAX_SURPRISE), kind: AnomalyKind.flatline };
  },
  learn(s, row, b) {
    const x = row.x;
    if (x === null || b.lastV === null) return;
    const rep = isRepeat(x.v, b.lastV);
    s.n = s.n * DECAY + 1;
    s.r *= DECAY;
    s.afterR *= DECAY;
    s.rr *= DECAY;
    if (rep) {
      s.run += 1;
      return;
    }
    // A run is learned when it ends: the run being judged must not teach the model that runs like it are
    // normal, but a run that recurs (a metric at 0 every night) becomes normal after a few times.
    if (s.run > 0) {
      const L = Math.min(s.run, MAX_LEARNED_RUN);
      s.r += L;
      s.afterR += L;
      s.rr += L - 1;
    }
    s.run = 0;
  },
};
