// Small online statistics the detectors share. Every state is a plain object of finite numbers, so a
// detector's snapshot is just its state copied.

/** x limited to [lo, hi]. */
export function clip(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/** Mean absolute deviation of a normal distribution is σ·√(2/π); this turns one into the other. */
export const MAD_TO_SIGMA = Math.sqrt(Math.PI / 2);

/**
 * A self-standardiser: learns the usual centre and spread of a statistic from its own history, so that
 * any statistic (a mean shift, a slope, a log variance ratio) becomes a z-score. It absorbs what the
 * detectors' textbook formulas get wrong on real data (autocorrelation, heavy tails, quantisation): the
 * spread is measured, not assumed. Updates are winsorised at 4 spreads, so one anomaly moves it little.
 */
export interface Norm {
  /** Values learned. */
  n: number;
  mean: number;
  /** Mean absolute deviation from `mean`. */
  dev: number;
}

/** A new, empty {@link Norm}. */
export function newNorm(): Norm {
  return { n: 0, mean: 0, dev: 0 };
}

/** z-score of `x` against what `s` learned, with the spread at least `floor`. */
export function normZ(s: Norm, x: number, floor: number): number {
  return (x - s.mean) / Math.max(MAD_TO_SIGMA * s.dev, floor);
}

/**
 * Learns `x`: a running mean for the first 1/alphaMin values, an exponentially weighted one after that.
 * Values further than 4 spreads from the centre count as 4 spreads (after 20 values). `centred` keeps
 * the centre at 0 (for statistics that are 0 in expectation whatever the series) and learns only the spread.
 */
export function normLearn(s: Norm, x: number, alphaMin: number, floor: number, centred = false): void {
  s.n += 1;
  const a = Math.max(1 / s.n, alphaMin);
  const sd = Math.max(MAD_TO_SIGMA * s.dev, floor);
  const xc = s.n > 20 ? clip(x, s.mean - 4 * sd, s.mean + 4 * sd) : x;
  if (!centred) s.mean += a * (xc - s.mean);
  s.dev += a * (Math.abs(xc - s.mean) - s.dev);
}

/** Median of a short array (copied, not modified). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/**
 * Where a detector stands in an anomaly: `on` from the point its surprise reached the alert level until it
 * stayed below the re-arm level for a few points; `len` counts the points since it started.
 */
export interface Episode {
  on: boolean;
  len: number;
  calm: number;
}

/** A new, quiet {@link Episode}. */
export function newEpisode(): Episode {
  return { on: false, len: 0, calm: 0 };
}

/** Surprise below which a point counts as calm (p = 0.01). */
export const REARM_SURPRISE = 2;
/** Calm points in a row that end an episode. */
export const QUIET_POINTS = 3;

/**
 * Advances an episode with the surprise of one point. `start` is the surprise that opens an episode,
 * `calmAt` the one compared with {@link REARM_SURPRISE}. Returns true when the episode starts at this point.
 */
export function stepEpisode(ep: Episode, start: number, calmAt: number, alert: number): boolean {
  if (!ep.on) {
    if (start < alert) return false;
    ep.on = true;
    ep.len = 1;
    ep.calm = 0;
    return true;
  }
  ep.len += 1;
  ep.calm = calmAt < REARM_SURPRISE ? ep.calm + 1 : 0;
  if (ep.calm >= QUIET_POINTS) {
    ep.on = false;
    ep.len = 0;
    ep.calm = 0;
  }
  return false;
}

/** Smoothing factor of an exponentially weighted average whose weights halve every `halfLife` points. */
export function alphaForHalfLife(halfLife: number): number {
  return 1 - Math.pow(0.5, 1 / Math.max(halfLife, 1e-9));
}

/**
 * A {@link Norm} that learns late: every `every` values one is queued, and a value is learned only once
 * `depth` newer ones are queued (`every × depth` points later). A slow anomaly (a ramp, a creeping
 * shift) is thus judged against the series as it was before it began, instead of teaching the norm that
 * it is normal while it builds up.
 */
export interface DelayedNorm extends Norm {
  queue: number[];
  tick: number;
}

/** A new, empty {@link DelayedNorm}. */
export function newDelayedNorm(): DelayedNorm {
  return { ...newNorm(), queue: [], tick: 0 };
}

/** Feeds one value to a {@link DelayedNorm}; `alphaMin` is per point (scaled by `every` per learned value). */
export function delayedLearn(s: DelayedNorm, x: number, every: number, depth: number, alphaMin: number, floor: number, centred = false): void {
  s.tick += 1;
  if (s.tick < every) return;
  s.tick = 0;
  s.queue.push(x);
  if (s.queue.length > depth) normLearn(s, s.queue.shift() as number, Math.min(1, alphaMin * every), floor, centred);
}
