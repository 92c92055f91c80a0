import { madScale } from '../robust.ts';
import { mulberry32 } from '../../../lib/random.ts';

/** One observation of one host: concurrency `n` (≥ 1: in-flight requests, busy workers) and throughput `x` (e.g. req/s). */
export interface LoadPoint {
  readonly n: number;
  readonly x: number;
}

/** Parameters of the Universal Scalability Law X(N) = λN / (1 + σ(N − 1) + κN(N − 1)). */
export interface UslParams {
  /** Throughput of one unit of concurrency (X(1)). */
  readonly lambda: number;
  /** Contention (serialisation), in [0, 1). */
  readonly sigma: number;
  /** Coherency (crosstalk), ≥ 0. κ > 0 makes throughput peak, then fall. */
  readonly kappa: number;
}

/** A robust USL fit and where its throughput peaks. */
export interface UslFit extends UslParams {
  readonly points: number;
  /** Robust (MAD) scale of the residuals, in throughput units. */
  readonly residualSd: number;
  /** Points whose final Huber weight is below 0.5 (far from the curve). */
  readonly outliers: number;
  /** Concurrency of maximum throughput √((1 − σ)/κ); Infinity when κ = 0. */
  readonly peakN: number;
  /** Maximum throughput X(peakN); λ/σ when κ = 0; Infinity when σ = κ = 0 (no contention seen). */
  readonly peakX: number;
}

/** Throughput predicted by the USL at concurrency n. */
export function uslThroughput(p: UslParams, n: number): number {
  return (p.lambda * n) / (1 + p.sigma * (n - 1) + p.kappa * n * (n - 1));
}

/**
 * Fits the USL to (concurrency, throughput) points of one hardware model by robust non-linear least squares: a
 * (σ, κ) grid with λ in closed form gives the start, then Levenberg–Marquardt on (λ, σ, κ) inside iteratively
 * reweighted Huber loops (k = 1.345 × MAD σ), so that a few bad samples (a GC pause, a half-drained host) do not pull
 * the curve. σ is kept in [0, 1) and κ ≥ 0. Throws a RangeError with fewer than 4 points or with n < 1, or x not
 * finite. O(points × (grid + iterations)).
 *
 * Reference: N. J. Gunther, Guerrilla Capacity Planning (2007), ch. 4–5.
 */
export function fitUsl(points: readonly LoadPoint[]): UslFit {
  if (points.length < 4) throw new RangeError(`cannot fit the USL: ${points.length} points, need at least 4`);
  for (const p of points) {
    if (!(p.n >= 1 && Number.isFinite(p.n) && Number.isFinite(p.x))) {
      throw new RangeError(`cannot fit the USL: point (n=${p.n}, x=${p.x}) needs finite n ≥ 1 and finite x`);
    }
  }
  return robustFit(points, gridStart(points));
}

function robustFit(points: readonly LoadPoint[], start: UslParams): UslFit {
  let p = start;
  let w = points.map(() => 1);
  let scale = NaN;
  for (let iter = 0; iter < 10; iter++) {
    p = levenbergMarquardt(points, w, p);
    const res = points.map((q) => q.x - uslThroughput(p, q.n));
    scale = madScale(res);
    const c = 1.345 * scale;
    w = res.map((r) => (c > 0 && Math.abs(r) > c ? c / Math.abs(r) : 1));
  }
  const peakN = p.kappa > 0 ? Math.sqrt((1 - p.sigma) / p.kappa) : Infinity;
  const peakX = p.kappa > 0 ? uslThroughput(p, peakN) : p.sigma > 0 ? p.lambda / p.sigma : Infinity;
  return { ...p, points: points.length, residualSd: scale, outliers: w.filter((v) => v < 0.5).length, peakN, peakX };
}

/** Best (σ, κ) on a log grid, each with its least-squares λ = Σxg / Σg², g = N / D(N). */
function gridStart(points: readonly LoadPoint[]): UslParams {
  const sigmas = [0, ...logSpace(1e-4, 0.9, 24)];
  const kappas = [0, ...logSpace(1e-7, 0.5, 30)];
  let best: UslParams = { lambda: 1, sigma: 0, kappa: 0 };
  let bestSse = Infinity;
  for (const sigma of sigmas) {
    for (const kappa of kappas) {
      const g = points.map((q) => uslThroughput({ lambda: 1, sigma, kappa }, q.n));
      const lambda = g.reduce((s, v, i) => s + v * points[i].x, 0) / g.reduce((s, v) => s + v * v, 0);
      const sse = g.reduce((s, v, i) => s + Math.abs(points[i].x - lambda * v), 0); // L1: outliers matter less
      if (sse < bestSse) {
        bestSse = sse;
        best = { lambda, sigma, kappa };
      }
    }
  }
  return best;
}

function logSpace(lo: number, hi: number, count: number): number[] {
  return Array.from({ length: count }, (_v, i) => lo * (hi / lo) ** (i / (count - 1)));
}

/** Weighted Levenberg–Marquardt (Marquardt's diagonal scaling), projected onto σ ∈ [0, 1), κ ≥ 0, λ > 0. */
function levenbergMarquardt(points: readonly LoadPoint[], w: readonly number[], start: UslParams): UslParams {
  let p = [start.lambda, start.sigma, start.kappa];
  let sse = weightedSse(points, w, p);
  let mu = 1e-3;
  for (let iter = 0; iter < 200 && mu < 1e12; iter++) {
    const a = [[0, 0, 0], [0, 0, 0], [0, 0, 0]];
    const g = [0, 0, 0];
    points.forEach((q, i) => {
      const [lambda, sigma, kappa] = p;
      const d = 1 + sigma * (q.n - 1) + kappa * q.n * (q.n - 1);
      const jac = [q.n / d, (-lambda * q.n * (q.n - 1)) / (d * d), (-lambda * q.n * q.n * (q.n - 1)) / (d * d)];
      const r = q.x - (lambda * q.n) / d;
      for (let j = 0; j < 3; j++) {
        g[j] += w[i] * jac[j] * r;
        for (let k = 0; k < 3; k++) a[j][k] += w[i] * jac[j] * jac[k];
      }
    });
    const damped = a.map((row, j) => row.map((v, k) => (j === k ? v + mu * (v || 1e-12) : v)));
    const step = solve3(damped, g);
    const next = project(p.map((v, j) => v + step[j]));
    const nextSse = weightedSse(points, w, next);
    if (nextSse < sse) {
      const done = sse - nextSse <= 1e-14 * sse;
      p = next;
      sse = nextSse;
      mu /= 3;
      if (done) break;
    } else {
      mu *= 4;
    }
  }
  return { lambda: p[0], sigma: p[1], kappa: p[2] };
}

function project([lambda, sigma, kappa]: number[]): number[] {
  return [Math.max(lambda, 1e-12), Math.min(Math.max(sigma, 0), 1 - 1e-9), Math.max(kappa, 0)];
}

function weightedSse(points: readonly LoadPoint[], w: readonly number[], [lambda, sigma, kappa]: number[]): number {
  return points.reduce((s, q, i) => s + w[i] * (q.x - uslThroughput({ lambda, sigma, kappa }, q.n)) ** 2, 0);
}

/** Solves a 3×3 system by Gaussian elimination with partial pivoting; a singular system gives a zero step. */
function solve3(a: number[][], b: number[]): number[] {
  const m = a.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < 3; c++) {
    let piv = c;
    for (let r = c + 1; r < 3; r++) if (Math.abs(m[r][c]) > Math.abs(m[piv][c])) piv = r;
    [m[c], m[piv]] = [m[piv], m[c]];
    if (!(Math.abs(m[c][c]) > 0)) return [0, 0, 0];
    for (let r = c + 1; r < 3; r++) {
      const f = m[r][c] / m[c][c];
      for (let k = c; k < 4; k++) m[r][k] -= f * m[c][k];
    }
  }
  const x = [0, 0, 0];
  for (let r = 2; r >= 0; r--) {
    x[r] = (m[r][3] - m[r].slice(r + 1, 3).reduce((s, v, k) => s + v * x[r + 1 + k], 0)) / m[r][r];
  }
  return x.every(Number.isFinite) ? x : [0, 0, 0];
}

/**
 * What "the load one host can carry" means:
 * - 'latency': the highest throughput whose mean response time stays ≤ `maxLatency`. By Little's law in a closed
 *   system without think time R(N) = N / X(N) = D(N) / λ, with R in the time unit of X's rate (seconds for req/s).
 *   Beyond the peak, throughput falls, so the answer never exceeds peakX.
 * - 'peak-fraction': `fraction` of the peak throughput (e.g. 0.7: "run at 70 % of what the box can do", below the
 *   knee). This is throughput utilisation, not CPU %.
 */
export type CapacityTarget =
  | { readonly kind: 'latency'; readonly maxLatency: number }
  | { readonly kind: 'peak-fraction'; readonly fraction: number };

/** Throughput one host carries at a target, and the concurrency at which it does. */
export interface HostCapacity {
  readonly throughput: number;
  readonly concurrency: number;
}

/**
 * Per-host capacity of fitted USL parameters at a target (see {@link CapacityTarget}). A latency target below 1/λ
 * (unreachable even at N = 1) gives throughput 0. Infinity when the fit shows no contention at all (σ = κ = 0).
 */
export function capacityAt(fit: UslFit, target: CapacityTarget): HostCapacity {
  if (target.kind === 'latency') {
    const { lambda, sigma, kappa } = fit;
    const c = 1 - sigma - lambda * target.maxLatency; // κN² + (σ − κ)N + c = 0
    if (c > 0) return { throughput: 0, concurrency: 0 };
    const n =
      kappa > 0
        ? (-(sigma - kappa) + Math.sqrt((sigma - kappa) ** 2 - 4 * kappa * c)) / (2 * kappa)
        : sigma > 0 ? -c / sigma : Infinity;
    const at = Math.min(n, fit.peakN);
    return { throughput: at === Infinity ? Infinity : uslThroughput(fit, at), concurrency: at };
  }
  const goal = target.fraction * fit.peakX;
  if (!Number.isFinite(goal)) return { throughput: goal, concurrency: Infinity };
  // X is increasing on [1, peakN]: bisect for X(N) = goal on the rising branch.
  let lo = 1;
  let hi = Number.isFinite(fit.peakN) ? fit.peakN : 2;
  while (!Number.isFinite(fit.peakN) && uslThroughput(fit, hi) < goal) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (uslThroughput(fit, mid) < goal) lo = mid;
    else hi = mid;
  }
  return { throughput: goal, concurrency: (lo + hi) / 2 };
}

/** A per-host capacity with a bootstrap range. */
export interface CapacityRange extends HostCapacity {
  readonly low: number;
  readonly high: number;
  readonly level: number;
  readonly fit: UslFit;
}

/**
 * Fits the USL and gives the per-host capacity at `target` with a wild-bootstrap percentile range: `resamples`
 * synthetic data sets ŷ(Nᵢ) ± rᵢ (each point keeps its own residual, with a random sign, because throughput noise grows
 * with load) are refitted from the fitted parameters. The range covers sampling noise of the fit, not a wrong model.
 * Deterministic for a given `seed`. Throws like {@link fitUsl}.
 */
export function hostCapacity(
  points: readonly LoadPoint[],
  target: CapacityTarget,
  opts: { level?: number; resamples?: number; seed?: number } = {},
): CapacityRange {
  const level = opts.level ?? 0.95;
  const fit = fitUsl(points);
  const central = capacityAt(fit, target);
  const fitted = points.map((q) => uslThroughput(fit, q.n));
  const res = points.map((q, i) => q.x - fitted[i]);
  const next = mulberry32(opts.seed ?? 1);
  const draws: number[] = [];
  for (let b = 0; b < (opts.resamples ?? 200); b++) {
    const sample = points.map((q, i) => ({ n: q.n, x: fitted[i] + (next() < 0.5 ? -res[i] : res[i]) }));
    draws.push(capacityAt(robustFit(sample, fit), target).throughput);
  }
  const sorted = draws.sort((a, b) => a - b);
  const at = (p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(p * (sorted.length - 1))))];
  return { ...central, low: at((1 - level) / 2), high: at((1 + level) / 2), level, fit };
}

