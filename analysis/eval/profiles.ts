// Kinds of series an operations team watches, as generators: each is a level, a daily/weekly profile and
// noise in a "model space" (log space for rates and sizes that vary multiplicatively), then what the
// collector would report (Poisson counts, sensor resolution, bounds).
import type { Random } from './random.ts';

/** The anomaly kinds of the evaluation (peer outliers are evaluated on cross-sections, apart). */
export const EVAL_KINDS = ['spike', 'dip', 'level_shift', 'trend', 'variance', 'seasonality', 'flatline', 'missing'] as const;
export type EvalKind = (typeof EVAL_KINDS)[number];

const DAY = 86_400_000;
const HOUR = 3_600_000;

/** Model-space components of a series, one number per point. */
export interface Components {
  level: Float64Array;
  season: Float64Array;
  noise: Float64Array;
}

/** A kind of series. */
export interface Profile {
  readonly name: string;
  readonly intervalMs: number;
  readonly days: number;
  /** Has a daily pattern strong enough for the `seasonality` kind to be injected. */
  readonly seasonal: boolean;
  /** Kinds that make sense on this series. */
  readonly kinds: readonly EvalKind[];
  components(rng: Random, t: readonly number[]): Components;
  /** Noise-free value of model-space y. */
  mean(y: number): number;
  /** What the collector reports for model-space y (observation noise drawn from `rng`). */
  observe(rng: Random, y: number): number;
  /** Bounds and resolution applied to every reported value, injected anomalies included. */
  finish(v: number): number;
}

const hourOf = (t: number): number => ((t % DAY) + DAY) % DAY / HOUR;
const isWeekend = (t: number): boolean => {
  const dow = (Math.floor(t / DAY) + 4) % 7;
  return dow === 0 || dow === 6;
};
/** Daily traffic shape in [-1, 1]: trough near 04:00 UTC, evening peak near 20:00, a lunch bump. */
const traffic = (t: number): number => {
  const h = hourOf(t);
  return 0.8 * -Math.cos((2 * Math.PI * (h - 6)) / 24) + 0.25 * Math.sin((4 * Math.PI * (h - 9)) / 24);
};
/** Weekend dip in [0, 1]: nothing at night, most in the afternoon, so no step at midnight. */
const weekend = (t: number): number => {
  if (!isWeekend(t)) return 0;
  const h = hourOf(t);
  return h < 6 ? 0 : Math.sin((Math.PI * (h - 6)) / 18);
};
const roundTo = (v: number, q: number): number => Math.round(v / q) * q;

/** AR(1) noise with marginal standard deviation `sd`; `innov` draws a unit-variance innovation. */
function ar1(rng: Random, n: number, phi: number, sd: number, innov: () => number = rng.normal): Float64Array {
  const out = new Float64Array(n);
  const s = sd * Math.sqrt(1 - phi * phi);
  let x = sd * innov();
  for (let i = 0; i < n; i++) {
    x = phi * x + s * innov();
    out[i] = x;
  }
  return out;
}

function fill(n: number, f: (i: number) => number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = f(i);
  return out;
}

const ALL: readonly EvalKind[] = EVAL_KINDS;
const NOT_SEASONAL: readonly EvalKind[] = EVAL_KINDS.filter((k) => k !== 'seasonality');

/** The series of the evaluation. */
export const PROFILES: readonly Profile[] = [
  {
    name: 'web-rps',
    intervalMs: 60_000,
    days: 14,
    seasonal: true,
    kinds: ALL,
    components(rng, t) {
      const n = t.length;
      const lvl = Math.log(rng.pick([20, 300, 4000]));
      const amp = rng.uniform(0.3, 0.7);
      const we = rng.uniform(0.1, 0.3);
      return {
        level: fill(n, () => lvl),
        season: fill(n, (i) => amp * traffic(t[i]) - we * weekend(t[i])),
        noise: ar1(rng, n, 0.6, rng.uniform(0.02, 0.05)),
      };
    },
    mean: (y) => Math.exp(y),
    observe: (rng, y) => rng.poisson(Math.exp(y) * 60) / 60,
    finish: (v) => Math.max(0, roundTo(v, 1 / 60)),
  },
  {
    name: 'latency-p99',
    intervalMs: 60_000,
    days: 10,
    seasonal: false,
    kinds: NOT_SEASONAL,
    components(rng, t) {
      const n = t.length;
      const lvl = Math.log(rng.uniform(20, 400));
      const sd = rng.uniform(0.06, 0.12);
      return {
        level: fill(n, () => lvl),
        season: fill(n, (i) => 0.12 * traffic(t[i])),
        noise: ar1(rng, n, 0.3, sd, () => rng.studentT(4)),
      };
    },
    mean: (y) => Math.exp(y),
    observe: (_rng, y) => Math.exp(y),
    finish: (v) => Math.max(0.1, roundTo(v, 0.1)),
  },
  {
    name: 'cpu-percent',
    intervalMs: 300_000,
    days: 21,
    seasonal: true,
    kinds: ALL,
    components(rng, t) {
      const n = t.length;
      const lvl = rng.uniform(15, 40);
      const amp = rng.uniform(10, 25);
      const we = rng.uniform(3, 8);
      return {
        level: fill(n, () => lvl),
        season: fill(n, (i) => amp * traffic(t[i]) - we * weekend(t[i])),
        noise: ar1(rng, n, 0.7, rng.uniform(1.5, 4)),
      };
    },
    mean: (y) => y,
    observe: (_rng, y) => y,
    finish: (v) => Math.min(100, Math.max(0, roundTo(v, 0.1))),
  },
  {
    name: 'net-bytes',
    intervalMs: 30_000,
    days: 5,
    seasonal: true,
    kinds: ALL,
    components(rng, t) {
      const n = t.length;
      const lvl = Math.log(rng.uniform(1e7, 1e9));
      const amp = rng.uniform(0.4, 0.8);
      return {
        level: fill(n, () => lvl),
        season: fill(n, (i) => amp * traffic(t[i])),
        noise: ar1(rng, n, 0.8, rng.uniform(0.03, 0.06)),
      };
    },
    mean: (y) => Math.exp(y),
    observe: (_rng, y) => Math.exp(y),
    finish: (v) => Math.max(0, Math.round(v)),
  },
  {
    name: 'temperature',
    intervalMs: 300_000,
    days: 14,
    seasonal: true,
    kinds: ALL,
    components(rng, t) {
      const n = t.length;
      const lvl = rng.uniform(22, 30);
      const amp = rng.uniform(2, 4);
      return {
        level: fill(n, () => lvl),
        season: fill(n, (i) => amp * Math.sin((2 * Math.PI * (hourOf(t[i]) - 9)) / 24)),
        noise: ar1(rng, n, 0.95, rng.uniform(0.3, 0.6)),
      };
    },
    mean: (y) => y,
    observe: (_rng, y) => y,
    finish: (v) => roundTo(v, 0.5),
  },
  {
    name: 'disk-used',
    intervalMs: 300_000,
    days: 14,
    seasonal: false,
    kinds: NOT_SEASONAL,
    components(rng, t) {
      const n = t.length;
      const start = rng.uniform(20, 60);
      const perPoint = rng.uniform(0.2, 1) / 288;
      let walk = 0;
      return {
        level: fill(n, (i) => start + perPoint * i + (walk += 0.01 * rng.normal())),
        season: new Float64Array(n),
        noise: fill(n, () => 0.05 * rng.normal()),
      };
    },
    mean: (y) => y,
    observe: (_rng, y) => y,
    finish: (v) => Math.min(100, Math.max(0, roundTo(v, 0.01))),
  },
  {
    name: 'db-connections',
    intervalMs: 60_000,
    days: 7,
    seasonal: true,
    kinds: ALL,
    components(rng, t) {
      const n = t.length;
      const lvl = rng.uniform(40, 120);
      return {
        level: fill(n, () => lvl),
        season: fill(n, (i) => 0.3 * lvl * traffic(t[i])),
        noise: ar1(rng, n, 0.97, rng.uniform(2, 5)),
      };
    },
    mean: (y) => y,
    observe: (_rng, y) => y,
    finish: (v) => Math.max(0, Math.round(v)),
  },
  {
    name: 'error-rate',
    intervalMs: 60_000,
    days: 7,
    seasonal: false,
    // A few errors a minute: a dip cannot go further than zero, which Poisson noise reaches anyway.
    kinds: NOT_SEASONAL.filter((k) => k !== 'dip'),
    components(rng, t) {
      const n = t.length;
      const lvl = Math.log(rng.uniform(2, 8));
      return {
        level: fill(n, () => lvl),
        season: fill(n, (i) => 0.3 * traffic(t[i])),
        noise: ar1(rng, n, 0.5, 0.05),
      };
    },
    mean: (y) => Math.exp(y) / 60,
    observe: (rng, y) => rng.poisson(Math.exp(y)) / 60,
    finish: (v) => Math.max(0, roundTo(v, 1 / 60)),
  },
  {
    name: 'hourly-capacity',
    intervalMs: 3_600_000,
    days: 120,
    seasonal: true,
    kinds: ALL,
    components(rng, t) {
      const n = t.length;
      const lvl = rng.uniform(500, 5000);
      const amp = rng.uniform(0.2, 0.4) * lvl;
      return {
        level: fill(n, (i) => lvl * (1 + (0.1 * i) / n)),
        season: fill(n, (i) => amp * traffic(t[i]) - 0.15 * lvl * weekend(t[i])),
        noise: ar1(rng, n, 0.5, 0.03 * lvl),
      };
    },
    mean: (y) => y,
    observe: (_rng, y) => y,
    finish: (v) => Math.max(0, Math.round(v)),
  },
];
