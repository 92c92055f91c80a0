// What every detector compares a point with: the sampling interval, a one-step forecast (a damped Holt
// model) with a robust, tail-aware residual scale, and a slow expectation that learns daily profiles
// (weekdays and weekends apart) online. The detectors of this folder read a {@link Step} computed from it;
// only the detectors that adapt to a change they flagged (level shift, variance) write to it.
import { MAX_SURPRISE, surpriseFromZ } from './calibration.ts';
import { alphaForHalfLife, clip, MAD_TO_SIGMA, median } from './online.ts';

const DAY = 86_400_000;
/** Profile slots per day: 30 minutes each. */
export const SLOTS = 48;
const SLOT_MS = DAY / SLOTS;
/** Sampling intervals above this get no daily profile (fewer than 12 points a day). */
const MAX_SEASONAL_INTERVAL = 2 * 3_600_000;
/** Inter-arrival times remembered for the interval estimate (their median). */
const DELTAS = 9;
/** Half-life of the slow level: six hours of points, within [24, 2000] points. */
const SLOW_HALF_LIFE_MS = 6 * 3_600_000;
/** Damped Holt model of the one-step forecast. */
const HOLT_ALPHA = 0.35;
const HOLT_BETA = 0.05;
const HOLT_PHI = 0.9;
/** Residuals count at most this many σ when models learn from them. */
const LEARN_CLIP = 3;
/** Residual scales learn with this smoothing after their first 1/x points. */
const SCALE_ALPHA = 1 / 200;
/** 99th and 99.9th percentiles of |Z|/E|Z| for a normal Z: a residual distribution with heavier tails widens the scale. */
const GAUSS_Q99 = 2.5758 * MAD_TO_SIGMA;
const GAUSS_Q999 = 3.2905 * MAD_TO_SIGMA;

/** The state of a baseline: plain numbers and arrays (JSON). */
export interface BaselineState {
  /** Values learned (missing points excluded). */
  n: number;
  /** Time of the last row, value or not; null before the first. */
  lastT: number | null;
  /** Last value; null before the first. */
  lastV: number | null;
  /** The last positive inter-arrival times, ms (ring), and the next slot to write. */
  deltas: number[];
  di: number;
  /** Median inter-arrival time, ms; 0 while unknown. */
  interval: number;
  /** One-step forecast: level and slope of a damped Holt model. */
  level: number;
  slope: number;
  /** Mean absolute one-step residual, and tracked 99th / 99.9th percentiles of |residual| / that mean. */
  fAbs: number;
  q99: number;
  q999: number;
  /** Consecutive residuals beyond 3σ with the same sign (signed): three make the level jump there. */
  push: number;
  /** Smallest non-zero change between consecutive values (the series' resolution); 0 while none. */
  quantum: number;
  /** Slow levels: deseasonalised (`base`) and plain (`baseNs`). */
  base: number;
  baseNs: number;
  /** Mean absolute residual of the blended expectation, of the profile model, and of the plain slow level. */
  eAbs: number;
  pAbs: number;
  nsAbs: number;
  /** Daily profile, offsets from `base` (SLOTS weekday slots), then SLOTS weekend offsets from the weekday slots; null when off. */
  prof: number[] | null;
  /** Points learned per profile slot. */
  cnt: number[] | null;
  /** Time of the first value, and the day (since the epoch) of the last profile centring. */
  firstT: number | null;
  day: number;
}

/** What the baseline says about one point before learning it. */
export interface Step {
  t: number;
  v: number;
  /** One-step forecast and its residual. */
  pred: number;
  r: number;
  /** σ of the one-step residual (robust, tail-aware, floored by the series' resolution). */
  fSigma: number;
  /** Slow expectation (level plus weighted profile), its residual and σ. */
  expected: number;
  rs: number;
  sSigma: number;
  /** Profile value (offset) at this slot, the weight given to the profile (0 to 1), and the slot (-1: none). */
  p: number;
  w: number;
  slot: number;
  /**
   * The point is in a part of the week never seen before (a weekend slot's first visit): the expectation
   * is a guess, so the scale of the slow residuals does not learn from it (it would learn that a poor
   * guess is normal, and judge the following days too leniently).
   */
  novel: boolean;
}

/** A new baseline; `seasonal` false never learns profiles. */
export function newBaseline(seasonal: boolean): BaselineState {
  return {
    n: 0,
    lastT: null,
    lastV: null,
    deltas: [],
    di: 0,
    interval: 0,
    level: 0,
    slope: 0,
    fAbs: 0,
    q99: GAUSS_Q99,
    q999: GAUSS_Q999,
    push: 0,
    quantum: 0,
    base: 0,
    baseNs: 0,
    eAbs: 0,
    pAbs: 0,
    nsAbs: 0,
    prof: seasonal ? new Array<number>(2 * SLOTS).fill(0) : null,
    cnt: seasonal ? new Array<number>(2 * SLOTS).fill(0) : null,
    firstT: null,
    day: 0,
  };
}

/**
 * Records the time of a row (value or not) and returns how many points are missing before it, judged
 * from the median interval: 0 for a regular row, 2 when two intervals were skipped.
 */
export function observeTime(b: BaselineState, t: number): number {
  if (b.lastT === null) {
    b.lastT = t;
    return 0;
  }
  const dt = t - b.lastT;
  if (!(dt > 0)) return 0; // repeated or out-of-order timestamp: no gap, interval unchanged
  const missed = b.interval > 0 ? Math.max(0, Math.round(dt / b.interval) - 1) : 0;
  if (b.deltas.length < DELTAS) b.deltas.push(dt);
  else b.deltas[b.di] = dt;
  b.di = (b.di + 1) % DELTAS;
  b.interval = median(b.deltas);
  b.lastT = t;
  return missed;
}

/** Index of the profile slot of time t, weekend slots after weekday ones (1970-01-01 was a Thursday). */
function slotOf(t: number): number {
  const dayIndex = Math.floor(t / DAY);
  const dow = (((dayIndex + 4) % 7) + 7) % 7;
  const slot = Math.floor((t - dayIndex * DAY) / SLOT_MS);
  return dow === 0 || dow === 6 ? SLOTS + slot : slot;
}

/** The two slots whose centres surround t, and the weight of the second (linear interpolation). */
interface Between {
  i0: number;
  i1: number;
  f: number;
}

function between(t: number): Between {
  const c = t - SLOT_MS / 2;
  const f = (((c % SLOT_MS) + SLOT_MS) % SLOT_MS) / SLOT_MS;
  return { i0: slotOf(c), i1: slotOf(c + SLOT_MS), f };
}

function usesProfile(b: BaselineState): boolean {
  return b.prof !== null && b.interval > 0 && b.interval <= MAX_SEASONAL_INTERVAL;
}

/** Points in one profile slot at the current interval (at least 1). */
function pointsPerSlot(b: BaselineState): number {
  return Math.max(1, SLOT_MS / b.interval);
}

/**
 * Profile value at t, interpolated between the two nearest slot centres so it moves smoothly (a stepwise
 * profile would make the one-step forecast jump every 30 minutes); unlearned while either slot's weekday
 * slot has no data. Weekend slots hold offsets from their weekday slot (0 until learned), so what the
 * weekday profile learns carries over to weekends, which are seen only two days a week.
 */
function profileAt(b: BaselineState, t: number): { p: number; learned: boolean; at: Between } {
  const prof = b.prof as number[];
  const cnt = b.cnt as number[];
  const at = between(t);
  const learned = cnt[at.i0 % SLOTS] > 0 && cnt[at.i1 % SLOTS] > 0;
  const valueAt = (i: number): number => (i >= SLOTS ? prof[i - SLOTS] + prof[i] : prof[i]);
  return { p: (1 - at.f) * valueAt(at.i0) + at.f * valueAt(at.i1), learned, at };
}

/** σ of a residual from its mean absolute value, the tail trackers and the resolution floors. */
function oneStepSigma(b: BaselineState): number {
  const inflate = Math.max(1, b.q99 / GAUSS_Q99, b.q999 / GAUSS_Q999);
  return Math.max(MAD_TO_SIGMA * b.fAbs * inflate, floorSigma(b));
}

/**
 * Surprise of a one-step residual r. Up to the tracked 99th percentile it is the normal tail of r/σ. When
 * the trackers show a power-law tail (the 99.9th percentile more than 10^(1/6) times the 99th, i.e. a
 * tail index below 6, as for Student t or log-normal latencies) the surprise beyond the 99th percentile
 * follows that power law instead, P(|r| > x) = 1 % · (x / q99)^(−k), fitted through both percentiles, so a
 * series whose noise has heavy tails is not alarmed by its own normal excursions.
 */
export function residualSurprise(b: BaselineState, r: number, sigma: number): number {
  const gauss = surpriseFromZ(r / sigma);
  if (b.fAbs <= 0 || b.q999 <= b.q99) return gauss;
  const k = Math.LN10 / Math.log(b.q999 / b.q99);
  const heavy = clip((6 - k) / 2, 0, 1);
  const x = Math.abs(r) / Math.max(b.fAbs, sigma / (MAD_TO_SIGMA * 50));
  if (heavy === 0 || x <= b.q99) return gauss;
  const power = Math.min(MAX_SURPRISE, 2 + (k * Math.log(x / b.q99)) / Math.LN10);
  return (1 - heavy) * gauss + heavy * Math.min(gauss, power);
}

/** The smallest σ a residual scale may have: half the series' resolution, or a relative epsilon. */
export function floorSigma(b: BaselineState): number {
  return Math.max(0.5 * b.quantum, 1e-9 * Math.abs(b.level), 1e-300);
}

/** Weight of the profile in the expectation: 0 until a day is learned and unless it explains the series. */
function profileWeight(b: BaselineState, t: number): number {
  if (!usesProfile(b) || b.firstT === null || b.nsAbs <= 0) return 0;
  const age = clip((t - b.firstT - DAY) / DAY, 0, 1);
  const ratio = b.pAbs / b.nsAbs;
  return age * clip((0.85 - ratio) / 0.3, 0, 1);
}

/** Computes what the baseline expects of value `v` at `t`, without learning it. */
export function prepare(b: BaselineState, t: number, v: number): Step {
  if (b.n === 0) {
    return { t, v, pred: v, r: 0, fSigma: floorSigma(b), expected: v, rs: 0, sSigma: floorSigma(b), p: 0, w: 0, slot: -1, novel: false };
  }
  let p = 0;
  let slot = -1;
  let w = 0;
  let novel = false;
  if (usesProfile(b)) {
    const at = profileAt(b, t);
    slot = at.at.f < 0.5 ? at.at.i0 : at.at.i1;
    if (at.learned) {
      p = at.p;
      w = profileWeight(b, t);
      const cnt = b.cnt as number[];
      novel = w > 0 && slot >= SLOTS && cnt[slot] < pointsPerSlot(b);
    }
  }
  // The one-step model runs on deseasonalised values, so a daily step (a 02:00 batch job) is forecast.
  const pred = b.level + HOLT_PHI * b.slope + w * p;
  const r = v - pred;
  const expected = (1 - w) * b.baseNs + w * (b.base + p);
  const sSigma = Math.max(MAD_TO_SIGMA * b.eAbs, floorSigma(b));
  return { t, v, pred, r, fSigma: oneStepSigma(b), expected, rs: v - expected, sSigma, p: w * p, w, slot, novel };
}

/** Smoothing of the slow levels: a half-life of six hours of points, within [24, 2000] points. */
function slowAlpha(b: BaselineState): number {
  const points = b.interval > 0 ? clip(SLOW_HALF_LIFE_MS / b.interval, 24, 2000) : 24;
  return Math.max(1 / b.n, alphaForHalfLife(points));
}

/** Learns the point described by `s` (call after every detector scored it). */
export function learn(b: BaselineState, s: Step): void {
  const { t, v } = s;
  if (b.lastV !== null && v !== b.lastV) {
    const d = Math.abs(v - b.lastV);
    b.quantum = b.quantum === 0 ? d : Math.min(b.quantum * 1.001, d);
  }
  b.lastV = v;
  b.n += 1;
  if (b.n === 1) {
    b.level = v;
    b.base = v;
    b.baseNs = v;
    b.firstT = t;
    b.day = Math.floor(t / DAY);
    return;
  }
  learnOneStep(b, s);
  learnSlow(b, s);
}

function learnOneStep(b: BaselineState, s: Step): void {
  const a = Math.max(1 / b.n, SCALE_ALPHA);
  const sigma = s.fSigma;
  const big = Math.abs(s.r) > LEARN_CLIP * sigma && b.n > 10;
  b.push = big ? (Math.sign(s.r) === Math.sign(b.push) ? b.push + Math.sign(s.r) : Math.sign(s.r)) : 0;
  if (Math.abs(b.push) >= 3) {
    // Three large residuals in a row on one side: the series moved; forecast from where it is now.
    b.level = s.v - s.p;
    b.slope = 0;
    b.push = 0;
  } else {
    const rc = b.n > 10 ? clip(s.r, -LEARN_CLIP * sigma, LEARN_CLIP * sigma) : s.r;
    const prevLevel = b.level;
    b.level = s.pred - s.p + HOLT_ALPHA * rc;
    b.slope = HOLT_PHI * b.slope + HOLT_BETA * (b.level - prevLevel - HOLT_PHI * b.slope);
  }
  const absR = Math.abs(s.r);
  if (b.fAbs > 0 && b.n > 10) {
    const x = absR / b.fAbs;
    b.q99 = clip(b.q99 + 0.05 * b.q99 * (x > b.q99 ? 0.99 : -0.01), GAUSS_Q99, 50);
    b.q999 = clip(b.q999 + 0.05 * b.q999 * (x > b.q999 ? 0.999 : -0.001), GAUSS_Q999, 80);
  }
  const capped = b.n > 10 ? Math.min(absR, 5 * MAD_TO_SIGMA * b.fAbs * Math.max(1, b.q99 / GAUSS_Q99)) : absR;
  b.fAbs += a * (capped - b.fAbs);
}

function learnSlow(b: BaselineState, s: Step): void {
  const a = slowAlpha(b);
  const sa = Math.max(1 / b.n, SCALE_ALPHA);
  const lim = LEARN_CLIP * Math.max(MAD_TO_SIGMA * b.pAbs, floorSigma(b));
  const warm = b.n > 20;
  const rNs = s.v - b.baseNs;
  b.nsAbs += sa * (Math.abs(rNs) - b.nsAbs);
  b.baseNs += a * (warm ? clip(rNs, -lim * 2, lim * 2) : rNs);
  const eLim = 4 * s.sSigma;
  if (!s.novel) b.eAbs += sa * ((warm ? Math.min(Math.abs(s.rs), eLim) : Math.abs(s.rs)) - b.eAbs);
  if (!usesProfile(b)) {
    b.base = b.baseNs;
    b.pAbs = b.nsAbs;
    return;
  }
  const prof = b.prof as number[];
  const cnt = b.cnt as number[];
  const { p, at } = profileAt(b, s.t);
  const rp = s.v - b.base - p;
  if (cnt[at.i0] > 0) b.pAbs += sa * ((warm ? Math.min(Math.abs(rp), 4 * lim) : Math.abs(rp)) - b.pAbs);
  const step = warm && cnt[at.i0] > 0 && cnt[at.i1] > 0 ? clip(rp, -lim, lim) : rp;
  learnSlot(b, at.i0, 1 - at.f, step);
  learnSlot(b, at.i1, at.f, step);
  // The level learns on weekdays only once profiles are in use: a weekend dip lasts longer than its
  // half-life, and a level that followed it would teach the weekend offsets to make up for it at night.
  if (s.w < 0.5 || at.i0 < SLOTS) {
    const rb = s.v - profileAt(b, s.t).p - b.base;
    b.base += a * (warm ? clip(rb, -lim, lim) : rb);
  }
  const day = Math.floor(s.t / DAY);
  if (day !== b.day) {
    b.day = day;
    // The one-step level is deseasonalised with weight w: it takes over what the profile gives up.
    b.level += s.w * centreProfiles(b);
  }
}

/**
 * Moves slot i towards explaining residual `rp` with interpolation weight `wt`: a running mean over its
 * first visits, then an exponentially weighted one (about a week of memory). A weekend offset starts at 0
 * with a prior worth a quarter of a visit, so the first weekend is judged by weekdays and learned gradually.
 */
function learnSlot(b: BaselineState, i: number, wt: number, rp: number): void {
  if (wt <= 0) return;
  const prof = b.prof as number[];
  const cnt = b.cnt as number[];
  const perSlot = pointsPerSlot(b);
  const prior = i >= SLOTS ? perSlot / 4 : 0;
  const a = Math.max(1 / (cnt[i] + prior + 1), 0.15 / perSlot);
  prof[i] += a * wt * rp;
  cnt[i] = Math.min(cnt[i] + wt, 1e6);
}

/**
 * Moves the mean of the learned weekday slots from the profiles into the level, so the two do not drift
 * apart, and returns the amount moved.
 */
function centreProfiles(b: BaselineState): number {
  const prof = b.prof as number[];
  const cnt = b.cnt as number[];
  let sum = 0;
  let k = 0;
  for (let i = 0; i < SLOTS; i++) {
    if (cnt[i] > 0) {
      sum += prof[i];
      k += 1;
    }
  }
  if (k < SLOTS / 2) return 0;
  const m = sum / k;
  for (let i = 0; i < SLOTS; i++) if (cnt[i] > 0) prof[i] -= m;
  b.base += m;
  return m;
}

/** Moves every level of the baseline by `delta`: a level shift was flagged and is now the norm. */
export function rebase(b: BaselineState, delta: number): void {
  b.base += delta;
  b.baseNs += delta;
}
