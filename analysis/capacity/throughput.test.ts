import { describe, expect, it } from 'vitest';
import { capacityAt, uslThroughput, type UslFit } from './models/usl.ts';
import { fitModelThroughput, type HostObservation } from './throughput.ts';

const TRUE = { lambda: 10, sigma: 0.05, kappa: 0.001 };
const target = { kind: 'peak-fraction', fraction: 0.7 } as const;
const opts = { target, unit: 'req/s', loadMetric: 'http.requests' };

/** Observations whose concurrency X·R runs over `ns`, on the USL curve `p` with a small deterministic wobble. */
function observe(ns: readonly number[], p = TRUE): HostObservation[] {
  return ns.map((n, i) => {
    const x = uslThroughput(p, n) * (1 + 0.01 * Math.sin(i * 1.7));
    return { host: `h${i % 4}`, x, latencySeconds: n / x };
  });
}
const range = (from: number, to: number, count: number) => Array.from({ length: count }, (_, i) => from + ((to - from) * i) / (count - 1));

describe('fitModelThroughput success', () => {
  it('reads the per-host capacity of the planted curve at the target, inside its range', () => {
    const r = fitModelThroughput('m1', observe(range(1, 60, 40)), opts);
    if (!('row' in r)) throw new Error(r.warning);
    const peakN = Math.sqrt((1 - TRUE.sigma) / TRUE.kappa);
    const want = capacityAt({ ...TRUE, peakN, peakX: uslThroughput(TRUE, peakN) } as UslFit, target).throughput;
    expect(Math.abs(r.row.perHost - want) / want).toBeLessThan(0.05);
    expect(r.row.low).toBeLessThanOrEqual(r.row.perHost);
    expect(r.row.high).toBeGreaterThanOrEqual(r.row.perHost);
    expect(r.row).toMatchObject({ hwModel: 'm1', hosts: 4, unit: 'req/s', target: '70% of peak' });
    expect(r.row.points).toHaveLength(40);
    expect(r.row.curve).toHaveLength(50);
  });
});

describe('fitModelThroughput failure', () => {
  it.each([
    ['too few points', observe(range(1, 60, 5)), '5 points with concurrency ≥ 1'],
    ['load that never varied', observe(range(1, 1.4, 40)), 'concurrency only spans 1.00–1.40'],
    ['less than one request in flight', observe(range(0.2, 0.9, 40)), '0 points with concurrency ≥ 1'],
    ['no contention in the observed range', observe(range(1, 60, 40), { lambda: 10, sigma: 0, kappa: 0 }), 'shows no limit'],
  ])('%s gives a warning, not a number', (_name, obs, text) => {
    const r = fitModelThroughput('m1', obs, opts);
    expect('warning' in r && r.warning).toContain(text);
    expect('warning' in r && r.warning).toContain('cannot fit the throughput of m1');
  });
});
