// Runs one or more cores over a shared baseline and turns their surprises into one calibrated score:
// the ensemble (`default`) and every single detector are composites.
import { learn as learnBaseline, newBaseline, observeTime, prepare, type BaselineState } from './baseline.ts';
import { ALERT_SURPRISE, NOTICE_SURPRISE, scoreFromSurprise, zFromSurprise } from './calibration.ts';
import type { AnyCore, Row } from './core.ts';
import { newEpisode, stepEpisode, type Episode } from './online.ts';
import type { AnomalyKind, Detector, DetectorOptions, DetectorOutput, DetectorSnapshot } from './types.ts';

/** Version of the snapshot layout; a snapshot of another version is refused. */
export const SNAPSHOT_VERSION = 1;
/** Default number of points of an episode that keep their full score. */
export const HOLD_POINTS = 6;
/**
 * Young series are judged more leniently: value statistics lose up to this much surprise, fading to
 * nothing at WARM_POINTS values, because their scales and tails are still being learned.
 */
const WARM_PENALTY = 3;
const WARM_POINTS = 400;
/** Surprise that later points of an episode are held to (score ≈ 0.08): visible, far from alerting. */
const HELD_SURPRISE = 3;

/** Everything a composite keeps: JSON data, O(1) per core plus the baseline's profile. */
export interface CompositeState {
  seasonal: boolean;
  holdPoints: number;
  b: BaselineState;
  cores: unknown[];
  /** One episode per core (freezes its learning, drives its adaptation) and one for the combined score. */
  eps: Episode[];
  ep: Episode;
}

/** Resolved options with their defaults. */
function resolve(opts: DetectorOptions): { seasonal: boolean; holdPoints: number } {
  const holdPoints = opts.holdPoints ?? HOLD_POINTS;
  if (!Number.isInteger(holdPoints) || holdPoints < 1) throw new Error(`cannot create detector: holdPoints must be a positive integer, not ${holdPoints}`);
  return { seasonal: opts.seasonal ?? true, holdPoints };
}

/** A fresh state for `cores`. */
export function newCompositeState(cores: readonly AnyCore[], opts: DetectorOptions): CompositeState {
  const r = resolve(opts);
  return {
    ...r,
    b: newBaseline(r.seasonal),
    cores: cores.map((c) => c.init()),
    eps: cores.map(() => newEpisode()),
    ep: newEpisode(),
  };
}

/**
 * A detector made of `cores`. Each value core's surprise is reduced by log10 of the number of value cores
 * (a Bonferroni correction: the ensemble asks five questions of every value, so each answer must be five
 * times as unlikely) plus its own `ensemblePenalty` (trend 1, seasonality 0.5), and, on a young series,
 * by up to 3 more (fading out over the first 400 values). The largest surprise is the point's, and the
 * score is {@link scoreFromSurprise} of it. An episode starts when the score reaches 0.5 and ends after
 * three calm points (every core's surprise below 2); its first `holdPoints` points keep their score and the
 * rest are held at ≈ 0.08, so one ongoing anomaly is one burst of high scores (while the cores adapt)
 * rather than an alarm on every point. Values still stuck after a flatline was flagged are neither scored
 * nor learned by the value statistics and the baseline.
 *
 * `state` is taken over, not copied (the caller gives a fresh one, or a copy of a snapshot).
 */
export function createComposite(name: string, cores: readonly AnyCore[], state: CompositeState): Detector {
  const valueCores = cores.filter((c) => c.onValues).length;
  const penalty = cores.map((c) => (c.onValues && valueCores > 1 ? Math.log10(valueCores) + (c.ensemblePenalty ?? 0) : 0));
  const bandZ = zFromSurprise(ALERT_SURPRISE + (penalty[0] ?? 0));
  const flat = cores.findIndex((c) => c.name === 'flatline');
  const s = state;
  return {
    name,
    update(t: number, value: number | null): DetectorOutput {
      const missed = observeTime(s.b, t);
      const v = value === null || !Number.isFinite(value) ? null : value;
      const x = v === null ? null : prepare(s.b, t, v);

      const row: Row = { t, x, missed };
      let best = 0;
      let kind: AnomalyKind | undefined;
      const measures = cores.map((c, i) => c.measure(s.cores[i], row, s.b));
      const early = WARM_PENALTY * Math.max(0, 1 - s.b.n / WARM_POINTS);
      // A value stuck after a flatline was flagged is not a measurement: the value statistics and the
      // baseline neither score nor learn it, so the series is judged afresh when it moves again.
      const stuck = flat >= 0 && s.eps[flat].on && measures[flat].surprise > 0;
      for (let i = 0; i < cores.length; i++) {
        const mute = stuck && cores[i].onValues;
        const sur = mute ? 0 : Math.max(0, measures[i].surprise - penalty[i] - (cores[i].onValues ? early : 0));
        const started = stepEpisode(s.eps[i], sur, sur, ALERT_SURPRISE);
        if (!mute) cores[i].learn(s.cores[i], row, s.b, s.eps[i], started);
        if (sur > best) {
          best = sur;
          kind = measures[i].kind;
        }
      }
      if (x !== null && stuck) s.b.lastV = x.v;
      else if (x !== null) learnBaseline(s.b, x);
      stepEpisode(s.ep, best, best, ALERT_SURPRISE);
      const held = s.ep.on && s.ep.len > s.holdPoints;
      const out = held ? Math.min(best, HELD_SURPRISE) : best;
      const result: { -readonly [K in keyof DetectorOutput]: DetectorOutput[K] } = { score: scoreFromSurprise(out) };
      if (best >= NOTICE_SURPRISE) result.kind = kind;
      if (s.ep.on) result.ongoing = true;
      if (x !== null && s.b.n > 1) {
        result.expected = x.pred;
        result.low = x.pred - bandZ * x.fSigma;
        result.high = x.pred + bandZ * x.fSigma;
      }
      return result;
    },
    snapshot(): DetectorSnapshot {
      return { v: SNAPSHOT_VERSION, name, state: structuredClone(s) };
    },
  };
}
