// The streaming detector contract shared by every detector, the `detect` command and the analysis jobs.

/** What a detector says looks wrong. A `const` object rather than an enum (STYLE §5). */
export const AnomalyKind = {
  spike: 'spike',
  dip: 'dip',
  levelShift: 'level_shift',
  trend: 'trend',
  variance: 'variance',
  seasonality: 'seasonality',
  flatline: 'flatline',
  missing: 'missing',
  peer: 'peer',
} as const;
export type AnomalyKind = (typeof AnomalyKind)[keyof typeof AnomalyKind];

/**
 * The answer of a detector for one point. The object is fresh for every call: the caller may keep it.
 * Numbers are in the series' own unit except `score`.
 */
export interface DetectorOutput {
  /** 0 (normal) to 1 (certainly anomalous): a tail probability mapped by {@link scoreFromSurprise}, comparable across series. */
  readonly score: number;
  /** What the detector expected at this point (absent during warm-up and for missing values). */
  readonly expected?: number;
  /** Band of normal behaviour: a value outside [low, high] would score at least the alert threshold. */
  readonly low?: number;
  readonly high?: number;
  /** The kind behind the score, when the score is above the notice level. */
  readonly kind?: AnomalyKind;
  /**
   * An anomaly episode is still going on. Its first points carry the full score; later points of the same
   * episode are suppressed (one ongoing anomaly, one alert), so a caller that wants to keep an alert open
   * for as long as the condition lasts can use this flag.
   */
  readonly ongoing?: boolean;
}

/**
 * A causal, streaming anomaly detector for one series. `update` must be called in time order; a point's
 * score depends only on that point and the ones before it. The state is small (O(1), or O(slots) with a
 * seasonal profile) and {@link Detector.snapshot} returns it as plain JSON data, so millions of series can
 * be kept and resumed after a restart with `restoreDetector(snapshot)`.
 */
export interface Detector {
  /** Registry name of the detector (`default`, `spike`, …). */
  readonly name: string;
  /** Scores the point at `t` (epoch ms). `value` null or NaN: no data for that point (scored by `missing`). */
  update(t: number, value: number | null): DetectorOutput;
  /** A deep copy of the state as JSON-safe data (finite numbers, arrays, strings, booleans, null). */
  snapshot(): DetectorSnapshot;
}

/** What {@link Detector.snapshot} returns; the inner shape is private to the detectors and versioned. */
export interface DetectorSnapshot {
  readonly v: number;
  readonly name: string;
  readonly state: unknown;
}

/** Options common to every detector factory. */
export interface DetectorOptions {
  /**
   * Learn daily/weekly profiles and score against them (default true). Off, the state is ~100 numbers
   * smaller and series with daily cycles are scored against their local level only.
   */
  readonly seasonal?: boolean;
  /** Points of an episode that keep their full score before later ones are suppressed (default 6). */
  readonly holdPoints?: number;
}
