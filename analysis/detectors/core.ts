// The contract between a detector's statistic (a "core") and the composite that runs it: the composite
// owns the baseline, the episodes and the calibration; a core only measures and learns.
import type { BaselineState, Step } from './baseline.ts';
import type { Episode } from './online.ts';
import type { AnomalyKind } from './types.ts';

/** One row as the cores see it. */
export interface Row {
  readonly t: number;
  /** What the baseline says of the value; null when the row has no value. */
  readonly x: Step | null;
  /** Points missing before this row, judged from the median interval. */
  readonly missed: number;
}

/** What a core says of one row: a surprise (−log10 of a tail probability) and the kind it stands for. */
export interface Measure {
  readonly surprise: number;
  readonly kind: AnomalyKind;
}

/**
 * One statistic of the detectors. `S` is its state: plain JSON data, created by `init` and owned by the
 * composite, which passes it back on every call.
 */
export interface Core<S> {
  /** Registry name (`spike`, `level-shift`, …). */
  readonly name: string;
  /** True when the statistic is about values (these share a multiple-testing penalty in the ensemble). */
  readonly onValues: boolean;
  /**
   * Extra surprise this core needs in the ensemble (per-kind weighting): slow statistics whose tails are
   * less well calibrated (trend, seasonality) must be more unlikely before they speak. 0 when absent.
   */
  readonly ensemblePenalty?: number;
  init(): S;
  /** Scores the row from what was learned before it. Must not change `s` or `b`. */
  measure(s: S, row: Row, b: BaselineState): Measure;
  /**
   * Learns the row, after every core measured it and before the baseline learns it. `ep` is this core's
   * episode, already advanced with this row; `started` says it began at this row.
   */
  learn(s: S, row: Row, b: BaselineState, ep: Episode, started: boolean): void;
}

/** A core of any state type, as the registry holds them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyCore = Core<any>;
