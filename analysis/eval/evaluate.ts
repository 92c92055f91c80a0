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
  /** The same delays in milliseconds. */
  readonly delaysMs: number[];
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

/**
 * Evaluates `detector` on `series` at each of `thresholds` (the series are scored once). Returns one result
 * per threshold, in order.
 */
export function evaluate(series: readonly LabelledSeries[], detector: string, thresholds: readonly number[] = [ALERT_THRESHOLD]): EvalResult[] {
  const acc = thresholds.map(() => ({ series: 0, points: 0, windows: 0, detected: 0, delays: [] as number[], delaysMs: [] as number[], falseAlerts: 0, seriesWithFalseAlerts: 0 }));
  for (const s of series) {
    const scores = scoreSeries(s, detector);
    thresholds.forEach((threshold, k) => {
      const r = judge(s, scores, threshold);
      const a = acc[k];
      a.series += 1;
      a.points += s.t.length;
      a.windows += s.windows.length;
      a.detected += r.delays.length;
      a.delays.push(...r.delays);
      a.delaysMs.push(...r.delaysMs);
      a.falseAlerts += r.falseAlerts;
      if (r.falseAlerts > 0) a.seriesWithFalseAlerts += 1;
    });
  }
  return acc;
}

/** Detection delays (one per detected window) and false alerts of one series' scores. */
export function judge(s: LabelledSeries, scores: readonly number[], threshold: number): { delays: number[]; delaysMs: number[]; falseAlerts: number } {
  const covered = new Uint8Array(s.t.length);
  for (const w of s.windows) covered.fill(1, w.start, Math.min(s.t.length, w.end + GRACE_POINTS + 1));
  const gate = createAlertGate({ threshold, holdMs: HOLD_INTERVALS * s.intervalMs });
  let falseAlerts = 0;
  scores.forEach((score, i) => {
    if (gate.update(s.t[i], score).opened && !covered[i]) falseAlerts += 1;
  });
  const delays: number[] = [];
  const delaysMs: number[] = [];
  for (const w of s.windows) {
    const last = Math.min(s.t.length - 1, w.end + GRACE_POINTS);
    for (let i = w.start; i <= last; i++) {
      if (scores[i] >= threshold) {
        delays.push(i - w.start);
        delaysMs.push(s.t[i] - s.t[w.start]);
        break;
      }
    }
  }
  return { delays, delaysMs, falseAlerts };
}

/** Median of the delays in points and in milliseconds, or NaN when there are none. */
export function medianDelay(r: EvalResult): { points: number; ms: number } {
  return r.delays.length ? { points: median(r.delays), ms: median(r.delaysMs) } : { points: NaN, ms: NaN };
}
