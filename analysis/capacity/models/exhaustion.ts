import { crossingTime, linearFit } from '../../../query/stats/tests.ts';
import { madScale, median, theilSen } from '../robust.ts';

export const DAY_MS = 86_400_000;

/** One observation of a resource: `t` in epoch milliseconds, `used` in the unit of the capacity (bytes, GB, …). */
export interface UsagePoint {
  readonly t: number;
  readonly used: number;
}

export interface ExhaustionOptions {
  /** Confidence level of the [low, high] range. @default 0.95 */
  readonly level?: number;
  /** Epoch ms that "days to full" counts from. @default the time of the last point */
  readonly now?: number;
  /** Fewest inlier points in the recent regime needed to fit a trend. @default 8 */
  readonly minPoints?: number;
  /** Points on each side of a candidate level shift. @default 5 */
  readonly shiftWindow?: number;
  /** A level shift must move the median level by more than this many noise σ. @default 6 */
  readonly shiftK?: number;
  /** Points further than this many robust σ from the Theil–Sen line are dropped before the final fit. @default 3.5 */
  readonly outlierK?: number;
}

/** Which points the trend was fitted on. */
export interface Regime {
  /** Epoch ms of the first point of the regime. */
  readonly start: number;
  /** Epoch ms of the first point after the last detected level shift; undefined when none was found. */
  readonly shiftAt?: number;
  /** Points in the regime, and how many of them were dropped as outliers. */
  readonly points: number;
  readonly outliers: number;
}

/** The trend reaches capacity: a central date and a confidence range. Days count from `now`; ≤ 0 means already past. */
export interface ExhaustionFound {
  readonly kind: 'exhausts';
  readonly daysToFull: number;
  readonly low: number;
  readonly high: number;
  readonly fullAt: number;
  readonly fullAtLow: number;
  readonly fullAtHigh: number;
  /** Growth of the trend in capacity units per day. */
  readonly slopePerDay: number;
  readonly level: number;
  readonly regime: Regime;
}

export const NoExhaustionReason = {
  TooLittleData: 'too-little-data',
  /** The slope's confidence interval contains 0: no exhaustion in sight at this level. */
  Flat: 'flat',
  /** The slope's confidence interval lies below 0. */
  Shrinking: 'shrinking',
} as const;
export type NoExhaustionReason = (typeof NoExhaustionReason)[keyof typeof NoExhaustionReason];

/** No exhaustion date can be given, and why. `slopePerDay` is NaN when no trend could be fitted. */
export interface ExhaustionNone {
  readonly kind: 'none';
  readonly reason: NoExhaustionReason;
  readonly why: string;
  readonly slopePerDay: number;
  readonly level: number;
  readonly regime: Regime;
}

export type Exhaustion = ExhaustionFound | ExhaustionNone;

/**
 * Time to exhaustion of a growing resource against a known capacity.
 *
 * 1. Level shifts: the series is detrended with the median of consecutive slopes; a shift is a place where the
 *    median level of the next `shiftWindow` points differs from that of the previous ones by more than `shiftK` noise
 *    σ (σ from the MAD of first differences). Only points from the last shift on are used (a cleanup or migration
 *    starts a new regime). Shifts within `shiftWindow` points of either end cannot be seen.
 * 2. Outliers: points further than `outlierK` robust σ from the Theil–Sen line of the regime are dropped.
 * 3. Trend and range: ordinary least squares on the remaining points, with x in days from `now`; the crossing of
 *    `capacity` and its Fieller interval come from {@link crossingTime}. The range is for the date at which the
 *    *trend* reaches capacity; single noisy points may touch it earlier.
 *
 * Returns kind 'none' with a reason when the regime has fewer than `minPoints` inliers, or when the slope's
 * confidence interval contains 0 ('flat') or lies below 0 ('shrinking'). Throws a RangeError when capacity is not a
 * positive finite number. O(n² log n) for the Theil–Sen step.
 *
 * @example
 * // 10 GB/day from 500 GB, capacity 1000 GB, last point at day 29 (790 GB): full in 21 days.
 * timeToExhaustion(days.map((d) => ({ t: d * DAY_MS, used: 500 + 10 * d })), 1000) // { kind: 'exhausts', daysToFull: 21, … }
 */
export function timeToExhaustion(points: readonly UsagePoint[], capacity: number, opts: ExhaustionOptions = {}): Exhaustion {
  if (!(capacity > 0 && Number.isFinite(capacity))) {
    throw new RangeError(`cannot compute time to exhaustion: capacity ${capacity} is not a positive finite number`);
  }
  const level = opts.level ?? 0.95;
  const minPoints = opts.minPoints ?? 8;
  const pts = points.filter((p) => Number.isFinite(p.t) && Number.isFinite(p.used)).sort((a, b) => a.t - b.t);
  const now = opts.now ?? (pts.length > 0 ? pts[pts.length - 1].t : 0);
  const shift = lastLevelShift(pts, opts.shiftWindow ?? 5, opts.shiftK ?? 6);
  const regimePts = pts.slice(Math.max(shift, 0));
  const xs = regimePts.map((p) => (p.t - now) / DAY_MS);
  const ys = regimePts.map((p) => p.used);
  const keep = inliers(xs, ys, opts.outlierK ?? 3.5);
  const regime: Regime = {
    start: regimePts[0]?.t ?? NaN,
    ...(shift > 0 ? { shiftAt: pts[shift].t } : {}),
    points: regimePts.length,
    outliers: regimePts.length - keep.length,
  };
  const none = (reason: NoExhaustionReason, why: string, slopePerDay = NaN): ExhaustionNone => ({
    kind: 'none', reason, why, slopePerDay, level, regime,
  });
  if (keep.length < minPoints) {
    return none('too-little-data', `${keep.length} usable points since the last level shift, need ${minPoints}`);
  }
  const fit = linearFit(keep.map((i) => xs[i]), keep.map((i) => ys[i]));
  if (!Number.isFinite(fit.slope)) return none('too-little-data', 'all points share one timestamp');
  const crossing = crossingTime(fit, capacity, level);
  if (crossing === undefined) {
    const shrinking = fit.slope < 0 && crossingTime(negated(fit), 0, level) !== undefined;
    return shrinking
      ? none('shrinking', `usage falls by ${-fit.slope} per day`, fit.slope)
      : none('flat', `growth of ${fit.slope} per day is not distinguishable from 0 at ${level}`, fit.slope);
  }
  return {
    kind: 'exhausts',
    daysToFull: crossing.x,
    low: crossing.low,
    high: crossing.high,
    fullAt: now + crossing.x * DAY_MS,
    fullAtLow: now + crossing.low * DAY_MS,
    fullAtHigh: now + crossing.high * DAY_MS,
    slopePerDay: fit.slope,
    level,
    regime,
  };
}

/** The same fit with y negated: a significantly falling line becomes a significantly rising one. */
function negated<T extends { slope: number; intercept: number }>(fit: T): T {
  return { ...fit, slope: -fit.slope, intercept: -fit.intercept };
}

/**
 * Index of the first point after the last level shift, or -1. Residuals r = y − b·t with b the median of consecutive
 * slopes; at each split i the step is median(r[i, i+w)) − median(r[i−w, i)); splits whose |step| exceeds k·σ form
 * clusters, and in the last cluster the split with the smallest two-segment L1 cost is taken.
 */
function lastLevelShift(pts: readonly UsagePoint[], w: number, k: number): number {
  const n = pts.length;
  if (n < 2 * w) return -1;
  const slopes: number[] = [];
  for (let i = 1; i < n; i++) if (pts[i].t > pts[i - 1].t) slopes.push((pts[i].used - pts[i - 1].used) / (pts[i].t - pts[i - 1].t));
  const b = median(slopes);
  if (!Number.isFinite(b)) return -1;
  const r = pts.map((p) => p.used - b * (p.t - pts[0].t));
  const sigma = madScale(r.slice(1).map((v, i) => v - r[i])) / Math.SQRT2;
  const span = Math.max(...r) - Math.min(...r);
  const threshold = Math.max(k * sigma, 1e-9 * span);
  let best = -1;
  let bestCost = Infinity;
  for (let i = n - w; i >= w; i--) {
    const before = r.slice(i - w, i);
    const after = r.slice(i, i + w);
    const mb = median(before);
    const ma = median(after);
    if (Math.abs(ma - mb) <= threshold) {
      if (best >= 0) break; // left the last cluster
      continue;
    }
    const cost = before.reduce((s, v) => s + Math.abs(v - mb), 0) + after.reduce((s, v) => s + Math.abs(v - ma), 0);
    if (cost < bestCost) {
      bestCost = cost;
      best = i;
    }
  }
  return best;
}

/** Indices whose residual from the Theil–Sen line is within k robust σ (all of them when σ is 0 and the fit exact). */
function inliers(xs: readonly number[], ys: readonly number[], k: number): number[] {
  const idx = xs.map((_x, i) => i);
  if (xs.length < 3) return idx;
  const line = theilSen(xs, ys);
  if (!Number.isFinite(line.slope)) return idx;
  const res = ys.map((y, i) => y - line.intercept - line.slope * xs[i]);
  const s = madScale(res);
  const tol = Math.max(k * s, 1e-9 * Math.max(...ys.map(Math.abs)));
  return idx.filter((i) => Math.abs(res[i]) <= tol);
}

/** Free room left in a resource. */
export interface Headroom {
  /** capacity − used, in capacity units. */
  readonly free: number;
  /** 1 − used / capacity: 0.25 means a quarter is left; negative means over capacity. */
  readonly fraction: number;
}

/**
 * Headroom of a resource: what is left of `capacity` at `used`. Pass the usable capacity (after a utilisation ceiling
 * and the redundancy reserve) to get the planner's headroom `1 − peak demand / usable capacity`. Throws a RangeError
 * when capacity is not a positive finite number.
 *
 * @example headroom(600, 800) // { free: 200, fraction: 0.25 }
 */
export function headroom(used: number, capacity: number): Headroom {
  if (!(capacity > 0 && Number.isFinite(capacity))) {
    throw new RangeError(`cannot compute headroom: capacity ${capacity} is not a positive finite number`);
  }
  return { free: capacity - used, fraction: 1 - used / capacity };
}
