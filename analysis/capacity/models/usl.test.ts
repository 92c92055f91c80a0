import { describe, expect, it } from 'vitest';
import { createRandom } from '../../eval/random.ts';
import { capacityAt, fitUsl, hostCapacity, uslThroughput, type CapacityTarget, type LoadPoint, type UslParams } from './usl.ts';

/** Two samples per concurrency 1..maxN of a planted USL, with multiplicative noise and some samples scaled down. */
function samples(p: UslParams, maxN: number, noise: number, seed: number, bad: Record<number, number> = {}): LoadPoint[] {
  const rnd = createRandom(seed);
  const out: LoadPoint[] = [];
  for (let n = 1; n <= maxN; n++) {
    for (let k = 0; k < 2; k++) out.push({ n, x: uslThroughput(p, n) * (1 + noise * rnd.normal()) * (k === 0 ? (bad[n] ?? 1) : 1) });
  }
  return out;
}

/** Independent truth: scan N finely; the throughput at the last N whose Little's-law latency N/X(N) meets the target. */
function latencyTruth(p: UslParams, maxLatency: number): number {
  let best = 0;
  for (let n = 1; n <= 1000; n += 0.001) {
    const x = uslThroughput(p, n);
    if (n / x > maxLatency) break;
    best = Math.max(best, x);
  }
  return best;
}

const peakTruth = (p: UslParams, fraction: number): number => fraction * uslThroughput(p, Math.sqrt((1 - p.sigma) / p.kappa));

// Two hardware models: "gen1" peaks near N = 35 at ≈ 12.7k req/s, "gen2" near N = 21 at ≈ 12.2k req/s.
const GEN1 = { lambda: 1200, sigma: 0.04, kappa: 0.0008 };
const GEN2 = { lambda: 2000, sigma: 0.08, kappa: 0.002 };

describe('per-model host capacity on planted USL curves', () => {
  it.each([
    { model: 'gen1', p: GEN1, pts: samples(GEN1, 64, 0.03, 11, { 20: 0.5, 41: 0.4 }), target: { kind: 'peak-fraction', fraction: 0.7 } as CapacityTarget },
    { model: 'gen1', p: GEN1, pts: samples(GEN1, 64, 0.03, 11, { 20: 0.5, 41: 0.4 }), target: { kind: 'latency', maxLatency: 0.002 } as CapacityTarget },
    { model: 'gen2', p: GEN2, pts: samples(GEN2, 48, 0.03, 12, { 7: 0.3 }), target: { kind: 'peak-fraction', fraction: 0.7 } as CapacityTarget },
    { model: 'gen2', p: GEN2, pts: samples(GEN2, 48, 0.03, 12, { 7: 0.3 }), target: { kind: 'latency', maxLatency: 0.0012 } as CapacityTarget },
    { model: 'gen2, latency beyond the peak', p: GEN2, pts: samples(GEN2, 48, 0.03, 13), target: { kind: 'latency', maxLatency: 0.01 } as CapacityTarget },
  ])('$model at $target.kind', ({ p, pts, target }) => {
    const truth = target.kind === 'latency' ? latencyTruth(p, target.maxLatency) : peakTruth(p, target.fraction);
    const r = hostCapacity(pts, target, { resamples: 100 });
    expect(Math.abs(r.throughput - truth)).toBeLessThanOrEqual(0.1 * truth);
    expect(r.high - r.low).toBeLessThan(0.1 * truth);
    expect(r.low).toBeLessThanOrEqual(r.throughput);
    expect(r.high).toBeGreaterThanOrEqual(r.throughput);
  });

  // A 95 % range misses in about 1 seed in 20 (seed 13 above is one): check coverage over 20 seeds, not per seed.
  it('the bootstrap range holds the planted capacity in at least 17 of 20 seeds', () => {
    const truth = peakTruth(GEN2, 1);
    let covered = 0;
    for (let seed = 100; seed < 120; seed++) {
      const r = hostCapacity(samples(GEN2, 48, 0.03, seed), { kind: 'latency', maxLatency: 0.01 }, { resamples: 40 });
      if (r.low <= truth && truth <= r.high) covered++;
    }
    expect(covered).toBeGreaterThanOrEqual(17);
  });

  it('flags the scaled-down samples as outliers and recovers the planted peak', () => {
    const fit = fitUsl(samples(GEN1, 64, 0.03, 11, { 20: 0.5, 41: 0.4 }));
    expect(fit.outliers).toBeGreaterThanOrEqual(2);
    expect(Math.abs(fit.peakN - Math.sqrt(0.96 / 0.0008))).toBeLessThanOrEqual(0.1 * Math.sqrt(0.96 / 0.0008));
    expect(Math.abs(fit.peakX - peakTruth(GEN1, 1))).toBeLessThanOrEqual(0.05 * peakTruth(GEN1, 1));
  });

  it('recovers the parameters of noiseless data exactly', () => {
    const fit = fitUsl(samples(GEN1, 40, 0, 1));
    expect(fit.lambda).toBeCloseTo(1200, 4);
    expect(fit.sigma).toBeCloseTo(0.04, 7);
    expect(fit.kappa).toBeCloseTo(0.0008, 9);
    // By hand: D = λ·R = 2.4 → 0.0008N² + 0.0392N − 1.44 = 0 → N = (−0.0392 + √0.00614464) / 0.0016 = 24.4923;
    // X = λN / D = 1200 · N / 2.4 = 500 · N = 12246.2.
    const c = capacityAt(fit, { kind: 'latency', maxLatency: 0.002 });
    expect(c.concurrency).toBeCloseTo(24.4923, 3);
    expect(c.throughput).toBeCloseTo(12246.2, 0);
  });

  it('handles Amdahl curves (κ = 0): no peak, asymptote λ/σ', () => {
    const p = { lambda: 100, sigma: 0.05, kappa: 0 };
    const fit = fitUsl(samples(p, 30, 0, 1));
    expect(fit.kappa).toBeLessThan(1e-9);
    expect(fit.peakN).toBe(Infinity);
    expect(fit.peakX).toBeCloseTo(2000, 0);
    // 50 % of 2000 = 1000 = 100N / (1 + 0.05(N − 1)) → N = 0.95 / 0.05 = 19.
    expect(capacityAt(fit, { kind: 'peak-fraction', fraction: 0.5 }).concurrency).toBeCloseTo(19, 3);
  });

  it('gives 0 when even one request at a time misses the latency target', () => {
    const fit = fitUsl(samples(GEN1, 20, 0, 1));
    expect(capacityAt(fit, { kind: 'latency', maxLatency: 0.0005 })).toEqual({ throughput: 0, concurrency: 0 });
  });

  it('is deterministic for a seed', () => {
    const pts = samples(GEN2, 30, 0.03, 5);
    const target: CapacityTarget = { kind: 'peak-fraction', fraction: 0.7 };
    expect(hostCapacity(pts, target, { resamples: 20, seed: 3 })).toEqual(hostCapacity(pts, target, { resamples: 20, seed: 3 }));
  });
});

describe('fitUsl failures', () => {
  it.each([
    { name: 'three points', pts: [{ n: 1, x: 1 }, { n: 2, x: 2 }, { n: 3, x: 3 }], msg: /cannot fit the USL: 3 points, need at least 4/ },
    { name: 'n below 1', pts: [{ n: 0, x: 1 }, { n: 2, x: 2 }, { n: 3, x: 3 }, { n: 4, x: 4 }], msg: /needs finite n ≥ 1/ },
    { name: 'NaN throughput', pts: [{ n: 1, x: NaN }, { n: 2, x: 2 }, { n: 3, x: 3 }, { n: 4, x: 4 }], msg: /needs finite n ≥ 1 and finite x/ },
  ])('$name', ({ pts, msg }) => {
    expect(() => fitUsl(pts)).toThrow(msg);
  });
});
