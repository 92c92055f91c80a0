import { hostCapacity, uslThroughput, type CapacityTarget, type LoadPoint } from './models/usl.ts';
import type { ThroughputRow } from './snapshot.ts';

/** Per-host observations of one hardware model: throughput `x` (load per second) and mean latency in seconds. */
export interface HostObservation {
  readonly host: string;
  readonly x: number;
  readonly latencySeconds: number;
}

export interface ThroughputFitOptions {
  readonly target: CapacityTarget;
  readonly unit: string;
  readonly loadMetric: string;
  /** Fit only when concurrency spans at least this ratio (max / min). @default 2 */
  readonly minConcurrencyRatio?: number;
  /** Fewest usable points. @default 8 */
  readonly minPoints?: number;
  readonly level?: number;
}

/** A fitted row, or why there is none. */
export type ThroughputResult = { readonly row: ThroughputRow } | { readonly warning: string };

const MAX_POINTS = 500;

/**
 * Per-host capacity of one hardware model from observed (concurrency, throughput) points, fitted with the USL
 * ({@link hostCapacity}). Concurrency comes from Little's law, N = X × R (throughput × mean latency in seconds);
 * points with N < 1 (less than one request in flight on average) are left out because the USL counts N from 1.
 * Returns a warning instead of a number when fewer than `minPoints` points remain, when N varies by less than
 * `minConcurrencyRatio` (load never varied enough to show a curve), or when the fit shows no limit (no contention).
 */
export function fitModelThroughput(hwModel: string, obs: readonly HostObservation[], opts: ThroughputFitOptions): ThroughputResult {
  const minPoints = opts.minPoints ?? 8;
  const ratio = opts.minConcurrencyRatio ?? 2;
  const hosts = new Set(obs.map((o) => o.host)).size;
  const pts: LoadPoint[] = obs
    .map((o) => ({ n: o.x * o.latencySeconds, x: o.x }))
    .filter((p) => Number.isFinite(p.n) && Number.isFinite(p.x) && p.n >= 1);
  const why = `cannot fit the throughput of ${hwModel}`;
  if (pts.length < minPoints) {
    return { warning: `${why}: ${pts.length} points with concurrency ≥ 1 (load × latency), need ${minPoints}` };
  }
  const ns = pts.map((p) => p.n);
  const lo = Math.min(...ns);
  const hi = Math.max(...ns);
  if (hi / lo < ratio) {
    return { warning: `${why}: concurrency only spans ${lo.toFixed(2)}–${hi.toFixed(2)} (ratio ${(hi / lo).toFixed(2)} < ${ratio}); load did not vary enough to show where throughput levels off` };
  }
  const cap = hostCapacity(pts, opts.target, { level: opts.level ?? 0.95 });
  if (!(Number.isFinite(cap.throughput) && cap.throughput > 0 && Number.isFinite(cap.low) && Number.isFinite(cap.high))) {
    return { warning: `${why}: the USL fit shows no limit in the observed range (contention σ=${cap.fit.sigma.toPrecision(3)}, coherency κ=${cap.fit.kappa.toPrecision(3)})` };
  }
  const top = Math.max(hi, cap.concurrency);
  const curve = Array.from({ length: 50 }, (_, i) => {
    const n = lo + ((top - lo) * i) / 49;
    return [n, uslThroughput(cap.fit, n)] as const;
  });
  const every = Math.ceil(pts.length / MAX_POINTS);
  return {
    row: {
      hwModel,
      hosts,
      perHost: cap.throughput,
      low: cap.low,
      high: cap.high,
      unit: opts.unit,
      target: opts.target.kind === 'latency' ? `latency ≤ ${opts.target.maxLatency * 1000} ms` : `${Math.round(opts.target.fraction * 100)}% of peak`,
      points: pts.filter((_, i) => i % every === 0).map((p) => [p.n, p.x] as const),
      curve,
      xLabel: 'concurrency (load × mean latency)',
      yLabel: `${opts.loadMetric} (${opts.unit})`,
    },
  };
}
