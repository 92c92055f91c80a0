// Scores labelled series with a detector and counts what an operator would see: anomalies caught, how
// late, and alerts that opened where nothing was injected.
import { createAlertGate } from '../detectors/alert-gate.ts';
import { ALERT_THRESHOLD } from '../detectors/calibration.ts';
import { median } from '../detectors/online.ts';
import { createDetector } from '../detectors/registry.ts';
import type { LabelledSeries } from './generate.ts';

/** Points after a window's end in which crossing the threshold still counts as detecting it. */
export const GRACE_POINTS = 10;
/** The gate of the evaluation stays open this many intervals after the last high score. */
export const HOLD_INTERVALS = 10;

/** What one detector did on a set of series. */
export interface EvalResult {
  readonly series: number;
  readonly points: number;
  readonly windows: number;
  readonly detected: number;
  /** Points from each detected window's start to the first score at or above the threshold. */
  readonly delays: number[];
  /** Alerts (gate openings) outside every window and its grace. */
  readonly falseAlerts: number;
  /** Series with at least one false alert. */
  readonly seriesWithFalseAlerts: number;
}

/** Scores every row of `s` with a fresh detector. */
export function scoreSeries(s: LabelledSeries, detector: string): number[] {
  const d = createDetector(detector);
  return s.t.map((t, i) => d.update(t, s.v[i]).score);
}

/** Evaluates `detector` on `series` at `threshold`. */
export function evaluate(series: readonly LabelledSeries[], detector: string, threshold = ALERT_THRESHOLD): EvalResult {
  let points = 0;
  let windows = 0;
  let detected = 0;
  let falseAlerts = 0;
  let seriesWithFalseAlerts = 0;
  const delays: number[] = [];
  for (const s of series) {
    const scores = scoreSeries(s, detector);
    const r = judge(s, scores, threshold);
    points += s.t.length;
    windows += s.windows.length;
    detected += r.delays.length;
    delays.push(...r.delays);
    falseAlerts += r.falseAlerts;
    if (r.falseAlerts > 0) seriesWithFalseAlerts += 1;
  }
  return { series: series.length, points, windows, detected, delays, falseAlerts, seriesWithFalseAlerts };
}

/** Detection delays (one per detected window) and false alerts of one series' scores. */
export function judge(s: LabelledSeries, scores: readonly number[], threshold: number): { delays: number[]; falseAlerts: number } {
  const covered = new Uint8Array(s.t.length);
  for (const w of s.windows) covered.fill(1, w.start, Math.min(s.t.length, w.end + GRACE_POINTS + 1));
  const gate = createAlertGate({ threshold, holdMs: HOLD_INTERVALS * s.intervalMs });
  let falseAlerts = 0;
  scores.forEach((score, i) => {
    if (gate.update(s.t[i], score).opened && !covered[i]) falseAlerts += 1;
  });
  const delays: number[] = [];
  for (const w of s.windows) {
    const last = Math.min(s.t.length - 1, w.end + GRACE_POINTS);
    for (let i = w.start; i <= last; i++) {
      if (scores[i] >= threshold) {
        delays.push(i - w.start);
        break;
      }
    }
  }
  return { delays, falseAlerts };
}

/** Median of the delays, or NaN when there are none. */
export function medianDelay(r: EvalResult): number {
  return r.delays.length ? median(r.delays) : NaN;
}
