// Daily and weekly seasonal profiles for a regular series: which periods the step and the history allow,
// a robust local level to take out before estimating them, and a cross-validated check that each
// profile predicts better than no profile.
import { madScale, median } from './robust.ts';

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;

/** The seasonal part of a series: the periods kept (in steps, daily first) and the value at index i. */
export interface Seasonal {
  readonly periods: readonly number[];
  /** Seasonal offset at index `i` (any i ≥ 0, history or future); 0 when no period is kept. */
  at(i: number): number;
}

/**
 * The daily and weekly periods, in steps, that `stepMs` divides into a whole number of at least 2 steps
 * and that the history (`n` points) covers at least twice.
 *
 * @example candidatePeriods(3_600_000, 24 * 21) → { daily: 24, weekly: 168 }
 */
export function candidatePeriods(stepMs: number, n: number): { daily?: number; weekly?: number } {
  const out: { daily?: number; weekly?: number } = {};
  for (const [key, len] of [['daily', DAY_MS], ['weekly', WEEK_MS]] as const) {
    const p = len / stepMs;
    if (Number.isInteger(p) && p >= 2 && n >= 2 * p) out[key] = p;
  }
  return out;
}

/**
 * A robust local level: medians of consecutive blocks of `block` points (aligned on the last point, so
 * a block spans whole seasons when `block` is a period), interpolated linearly between block centres and
 * extrapolated along the nearest two. Level shifts and outliers move one block median at most.
 */
export function blockLevel(y: readonly (number | null)[], block: number): number[] {
  const n = y.length;
  const centres: number[] = [];
  const levels: number[] = [];
  for (let end = n; end - block >= 0; end -= block) {
    const m = median(y.slice(end - block, end));
    if (!Number.isNaN(m)) {
      centres.unshift(end - block + (block - 1) / 2);
      levels.unshift(m);
    }
  }
  if (levels.length === 0) {
    const m = median(y);
    return y.map(() => (Number.isNaN(m) ? 0 : m));
  }
  const out = new Array<number>(n);
  let k = 0;
  for (let i = 0; i < n; i++) {
    while (k + 2 < centres.length && i > centres[k + 1]) k++;
    if (centres.length === 1) out[i] = levels[0];
    else out[i] = levels[k] + ((levels[k + 1] - levels[k]) * (i - centres[k])) / (centres[k + 1] - centres[k]);
  }
  return out;
}

/** Slot medians of `r` for period `p` over the points `use(i)` selects, smoothed circularly over `w` slots, mean 0. */
function slotProfile(r: readonly (number | null)[], p: number, w: number, use: (i: number) => boolean): number[] {
  const slots: number[][] = Array.from({ length: p }, () => []);
  r.forEach((x, i) => {
    if (x !== null && use(i)) slots[i % p].push(x);
  });
  const raw = slots.map((s) => (s.length ? median(s) : 0));
  const half = Math.floor(w / 2);
  const smooth = raw.map((_, s) => {
    let sum = 0;
    for (let d = -half; d <= half; d++) sum += raw[(s + d + p) % p];
    return sum / (2 * half + 1);
  });
  const mean = smooth.reduce((a, b) => a + b, 0) / p;
  return smooth.map((x) => x - mean);
}

/**
 * Fits the profile of period `p` to `y` less its block level, and keeps it only if it predicts the
 * seasons it was not fitted on: the profile of the even seasons is tried on the odd ones and the reverse,
 * and must shrink the MAD scale of the remainder by 5 % at least. Returns undefined when it does not.
 */
export function fitProfile(y: readonly (number | null)[], p: number, w = 1): number[] | undefined {
  const level = blockLevel(y, p);
  const r = y.map((x, i) => (x === null ? null : x - level[i]));
  const even = slotProfile(r, p, w, (i) => Math.floor(i / p) % 2 === 0);
  const odd = slotProfile(r, p, w, (i) => Math.floor(i / p) % 2 === 1);
  const cross = r.map((x, i) => (x === null ? null : x - (Math.floor(i / p) % 2 === 0 ? odd : even)[i % p]));
  const before = madScale(r);
  if (!(madScale(cross) < 0.95 * before)) return undefined;
  return slotProfile(r, p, w, () => true);
}

/**
 * Estimates additive daily and weekly seasonality: a daily profile first, then a weekly profile of
 * what the daily one leaves (weekday/weekend differences), smoothed over an hour of slots. Each is kept
 * only when the history covers it twice and it passes `fitProfile`'s cross-check.
 */
export function estimateSeasonal(y: readonly (number | null)[], stepMs: number): Seasonal {
  const { daily, weekly } = candidatePeriods(stepMs, y.length);
  const parts: { p: number; profile: number[] }[] = [];
  let rest = y;
  if (daily) {
    const profile = fitProfile(rest, daily);
    if (profile) {
      parts.push({ p: daily, profile });
      rest = rest.map((x, i) => (x === null ? null : x - profile[i % daily]));
    }
  }
  if (weekly) {
    const w = daily ? 2 * Math.floor(Math.max(1, Math.round(daily / 24)) / 2) + 1 : 1;
    const profile = fitProfile(rest, weekly, w);
    if (profile) parts.push({ p: weekly, profile });
  }
  return {
    periods: parts.map((q) => q.p),
    at: (i) => parts.reduce((s, q) => s + q.profile[i % q.p], 0),
  };
}
