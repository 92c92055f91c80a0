import { MAX_SURPRISE } from './calibration.ts';
import type { Core } from './core.ts';
import { AnomalyKind } from './types.ts';

/** Counts fade by this factor per row: they describe roughly the last 5,000 points. */
const DECAY = 1 - 1 / 5000;
/** Prior rate of missing points (1 %, worth 200 points), also the floor of the rate used. */
const PRIOR = 0.01;
const PRIOR_WEIGHT = 200;
const WARMUP = 5;

export interface MissingState {
  /** Points missing in the current outage (null rows plus skipped intervals). */
  run: number;
  /** Faded counts of points expected and points missing. */
  n: number;
  miss: number;
}

/**
 * Missing data: rows without a value (empty or NaN) and gaps in time longer than the median interval
 * between rows.
 *
 * - Statistic: L, the points missing in the current outage (null rows, plus round(gap / interval) − 1
 *   for a gap), against the series' own rate p of missing points (learned, never below 1 %):
 *   surprise = L · (−log10 p). A reliable series alerts at 3 missing points (p = 1 % gives surprise 6);
 *   one that often loses points needs a longer outage.
 * - Assumes: the median of the last 9 inter-arrival times is the sampling interval. A gap can only be
 *   seen at the next row; a job that knows the schedule calls `update(t, null)` at each expected time.
 * - Warm-up: 5 rows. Cost: O(1) time, 3 numbers (the interval lives in the baseline).
 * - Reference: Poisson/Bernoulli models of sensor dropout; Datadog's "no data" monitors.
 *
 * @example A 1-minute series with a 5-minute hole scores above 0.5 at the first row after it; empty
 *   values score above 0.5 from the third one.
 */
export const missingCore: Core<MissingState> = {
  name: 'missing',
  onValues: false,
  init: () => ({ run: 0, n: 0, miss: 0 }),
  measure(s, row, b) {
    const lost = lostAt(s, row);
    if (lost === 0 || b.n + s.n < WARMUP) return { surprise: 0, kind: AnomalyKind.missing };
    const p = Math.max(PRIOR, (s.miss + PRIOR * PRIOR_WEIGHT) / (s.n + PRIOR_WEIGHT));
    return { surprise: Math.min(MAX_SURPRISE, -lost * Math.log10(p)), kind: AnomalyKind.missing };
  },
  learn(s, row, _b, ep) {
    const lost = row.missed + (row.x === null ? 1 : 0);
    if (!ep.on) {
      const rows = 1 + row.missed;
      s.n = s.n * Math.pow(DECAY, rows) + rows;
      s.miss = s.miss * Math.pow(DECAY, rows) + lost;
    }
    s.run = row.x === null ? s.run + lost : 0;
  },
};

/** Points lost in the outage this row belongs to (a null row) or ends (a row after a gap). */
function lostAt(s: MissingState, row: { x: unknown; missed: number }): number {
  if (row.x === null) return s.run + row.missed + 1;
  return row.missed > 0 ? s.run + row.missed : 0;
}
