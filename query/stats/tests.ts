// Statistical tests computed in JS from the summaries ClickHouse returns (n, mean, variance per group; r and n;
// sums for a trend line): reference/query-language.md §3.5 and §6.6. Data-dependent degeneracy (too few
// points, zero variance) gives NaN or undefined; a caller error (bad level, p outside [0, 1]) throws a RangeError.

import { chiSquareSurvival, fSurvival, tQuantile, tTwoSidedP } from './dist.ts';

/** A group summary: n observations, their mean, and their sample variance (denominator n − 1, as ClickHouse `varSamp`). */
export interface GroupSummary {
  readonly n: number;
  readonly mean: number;
  readonly variance: number;
}

/** Welch's unequal-variance t test of mean(a) − mean(b), with a confidence interval of that difference. */
export interface WelchResult {
  readonly t: number;
  /** Welch–Satterthwaite degrees of freedom (fractional). */
  readonly df: number;
  /** Two-sided p-value. */
  readonly p: number;
  /** mean(a) − mean(b). */
  readonly diff: number;
  readonly ciLow: number;
  readonly ciHigh: number;
}

/** The two-sided quantile multiplier for a confidence level, after checking the level is in (0, 1). */
function criticalT(level: number, df: number): number {
  if (!(level > 0 && level < 1)) throw new RangeError(`cannot compute a confidence interval: level ${level} is outside (0, 1)`);
  return tQuantile(1 - (1 - level) / 2, df);
}

/**
 * Welch's t test of two group summaries, with the CI of mean(a) − mean(b) at `level` (default 0.95).
 * Either group with n < 2 gives NaN for everything but `diff`; so do two zero variances (df is undefined).
 * Matches ClickHouse `welchTTest(level)`.
 */
export function welch(a: GroupSummary, b: GroupSummary, level = 0.95): WelchResult {
  const diff = a.mean - b.mean;
  const va = a.variance / a.n;
  const vb = b.variance / b.n;
  const se = Math.sqrt(va + vb);
  const df = a.n >= 2 && b.n >= 2 ? (va + vb) ** 2 / ((va * va) / (a.n - 1) + (vb * vb) / (b.n - 1)) : NaN;
  const t = Number.isNaN(df) ? NaN : diff / se;
  const half = criticalT(level, df) * se;
  return { t, df, p: tTwoSidedP(t, df), diff, ciLow: diff - half, ciHigh: diff + half };
}

/** One-way ANOVA of k group summaries: F = between-group mean square / within-group mean square. */
export interface AnovaResult {
  readonly f: number;
  /** k − 1. */
  readonly df1: number;
  /** N − k. */
  readonly df2: number;
  readonly p: number;
  /** Effect size η² = SS_between / SS_total, in [0, 1]. */
  readonly etaSquared: number;
}

/**
 * One-way ANOVA from group summaries. Groups with n = 0 are skipped; a group with n = 1 adds to the
 * between-group sum only (its variance is ignored, as it is undefined). Fewer than two groups or N − k < 1
 * gives NaN; zero within-group variance gives F = Infinity and p = 0 when the means differ, NaN when they do not.
 */
export function oneWayAnova(groups: readonly GroupSummary[]): AnovaResult {
  const used = groups.filter((g) => g.n > 0);
  const total = used.reduce((s, g) => s + g.n, 0);
  const grand = used.reduce((s, g) => s + g.n * g.mean, 0) / total;
  const ssb = used.reduce((s, g) => s + g.n * (g.mean - grand) ** 2, 0);
  const ssw = used.reduce((s, g) => s + (g.n > 1 ? (g.n - 1) * g.variance : 0), 0);
  const df1 = used.length - 1;
  const df2 = total - used.length;
  if (df1 < 1 || df2 < 1) return { f: NaN, df1, df2, p: NaN, etaSquared: NaN };
  const f = ssb / df1 / (ssw / df2);
  return { f, df1, df2, p: fSurvival(f, df1, df2), etaSquared: ssb / (ssb + ssw) };
}

/**
 * Cohen's d = (mean(a) − mean(b)) / pooled sd, with pooled variance ((na−1)·va + (nb−1)·vb) / (na + nb − 2).
 * NaN when na + nb ≤ 2; ±Infinity when both variances are 0 and the means differ.
 */
export function cohensD(a: GroupSummary, b: GroupSummary): number {
  const dof = a.n + b.n - 2;
  if (!(dof > 0)) return NaN;
  const pooled = ((a.n - 1) * a.variance + (b.n - 1) * b.variance) / dof;
  return (a.mean - b.mean) / Math.sqrt(pooled);
}

/** The t-based confidence interval of a mean, mean ± t(1 − α/2, n − 1)·√(variance / n). NaN bounds when n < 2. */
export function meanCi(n: number, mean: number, variance: number, level = 0.95): { low: number; high: number } {
  const half = criticalT(level, n - 1) * Math.sqrt(variance / n);
  return { low: mean - half, high: mean + half };
}

/**
 * Two-sided p-value of a Pearson correlation r over n pairs (H0: ρ = 0), from t = r·√((n − 2)/(1 − r²)) with
 * n − 2 df. |r| = 1 gives 0; |r| exceeding 1 by rounding (up to 1e-9) is clamped, further is NaN; n ≤ 2 gives NaN.
 * For Spearman's ρ this is the usual large-sample approximation (fine for n ≳ 10).
 */
export function correlationP(r: number, n: number): number {
  if (!(n > 2) || !(Math.abs(r) <= 1 + 1e-9)) return NaN;
  const r2 = Math.min(1, r * r);
  if (r2 === 1) return 0;
  return tTwoSidedP(r * Math.sqrt((n - 2) / (1 - r2)), n - 2);
}

/** Indices of the non-NaN p-values in ascending order of p, after checking the p-values are in [0, 1]. */
function sortedIndices(pvalues: readonly number[]): number[] {
  pvalues.forEach((p, i) => {
    if (p < 0 || p > 1) throw new RangeError(`cannot adjust p-values: p[${i}] = ${p} is outside [0, 1]`);
  });
  return pvalues
    .map((_p, i) => i)
    .filter((i) => !Number.isNaN(pvalues[i]))
    .sort((i, j) => pvalues[i] - pvalues[j] || i - j);
}

/**
 * Holm's step-down adjustment (family-wise error): the i-th smallest of m p-values becomes
 * max over j ≤ i of min(1, (m − j + 1)·p₍ⱼ₎). Returned in input order; NaN entries stay NaN and do not count in m
 * (as R's `p.adjust`). Throws a RangeError when a p-value is outside [0, 1].
 */
export function holm(pvalues: readonly number[]): number[] {
  const order = sortedIndices(pvalues);
  const out = pvalues.map(() => NaN);
  let running = 0;
  order.forEach((idx, rank) => {
    running = Math.max(running, Math.min(1, (order.length - rank) * pvalues[idx]));
    out[idx] = running;
  });
  return out;
}

/**
 * Benjamini–Hochberg step-up adjustment (false discovery rate): the i-th smallest of m p-values becomes
 * min over j ≥ i of min(1, m/j·p₍ⱼ₎). Same order, NaN and range rules as {@link holm}.
 */
export function benjaminiHochberg(pvalues: readonly number[]): number[] {
  const order = sortedIndices(pvalues);
  const out = pvalues.map(() => NaN);
  let running = 1;
  for (let rank = order.length - 1; rank >= 0; rank--) {
    const idx = order[rank];
    running = Math.min(running, (order.length / (rank + 1)) * pvalues[idx]);
    out[idx] = running;
  }
  return out;
}

/** Kruskal–Wallis p-value: H against chi-square with k − 1 df (k = number of groups). NaN when k < 2 or not an integer. */
export function kruskalWallisP(h: number, groups: number): number {
  if (!(Number.isInteger(groups) && groups >= 2)) return NaN;
  return chiSquareSurvival(h, groups - 1);
}

/** A least-squares line y = intercept + slope·x. */
export interface LinearFit {
  readonly slope: number;
  readonly intercept: number;
  /** Coefficient of determination, 1 − SSE/SST; NaN when all y are equal. */
  readonly r2: number;
  /** Number of (x, y) pairs used (pairs with a non-finite coordinate are skipped). */
  readonly n: number;
  /** Standard error of the slope, residualSd / √Σ(x − x̄)²; NaN when n < 3. */
  readonly slopeSe: number;
  /** Residual standard deviation √(SSE / (n − 2)); NaN when n < 3. */
  readonly residualSd: number;
  /** Mean of the x used; {@link crossingTime} pivots there, where slope and intercept are uncorrelated. */
  readonly xMean: number;
}

/**
 * Ordinary least-squares fit of ys on xs, in the units of the inputs (e.g. x in epoch ms, y in bytes: slope in
 * bytes/ms). Sums are centred first, so epoch-millisecond x loses no precision. Pairs where x or y is not finite
 * (gaps) are skipped. Fewer than 2 distinct x give NaN slope and intercept. Throws a RangeError when the arrays
 * differ in length.
 */
export function linearFit(xs: readonly number[], ys: readonly number[]): LinearFit {
  if (xs.length !== ys.length) throw new RangeError(`cannot fit a line: ${xs.length} x values but ${ys.length} y values`);
  const keep = xs.map((_x, i) => i).filter((i) => Number.isFinite(xs[i]) && Number.isFinite(ys[i]));
  const n = keep.length;
  const xMean = keep.reduce((s, i) => s + xs[i], 0) / n;
  const yMean = keep.reduce((s, i) => s + ys[i], 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (const i of keep) {
    const dx = xs[i] - xMean;
    const dy = ys[i] - yMean;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  const slope = sxx > 0 ? sxy / sxx : NaN;
  let sse = 0;
  for (const i of keep) sse += (ys[i] - yMean - slope * (xs[i] - xMean)) ** 2;
  const residualSd = n > 2 ? Math.sqrt(sse / (n - 2)) : NaN;
  return {
    slope,
    intercept: yMean - slope * xMean,
    r2: syy > 0 ? 1 - sse / syy : NaN,
    n,
    slopeSe: residualSd / Math.sqrt(sxx),
    residualSd,
    xMean,
  };
}

/** Where a fitted line reaches a threshold, with a confidence interval. */
export interface Crossing {
  /** Estimated x at which the line reaches the threshold (may lie in the past, i.e. within or before the data). */
  readonly x: number;
  readonly low: number;
  readonly high: number;
}

/**
 * The x at which a rising trend line reaches `threshold` (time to exhaustion), with a `level` interval.
 * The interval is the inverse-regression (Fieller) set: all x where the threshold lies inside the confidence
 * band of the fitted mean line, |ȳ + b·(x − x̄) − threshold| ≤ t·√(s²/n + se_b²·(x − x̄)²). It is bounded exactly
 * when the slope's CI lies above 0 (b > t·se_b), and reduces to the slope-CI pivot at x̄ plus the uncertainty of ȳ.
 * Returns undefined when the slope is ≤ 0 or not finite, when n < 3, or when the interval is unbounded (the slope's
 * CI includes 0): "no exhaustion in sight" rather than an infinite date. A falling metric (free space to 0) is
 * handled by negating y and the threshold before fitting.
 */
export function crossingTime(fit: LinearFit, threshold: number, level = 0.95): Crossing | undefined {
  const { slope: b, slopeSe: se, residualSd: s, n } = fit;
  const q = criticalT(level, n - 2);
  if (!(b > 0 && Number.isFinite(b) && n >= 3 && Number.isFinite(se) && Number.isFinite(s))) return undefined;
  const d = threshold - (fit.intercept + b * fit.xMean); // threshold − ȳ
  const a = b * b - q * q * se * se;
  if (!(a > 0)) return undefined;
  const half = q * Math.sqrt(se * se * d * d + (a * s * s) / n);
  return { x: fit.xMean + d / b, low: fit.xMean + (b * d - half) / a, high: fit.xMean + (b * d + half) / a };
}
