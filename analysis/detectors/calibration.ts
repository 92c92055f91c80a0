// One calibration for every detector: each turns its statistic into a tail probability p, expressed as a
// "surprise" s = −log10 p, and every score is the same function of s. A score of 0.5 means p = 1e-5 whatever
// the detector or the series, which is what makes scores comparable.

/** Surprise at which the score is 0.5: a two-sided tail probability of 1e-5 (|z| ≈ 4.42 for a normal statistic). */
export const ALERT_SURPRISE = 5;
/** Score at which a point is anomalous: the default of {@link createAlertGate} and of the evaluation. */
export const ALERT_THRESHOLD = 0.5;
/** Steepness of the logistic map from surprise to score: one decade of p moves the score from 0.5 to 0.77. */
const SLOPE = 1.2;
/** Surprise above which a point is worth naming a kind for (score ≈ 0.03). */
export const NOTICE_SURPRISE = 2;
/** Largest surprise a detector reports: beyond p = 1e-15 nothing is gained and floating point stops being honest. */
export const MAX_SURPRISE = 15;

const LOG10E = Math.LOG10E;

/**
 * ln erfc(x) for x ≥ 0, without underflow: Numerical Recipes' `erfcc` Chebyshev fit (fractional error
 * below 1.2e-7 everywhere), kept in logarithms so that x = 40 still gives a finite answer.
 */
function logErfc(x: number): number {
  const t = 1 / (1 + 0.5 * x);
  const poly =
    -1.26551223 +
    t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  return Math.log(t) - x * x + poly;
}

/**
 * Surprise −log10 p of a two-sided normal tail probability p = P(|Z| ≥ |z|), capped at {@link MAX_SURPRISE}.
 *
 * @example surpriseFromZ(1.96) ≈ 1.30; surpriseFromZ(4.42) ≈ 5.0; surpriseFromZ(NaN) === 0
 */
export function surpriseFromZ(z: number): number {
  const a = Math.abs(z);
  if (!(a > 0)) return 0;
  return Math.min(MAX_SURPRISE, Math.max(0, -logErfc(a / Math.SQRT2) * LOG10E));
}

/** Surprise of an event of probability p (clamped to (0, 1]). */
export function surpriseFromP(p: number): number {
  if (!(p < 1)) return 0;
  if (!(p > 0)) return MAX_SURPRISE;
  return Math.min(MAX_SURPRISE, -Math.log10(p));
}

/**
 * Maps a surprise to a score in [0, 1]: a logistic centred on {@link ALERT_SURPRISE}. Monotone, so ranking by
 * score is ranking by tail probability. s = 0 gives 0.0025, s = 2 gives 0.027, s = 5 gives 0.5, s = 8 gives 0.97.
 */
export function scoreFromSurprise(s: number): number {
  if (!(s > 0)) return 0;
  return 1 / (1 + Math.exp(-SLOPE * (s - ALERT_SURPRISE)));
}

/** Inverse of {@link scoreFromSurprise}, for thresholds given as scores. */
export function surpriseFromScore(score: number): number {
  if (!(score > 0)) return 0;
  if (!(score < 1)) return MAX_SURPRISE;
  return ALERT_SURPRISE + Math.log(score / (1 - score)) / SLOPE;
}

/** |z| whose two-sided surprise equals `s` (bisection; used to draw bands). */
export function zFromSurprise(s: number): number {
  let lo = 0;
  let hi = 9;
  for (let i = 0; i < 40; i++) {
    const mid = (lo + hi) / 2;
    if (surpriseFromZ(mid) < s) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** |z| of a point exactly at the alert threshold: the half-width of bands, in standard deviations. */
export const ALERT_Z = zFromSurprise(ALERT_SURPRISE);
