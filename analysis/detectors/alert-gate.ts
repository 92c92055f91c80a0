import { ALERT_THRESHOLD } from './calibration.ts';

/** Options of {@link createAlertGate}. */
export interface AlertGateOptions {
  /** Score at or above which a point is anomalous. @default 0.5 ({@link ALERT_THRESHOLD}) */
  readonly threshold?: number;
  /** Anomalous points in a row that open the gate. @default 1 */
  readonly openAfter?: number;
  /** While open, a score at or above this keeps it open (hysteresis). @default threshold / 2 */
  readonly stayAbove?: number;
  /** The gate closes once no score reached `stayAbove` for this long, ms. @default 0 (the first calm point) */
  readonly holdMs?: number;
}

/** State of a gate: JSON data, to resume after a restart. */
export interface AlertGateState {
  open: boolean;
  /** Anomalous points in a row while closed. */
  above: number;
  /** When the gate opened, and the last time the score reached `stayAbove`; null while closed. */
  openedAt: number | null;
  lastHot: number | null;
}

/** What one score did to the gate. */
export interface GateStep {
  readonly open: boolean;
  /** The gate opened at this point: one alert. */
  readonly opened: boolean;
  /** The gate closed at this point (the alert ended). */
  readonly closed: boolean;
}

/** A gate: feed it the scores of one series, in time order. */
export interface AlertGate {
  update(t: number, score: number): GateStep;
  snapshot(): AlertGateState;
}

/**
 * Turns a series' scores into alerts: the gate opens when the score is at least `threshold` for
 * `openAfter` points in a row, stays open through dips (any score ≥ `stayAbove` within `holdMs` keeps
 * it), and closes after `holdMs` without one. One opening is one alert, so a burst of high scores, or
 * two bursts a few points apart, raise one alert. Pure and O(1); `state` resumes a snapshot.
 *
 * @example
 * const g = createAlertGate({ holdMs: 10 * 60_000 });
 * g.update(t, 0.9).opened // true: one alert; later high scores within ten minutes keep it open
 */
export function createAlertGate(opts: AlertGateOptions = {}, state?: AlertGateState): AlertGate {
  const threshold = opts.threshold ?? ALERT_THRESHOLD;
  const openAfter = opts.openAfter ?? 1;
  const stayAbove = opts.stayAbove ?? threshold / 2;
  const holdMs = opts.holdMs ?? 0;
  if (!(threshold > 0 && threshold <= 1)) throw new Error(`cannot create alert gate: threshold must be in (0, 1], not ${threshold}`);
  if (!Number.isInteger(openAfter) || openAfter < 1) throw new Error(`cannot create alert gate: openAfter must be a positive integer, not ${openAfter}`);
  if (!(stayAbove >= 0 && stayAbove <= threshold)) throw new Error(`cannot create alert gate: stayAbove must be in [0, threshold], not ${stayAbove}`);
  if (!(holdMs >= 0)) throw new Error(`cannot create alert gate: holdMs must be ≥ 0, not ${holdMs}`);
  const s: AlertGateState = state ? { ...state } : { open: false, above: 0, openedAt: null, lastHot: null };
  return {
    update(t, score) {
      if (!s.open) {
        s.above = score >= threshold ? s.above + 1 : 0;
        if (s.above < openAfter) return { open: false, opened: false, closed: false };
        s.open = true;
        s.above = 0;
        s.openedAt = t;
        s.lastHot = t;
        return { open: true, opened: true, closed: false };
      }
      if (score >= stayAbove) {
        s.lastHot = t;
        return { open: true, opened: false, closed: false };
      }
      if (t - (s.lastHot as number) < holdMs) return { open: true, opened: false, closed: false };
      s.open = false;
      s.openedAt = null;
      s.lastHot = null;
      return { open: false, opened: false, closed: true };
    },
    snapshot: () => ({ ...s }),
  };
}
