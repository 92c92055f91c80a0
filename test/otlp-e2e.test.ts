// The real OpenTelemetry JS SDK exports to fleetscope's POST /v1/metrics, once with the protobuf exporter
// and once with the JSON one; what the API returns must follow from the values recorded.
import { OTLPMetricExporter as JsonExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ValueType } from '@opentelemetry/api';
import { MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleetscope, type FleetscopeHandle } from './helpers/fleetscope.ts';

interface Series {
  metric: string;
  host: string;
  labels: Record<string, string>;
  kind: string;
  unit: string;
  points: [number, number | null][];
}

let fs: FleetscopeHandle;

beforeAll(async () => {
  fs = await startFleetscope();
});
afterAll(async () => {
  await fs?.stop();
});

async function points(metric: string, host: string): Promise<Series[]> {
  const q = new URLSearchParams({ metric, host, start: '-10m' });
  const res = await fetch(`${fs.baseUrl}/api/v1/points?${q}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { series: Series[] }).series;
}

const exporters: [string, (url: string) => PushMetricExporter][] = [
  ['protobuf', (url) => new ProtoExporter({ url })],
  ['json', (url) => new JsonExporter({ url })],
];

describe.each(exporters)('OpenTelemetry SDK, %s exporter', (encoding, makeExporter) => {
  const host = `otel-${encoding}`;
  let stamps: [number, number, number, number];
  let stop: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    const provider = new MeterProvider({
      resource: resourceFromAttributes({ 'host.name': host, 'service.name': 'e2e', 'telemetry.sdk.language': 'nodejs' }),
      readers: [new PeriodicExportingMetricReader({ exporter: makeExporter(`${fs.baseUrl}/v1/metrics`), exportIntervalMillis: 3_600_000 })],
    });
    const meter = provider.getMeter('fleetscope-e2e');
    // An integer counter (the SDK's default value type is double).
    const requests = meter.createCounter('e2e.requests', { valueType: ValueType.INT });
    const seconds = meter.createCounter('e2e.busy_seconds');
    const queue = meter.createUpDownCounter('e2e.queue');
    const latency = meter.createHistogram('e2e.latency', { unit: 'ms', advice: { explicitBucketBoundaries: [10, 100] } });
    const t0 = Date.now();
    requests.add(5, { route: '/a' });
    seconds.add(1.5);
    queue.add(10);
    for (const v of [3, 30, 300]) latency.record(v);
    await provider.forceFlush();
    const t1 = Date.now();
    await new Promise((r) => setTimeout(r, 1100));
    const t2 = Date.now();
    requests.add(7, { route: '/a' });
    seconds.add(2);
    queue.add(-3);
    await provider.forceFlush();
    const t3 = Date.now();
    stamps = [t0, t1, t2, t3];
    // shutdown() exports once more: only after the tests have read the two exports above.
    stop = () => provider.shutdown();
  });
  afterAll(async () => {
    await stop?.();
  });

  it('stores the monotonic integer counter as derive: rates of increase, the point attributes as labels', async () => {
    const [s] = await points('e2e.requests', host);
    expect(s).toMatchObject({ kind: 'derive', unit: 'per_second', labels: { route: '/a', 'service.name': 'e2e' } });
    expect(s.labels['telemetry.sdk.language']).toBeUndefined();
    expect(s.points).toHaveLength(2);
    const [[ta, va], [tb, vb]] = s.points;
    expect(va).toBeNull();
    expect(ta).toBeGreaterThanOrEqual(stamps[0]);
    expect(ta).toBeLessThanOrEqual(stamps[1]);
    expect(tb).toBeGreaterThanOrEqual(stamps[2]);
    expect(tb).toBeLessThanOrEqual(stamps[3]);
    expect(vb).toBeCloseTo((7 * 1000) / (tb - ta), 9);
  });

  it('stores a double counter as a gauge of its running total', async () => {
    const [s] = await points('e2e.busy_seconds', host);
    expect(s.kind).toBe('gauge');
    expect(s.points.map(([, v]) => v)).toEqual([1.5, 1.5 + 2]);
  });

  it('stores the up-down counter as a gauge of its running value', async () => {
    const [s] = await points('e2e.queue', host);
    expect(s.kind).toBe('gauge');
    expect(s.points.map(([, v]) => v)).toEqual([10, 10 - 3]);
  });

  it('stores the histogram as count, sum, min, max and cumulative le buckets', async () => {
    const recorded = [3, 30, 300];
    const sum = recorded.reduce((a, b) => a + b, 0);
    const [s] = await points('e2e.latency.sum', host);
    expect(s.kind).toBe('gauge');
    expect(s.points.map(([, v]) => v)).toEqual([sum, sum]);
    expect((await points('e2e.latency.min', host))[0].points[0][1]).toBe(Math.min(...recorded));
    expect((await points('e2e.latency.max', host))[0].points[0][1]).toBe(Math.max(...recorded));
    const [count] = await points('e2e.latency.count', host);
    expect(count.kind).toBe('derive');
    // Nothing recorded between the exports: the cumulative count did not move.
    expect(count.points.map(([, v]) => v)).toEqual([null, 0]);
    const buckets = await points('e2e.latency.bucket', host);
    expect(buckets.map((b) => b.labels.le).sort()).toEqual(['+Inf', '10', '100']);
    expect(new Set(buckets.map((b) => b.kind))).toEqual(new Set(['derive']));
  });

  it('counts every point as stored and none refused', async () => {
    expect(await fs.metricValue('fleetscope_ingest_values_rejected_total', { format: 'otlp' })).toBe(0);
    expect(await fs.metricValue('fleetscope_ingest_requests_total', { format: 'otlp', outcome: 'ok' })).toBeGreaterThanOrEqual(2);
  });
});
