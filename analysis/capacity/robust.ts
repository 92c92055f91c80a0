// Robust summaries of the capacity models and the forecaster: medians, MAD scale, quantiles and
// Theil–Sen slopes and lines. Nulls (missing points) are skipped everywhere.

/** The median of `xs` (nulls and NaN skipped), or NaN when nothing is left. Does not modify `xs`. */
export function median(xs: readonly (number | null)[]): number {
  const v = xs.filter((x): x is number => x !== null && !Number.isNaN(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

/**
 * The MAD scale of `xs`: 1.4826 × median |x − median|, an estimate of the standard deviation that a few
 * outliers do not move. NaN when `xs` has no number.
 */
export function madScale(xs: readonly (number | null)[]): number {
  const m = median(xs);
  return 1.4826 * median(xs.map((x) => (x === null ? null : Math.abs(x - m))));
}

/** The `p` quantile (0..1) of `xs`, linear between order statistics (type 7); NaN when `xs` is empty. */
export function quantile(xs: readonly number[], p: number): number {
  const v = [...xs].sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const h = (v.length - 1) * Math.min(1, Math.max(0, p));
  const lo = Math.floor(h);
  return v[lo] + (h - lo) * ((v[Math.min(lo + 1, v.length - 1)] ?? v[lo]) - v[lo]);
}

/**
 * A Theil–Sen slope per index step: the median of (y[i+lag] − y[i]) / lag over every pair with both
 * values present. One lag keeps it O(n log n); with `lag` a multiple of the season length the seasonal
 * pattern cancels out of every pair. Returns 0 when no pair is complete.
 *
 * @example theilSenSlope([1, 2, 3, 100, 5, 6], 3) === 1 // the outlier moves one pair only
 */
export function theilSenSlope(y: readonly (number | null)[], lag: number): number {
  const slopes: number[] = [];
  for (let i = 0; i + lag < y.length; i++) {
    const a = y[i];
    const b = y[i + lag];
    if (a !== null && b !== null) slopes.push((b - a) / lag);
  }
  return slopes.length ? median(slopes) : 0;
}

/** A robust straight line y = intercept + slope·x. */
export interface RobustLine {
  readonly slope: number;
  readonly intercept: number;
}

/**
 * Theil–Sen line: the slope is the median of the slopes of all pairs with distinct x, the intercept the median of
 * y − slope·x. Breakdown point about 29 %: a few outliers do not move it. O(n² log n); meant for up to a few
 * thousand points (daily or hourly peaks). NaN slope when fewer than two distinct x.
 *
 * @example theilSen([0, 1, 2, 3, 4], [1, 3, 5, 7, 100]) // { slope: 2, intercept: 1 }
 */
export function theilSen(xs: readonly number[], ys: readonly number[]): RobustLine {
  const slopes: number[] = [];
  for (let i = 0; i < xs.length; i++) {
    for (let j = i + 1; j < xs.length; j++) {
      if (xs[j] !== xs[i]) slopes.push((ys[j] - ys[i]) / (xs[j] - xs[i]));
    }
  }
  const slope = median(slopes);
  return { slope, intercept: median(ys.map((y, i) => y - slope * xs[i])) };
}
