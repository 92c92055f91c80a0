// What the jobs need of detectors: a streaming scorer per series whose state survives restarts, and a
// scorer of one moment across the hosts of a peer group.

export interface Scored {
  /** 0 (normal) to 1 (certainly anomalous), comparable across series. */
  readonly score: number;
  readonly expected?: number;
  readonly low?: number;
  readonly high?: number;
  /** What looks wrong: spike, dip, level_shift, missing, flatline… */
  readonly kind?: string;
  /** An anomaly episode goes on, though its later points are scored low (one anomaly, one alert). */
  readonly ongoing?: boolean;
}

export interface SeriesScorer {
  /** Scores the point at `t` (null: no data for that step); uses nothing later than `t`. */
  update(t: number, value: number | null): Scored;
  /** State as JSON, to resume after a restart. */
  snapshot(): unknown;
}

export interface DetectorSet {
  names(): readonly string[];
  create(name: string): SeriesScorer;
  restore(name: string, state: unknown): SeriesScorer;
  /** Scores each member of one peer group at one moment against the others. */
  peers(values: readonly number[]): Scored[];
}
