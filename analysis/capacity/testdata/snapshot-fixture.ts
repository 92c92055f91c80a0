// A realistic capacity snapshot for the report tests: three sites, three hardware models, disks and memory,
// hourly forecasts with gaps, and a host name that tries HTML injection.
import type { CapacitySnapshot, ExhaustionRow, ForecastRow, ThroughputRow } from '../snapshot.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;
export const FIXTURE_NOW = Date.UTC(2026, 10, 22, 2, 0);

/** The host name that must show as text, never as an element. */
export const EVIL_HOST = '<img src=x onerror=alert(1)>';

/** A deterministic pseudo-random sequence in [0, 1) (mulberry32), so the fixture is the same every run. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function disk(host: string, site: string, hwModel: string, used: number, days: [number, number, number | null] | null, reason?: string): ExhaustionRow {
  const capacity = 3.84e12;
  return {
    host, site, hwModel, metric: 'df.used', labels: { mount: '/var/cache', device: 'nvme0n1' }, resource: 'disk', unit: 'bytes', capacity, used,
    daysToFull: days?.[1] ?? null, daysLow: days?.[0] ?? null, daysHigh: days?.[2] ?? null,
    fullAt: days ? FIXTURE_NOW + days[1] * DAY : null, slopePerDay: days ? (capacity - used) / days[1] : reason === 'shrinking' ? -2e9 : 0,
    ...(reason ? { reason } : {}),
  };
}

function usl(lambda: number, sigma: number, kappa: number, n: number): number {
  return (lambda * n) / (1 + sigma * (n - 1) + kappa * n * (n - 1));
}

function throughput(hwModel: string, hosts: number, lambda: number, sigma: number, kappa: number, seed: number): ThroughputRow {
  const r = rng(seed);
  const points = Array.from({ length: 60 }, (_, i) => {
    const n = 1 + (i % 30) * 8 + r() * 6;
    return [Math.round(n * 10) / 10, Math.round(usl(lambda, sigma, kappa, n) * (0.93 + r() * 0.14))] as const;
  });
  const curve = Array.from({ length: 41 }, (_, i) => [1 + i * 6.5, Math.round(usl(lambda, sigma, kappa, 1 + i * 6.5))] as const);
  const peak = Math.max(...curve.map((c) => c[1]));
  const perHost = Math.round(peak * 0.7);
  return { hwModel, hosts, perHost, low: Math.round(perHost * 0.94), high: Math.round(perHost * 1.05), unit: 'req/s', target: '70% of peak', points, curve, xLabel: 'concurrency (in-flight requests)', yLabel: 'throughput (req/s)' };
}

function forecast(key: string, title: string, unit: string, base: number, growthPerDay: number, amplitude: number, capacity: number | undefined, seed: number): ForecastRow {
  const r = rng(seed);
  const start = FIXTURE_NOW - 28 * DAY;
  const wave = (t: number) => amplitude * Math.sin(((t % DAY) / DAY) * 2 * Math.PI);
  const history = Array.from({ length: 28 * 24 }, (_, i) => {
    const t = start + i * HOUR;
    // A six-hour gap on day 10: the chart must break the line, not draw through it.
    if (i >= 240 && i < 246) return [t, null] as const;
    return [t, base + growthPerDay * (i / 24) + wave(t) + (r() - 0.5) * amplitude * 0.2] as const;
  });
  const fc = Array.from({ length: 14 * 24 }, (_, i) => {
    const t = FIXTURE_NOW + (i + 1) * HOUR;
    const v = base + growthPerDay * (28 + (i + 1) / 24) + wave(t);
    const w = amplitude * 0.15 * Math.sqrt(1 + i / 6);
    return [t, v, v - w, v + w] as const;
  });
  return { key, title, unit, stepMs: HOUR, level: 0.8, history, forecast: fc, ...(capacity !== undefined ? { capacity } : {}) };
}

/** The fixture: 9 exhaustion rows, 6 headroom groups (one over capacity), 3 models, 4 forecasts. */
export function capacityFixture(): CapacitySnapshot {
  return {
    generatedAt: FIXTURE_NOW,
    from: FIXTURE_NOW - 28 * DAY,
    to: FIXTURE_NOW,
    exhaustion: [
      disk('cache-fra1-017', 'fra1', 'r750', 3.1e12, [58, 71, 90]),
      disk('cache-fra1-003', 'fra1', 'r640', 3.6e12, [12, 16, 21]),
      disk(EVIL_HOST, 'ams1', 'r640', 2.2e12, [140, 180, 260]),
      disk('cache-ams1-044', 'ams1', 'r750', 1.4e12, null, 'flat'),
      disk('cache-par1-008', 'par1', 'as-1114s', 2.9e12, [30, 44, null]),
      disk('cache-par1-012', 'par1', 'as-1114s', 0.9e12, null, 'shrinking'),
      {
        host: 'cache-fra1-021', site: 'fra1', hwModel: 'r750', metric: 'memory.used', labels: {}, resource: 'memory', unit: 'bytes',
        capacity: 512 * 2 ** 30, used: 430 * 2 ** 30, daysToFull: 35, daysLow: 27, daysHigh: 49, fullAt: FIXTURE_NOW + 35 * DAY, slopePerDay: 2.4 * 2 ** 30,
      },
      {
        host: 'edge-ams1-002', site: 'ams1', hwModel: 'r640', metric: 'if.octets', labels: { interface: 'bond0' }, resource: 'link', unit: 'bit/s',
        capacity: 100e9, used: 71e9, daysToFull: 120, daysLow: 95, daysHigh: 170, fullAt: FIXTURE_NOW + 120 * DAY, slopePerDay: 0.24e9,
      },
      disk('cache-par1-019', 'par1', 'r750', 1.1e12, null, 'too-little-data'),
    ],
    headroom: [
      { site: 'fra1', hwModel: 'r640', hosts: 24, load: 61_000, capacity: 58_800, headroom: 1 - 61_000 / 58_800, unit: 'req/s' },
      { site: 'fra1', hwModel: 'r750', hosts: 40, load: 96_000, capacity: 151_200, headroom: 1 - 96_000 / 151_200, unit: 'req/s' },
      { site: 'ams1', hwModel: 'r640', hosts: 18, load: 37_500, capacity: 44_100, headroom: 1 - 37_500 / 44_100, unit: 'req/s' },
      { site: 'ams1', hwModel: 'r750', hosts: 30, load: 70_000, capacity: 113_400, headroom: 1 - 70_000 / 113_400, unit: 'req/s' },
      { site: 'par1', hwModel: 'as-1114s', hosts: 36, load: 120_000, capacity: 172_800, headroom: 1 - 120_000 / 172_800, unit: 'req/s' },
      { site: 'par1', hwModel: 'r750', hosts: 12, load: 20_000, capacity: 45_360, headroom: 1 - 20_000 / 45_360, unit: 'req/s' },
    ],
    throughput: [
      throughput('r640', 42, 60, 0.02, 0.0002, 1),
      throughput('r750', 82, 110, 0.015, 0.0001, 2),
      throughput('as-1114s', 36, 140, 0.01, 0.00008, 3),
    ],
    forecasts: [
      forecast('site=fra1,metric=egress', 'fra1 egress', 'bit/s', 380e9, 1.5e9, 90e9, 600e9, 11),
      forecast('site=ams1,metric=egress', 'ams1 egress', 'bit/s', 250e9, 0.4e9, 60e9, 400e9, 12),
      forecast('disk:cache-fra1-003:9f1c2e77', 'cache-fra1-003 /var/cache', 'bytes', 3.3e12, 14e9, 20e9, 3.84e12, 13),
      forecast('site=par1,metric=requests', 'par1 requests', 'req/s', 95_000, 500, 25_000, undefined, 14),
    ],
    warnings: ['peak = p95 of daily maxima of 1-minute rates over 28 days', 'par1: 2 hosts without a hardware model were left out'],
  };
}
