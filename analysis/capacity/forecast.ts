// The capacity forecaster: robust trend + daily/weekly seasonality, fitted after the latest level shift,
// with prediction intervals calibrated on the series' own out-of-sample errors. See docs/capacity.md.
import { normalQuantile } from '../../query/stats/dist.ts';
import { detectLevelShift } from './level-shift.ts';
import { madScale, median, quantile, theilSenSlope } from './robust.ts';
import { blockLevel, estimateSeasonal } from './seasonal.ts';

/** A fitted point-forecast model; `predict(h)` is the value h ≥ 1 steps after the last history point. */
export interface ForecastModel {
  /** Seasonal periods used, in steps (e.g. [288, 2016] for daily and weekly at 5 minutes). */
  readonly periods: readonly number[];
  /** Index where the fit window starts: the latest level shift, or the start of the recent window. */
  readonly fitFrom: number;
  /** Whether `fitFrom` is a detected level shift. */
  readonly shift: boolean;
  /** Trend per step, in the series' unit. */
  readonly slope: number;
  /** Robust noise scale (MAD) around the local level, the floor of every interval. */
  readonly sigma: number;
  predict(h: number): number;
}

/**
 * Fits the point-forecast model to `values` (a regular series at `stepMs`, nulls missing): seasonal
 * profiles (`estimateSeasonal`), then on the deseasonalized series a block-median local level, a
 * MAD noise scale, clipping of points beyond 4σ of the local level (for shift detection only), the latest level
 * shift (`detectLevelShift`), and a Theil–Sen trend and median level on the (unclipped) points after it (at most the last
 * four longest seasons, or 200 points). When less than two windows follow the shift, the slope comes from
 * before it. Uses only `values`: causal by construction.
 *
 * @throws Error when fewer than 3 values are present.
 */
export function fitForecastModel(values: readonly (number | null)[], stepMs: number): ForecastModel {
  const n = values.length;
  const present = values.filter((v) => v !== null).length;
  if (present < 3) throw new Error(`cannot fit a forecast: ${present} values present, need 3 or more`);
  const seasonal = estimateSeasonal(values, stepMs);
  const d = values.map((v, i) => (v === null ? null : v - seasonal.at(i)));
  const longest = Math.max(0, ...seasonal.periods);
  const block = seasonal.periods[0] ?? Math.max(5, Math.min(50, Math.floor(n / 10)));
  const local = blockLevel(d, block);
  const noise = madScale(d.map((x, i) => (x === null ? null : x - local[i])));
  const sigma = noise > 0 ? noise : 1e-9 * Math.max(1, Math.abs(median(d)));
  const clipped = d.map((x, i) => (x === null ? null : Math.min(local[i] + 4 * sigma, Math.max(local[i] - 4 * sigma, x))));
  const window = Math.max(block, 8);
  const globalSlope = theilSenSlope(clipped, Math.max(1, Math.floor(n / 2)));
  const shiftAt = detectLevelShift(clipped, window, sigma, globalSlope, Math.max(6, Math.floor(window / 4)));
  const recent = Math.max(4 * longest, 200);
  const fitFrom = Math.max(shiftAt, n - recent);
  // Theil–Sen and the median resist outliers on their own; the clipped copy is only for finding the shift,
  // as its block levels straddle the shift and would clip the first points after it.
  const seg = d.slice(fitFrom);
  let slope: number;
  if (seg.filter((x) => x !== null).length >= 2 * window) slope = theilSenSlope(seg, Math.max(1, Math.floor(seg.length / 2)));
  else {
    const pre = d.slice(Math.max(0, fitFrom - recent), fitFrom);
    slope = pre.length >= 2 * window ? theilSenSlope(pre, Math.floor(pre.length / 2)) : globalSlope;
  }
  const level = median(seg.map((x, k) => (x === null ? null : x - slope * (fitFrom + k - (n - 1)))));
  const base = Number.isNaN(level) ? median(d) : level;
  return {
    periods: seasonal.periods,
    fitFrom,
    shift: shiftAt > 0 && shiftAt === fitFrom,
    slope,
    sigma,
    predict: (h) => base + slope * h + seasonal.at(n - 1 + h),
  };
}

/** One out-of-sample error: the actual value minus the forecast made `h` steps earlier. */
export interface BacktestError {
  readonly h: number;
  readonly error: number;
}

/**
 * Rolling-origin backtest on the history: refits the model at up to `origins` points in the second half
 * of `values` and records the errors of its forecasts 1…min(horizon, n/4) steps ahead.
 */
export function backtestErrors(values: readonly (number | null)[], stepMs: number, horizon: number, origins = 10): BacktestError[] {
  const n = values.length;
  const hb = Math.min(horizon, Math.floor(n / 4));
  const out: BacktestError[] = [];
  if (hb < 1) return out;
  const last = n - hb;
  const span = Math.max(0, last - Math.floor(n / 2));
  // Errors of forecasts made before the latest detected shift and landing after it measure that shift,
  // which the model has already absorbed: they are left out.
  const full = fitForecastModel(values, stepMs);
  const shiftAt = full.shift ? full.fitFrom : -1;
  const starts = new Set(Array.from({ length: origins }, (_, k) => last - Math.round((k * span) / Math.max(1, origins - 1))));
  for (const o of starts) {
    let model: ForecastModel;
    try {
      model = fitForecastModel(values.slice(0, o), stepMs);
    } catch {
      continue;
    }
    for (let h = 1; h <= hb; h++) {
      const a = values[o + h - 1];
      if (o <= shiftAt && o + h - 1 >= shiftAt) continue;
      if (a !== null) out.push({ h, error: a - model.predict(h) });
    }
  }
  return out;
}

/**
 * The error scale at horizon h: s(h)² = σ² + c·h (noise plus a random-walk-like growth that covers level
 * and trend drift). c is the median over log₂ horizon buckets of (S_b² − σ²)/h_b, S_b the MAD-consistent
 * scale (1.4826·median|e|) of the backtest errors in bucket b; 0 without errors.
 */
export function errorScale(sigma: number, errors: readonly BacktestError[]): (h: number) => number {
  const buckets = new Map<number, BacktestError[]>();
  for (const e of errors) {
    const b = Math.floor(Math.log2(e.h));
    buckets.set(b, [...(buckets.get(b) ?? []), e]);
  }
  const rates: number[] = [];
  for (const es of buckets.values()) {
    if (es.length < 5) continue;
    const s = 1.4826 * median(es.map((e) => Math.abs(e.error)));
    rates.push((s * s - sigma * sigma) / median(es.map((e) => e.h)));
  }
  const c = rates.length ? Math.max(0, median(rates)) : 0;
  return (h) => Math.sqrt(sigma * sigma + c * h);
}

/**
 * Forecasts `horizon` steps after the last of `values` (a regular series at `stepMs`; nulls are missing
 * points) with a central prediction interval at `level` (e.g. 0.8). The interval is
 * forecast + k·s(h): s from `errorScale` on the backtest errors, k the empirical quantiles of the
 * standardized backtest errors (with 20 or more), never inside ±z(level), the normal quantile — so never
 * narrower than the noise.
 *
 * @throws Error on a horizon that is not a positive integer, a level outside (0, 1), a step ≤ 0, or fewer
 *   than 3 values.
 * @example forecast([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 60_000, 2, 0.8).forecast ≈ [11, 12]
 */
export function forecast(values: readonly (number | null)[], stepMs: number, horizon: number, level: number): { forecast: number[]; lower: number[]; upper: number[] } {
  const r = forecastDetailed(values, stepMs, horizon, level);
  return { forecast: r.forecast, lower: r.lower, upper: r.upper };
}

/** `forecast`, plus the model that made it (periods, fit window, slope, noise). */
export function forecastDetailed(values: readonly (number | null)[], stepMs: number, horizon: number, level: number): { forecast: number[]; lower: number[]; upper: number[]; model: ForecastModel } {
  if (!Number.isInteger(horizon) || horizon < 1) throw new Error(`cannot forecast: horizon must be a positive integer, not ${horizon}`);
  if (!(level > 0 && level < 1)) throw new Error(`cannot forecast: level must be in (0, 1), not ${level}`);
  if (!(stepMs > 0)) throw new Error(`cannot forecast: step must be > 0 ms, not ${stepMs}`);
  const model = fitForecastModel(values, stepMs);
  const errors = backtestErrors(values, stepMs, horizon);
  const scale = errorScale(model.sigma, errors);
  const z = normalQuantile((1 + level) / 2);
  let kLo = -z;
  let kHi = z;
  if (errors.length >= 20) {
    const u = errors.map((e) => e.error / scale(e.h));
    kLo = Math.min(-z, quantile(u, (1 - level) / 2));
    kHi = Math.max(z, quantile(u, (1 + level) / 2));
  }
  const out = { forecast: [] as number[], lower: [] as number[], upper: [] as number[], model };
  for (let h = 1; h <= horizon; h++) {
    const f = model.predict(h);
    out.forecast.push(f);
    out.lower.push(f + kLo * scale(h));
    out.upper.push(f + kHi * scale(h));
  }
  return out;
}
