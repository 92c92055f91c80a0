// A real Prometheus (Debian 2.42) scrapes itself and fleetscope every second and remote-writes to
// fleetscope's POST /api/v1/write; what fleetscope stores must be what Prometheus scraped: same series,
// labels, timestamps and values. Requires scripts/install-prometheus.sh (a missing binary fails).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleetscope, type FleetscopeHandle } from './helpers/fleetscope.ts';
import { startPrometheus, type PrometheusHandle } from './helpers/prometheus.ts';

interface Series {
  series_id: string;
  metric: string;
  host: string;
  labels: Record<string, string>;
  kind: string;
  points?: [number, number | null][];
}

let fs: FleetscopeHandle;
let prom: PrometheusHandle;
let fleetscopeAddress: string;

async function get<T>(path: string): Promise<T> {
  const res = await fetch(`${fs.baseUrl}${path}`);
  if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function until<T>(what: string, f: () => Promise<T | undefined>, timeoutMs = 40_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; Prometheus log:\n${prom.log().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Raw points of one series of fleetscope, selected by metric and labels. */
async function fleetscopePoints(metric: string, labels: Record<string, string>): Promise<Series[]> {
  const q = new URLSearchParams({ metric, start: '-10m' });
  for (const [k, v] of Object.entries(labels)) q.set(`label.${k}`, v);
  return (await get<{ series: Series[] }>(`/api/v1/points?${q}`)).series;
}

/** Raw samples Prometheus holds for a selector over the last 10 minutes, by timestamp (ms). */
async function prometheusSamples(selector: string): Promise<Map<number, number>> {
  const data = await prom.api<{ result: { values: [number, string][] }[] }>(`/api/v1/query?query=${encodeURIComponent(`${selector}[10m]`)}`);
  expect(data.result).toHaveLength(1);
  return new Map(data.result[0].values.map(([t, v]) => [Math.round(t * 1000), Number(v)]));
}

beforeAll(async () => {
  fs = await startFleetscope();
  fleetscopeAddress = new URL(fs.baseUrl).host;
  prom = await startPrometheus({ fleetscopeTargets: [fleetscopeAddress], remoteWriteUrl: `${fs.baseUrl}/api/v1/write` });
});

afterAll(async () => {
  await prom?.close();
  await fs?.stop();
});

describe('Prometheus remote write into fleetscope', () => {
  it('stores `up` of both scrape jobs as gauges with host from instance and the labels Prometheus attached', async () => {
    const series = await until('two up series', async () => {
      const s = (await get<{ series: Series[] }>('/api/v1/series?metric=up')).series;
      return s.length >= 2 ? s : undefined;
    });
    const byJob = Object.fromEntries(series.map((s) => [s.labels.job, s]));
    expect(byJob.prometheus).toMatchObject({ metric: 'up', host: '127.0.0.1', kind: 'gauge', labels: { job: 'prometheus', instance: prom.address } });
    expect(byJob.fleetscope).toMatchObject({ metric: 'up', host: '127.0.0.1', kind: 'gauge', labels: { job: 'fleetscope', instance: fleetscopeAddress } });
    const pts = await fleetscopePoints('up', { job: 'fleetscope' });
    expect(pts).toHaveLength(1);
    expect(pts[0].points!.length).toBeGreaterThan(0);
    expect(new Set(pts[0].points!.map(([, v]) => v))).toEqual(new Set([1]));
  });

  it('keeps the timestamps and values Prometheus scraped (scrape_samples_scraped of fleetscope)', async () => {
    const selector = `scrape_samples_scraped{job="fleetscope"}`;
    const ours = await until('5 points of scrape_samples_scraped', async () => {
      const s = await fleetscopePoints('scrape_samples_scraped', { job: 'fleetscope' });
      return s.length === 1 && s[0].points!.length >= 5 ? s[0].points! : undefined;
    });
    const theirs = await prometheusSamples(selector);
    for (const [t, v] of ours) {
      expect(theirs.has(t), `Prometheus has a sample at ${t}`).toBe(true);
      expect(v).toBe(theirs.get(t));
    }
    // fleetscope's /metrics grows as it ingests, so the values are not all the same: a real comparison.
    expect(ours.every(([, v]) => typeof v === 'number' && v > 0)).toBe(true);
  });

  it('stores prometheus_build_info with exactly the labels Prometheus has for it', async () => {
    const ours = await until('prometheus_build_info', async () => {
      const s = (await get<{ series: Series[] }>('/api/v1/series?metric=prometheus_build_info')).series;
      return s.length === 1 ? s[0] : undefined;
    });
    const theirs = await prom.api<Record<string, string>[]>(`/api/v1/series?match[]=prometheus_build_info`);
    expect(theirs).toHaveLength(1);
    const { __name__: name, ...labels } = theirs[0];
    expect(name).toBe('prometheus_build_info');
    expect(ours.labels).toEqual(labels);
    expect(ours.labels.version).toMatch(/^2\.42\./);
  });

  it('counts the stored samples and answers nothing but successes to Prometheus', async () => {
    expect(await fs.metricValue('fleetscope_ingest_values_stored_total', { format: 'prometheus' })).toBeGreaterThan(0);
    expect(await fs.metricValue('fleetscope_ingest_requests_total', { format: 'prometheus', outcome: 'ok' })).toBeGreaterThan(0);
    expect(await fs.metricValue('fleetscope_ingest_requests_total', { format: 'prometheus', outcome: 'bad_request' })).toBe(0);
    const failed = await prom.api<{ result: { value: [number, string] }[] }>(`/api/v1/query?query=${encodeURIComponent('sum(prometheus_remote_storage_samples_failed_total)')}`);
    expect(Number(failed.result[0]?.value[1] ?? 0)).toBe(0);
  });
});
