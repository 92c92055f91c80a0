// OpenTSDB /api/put and StatsD over UDP, end to end: a real fleetscope process, real HTTP requests, and
// StatsD metrics sent by the real client library hot-shots; values are read back through the query API.
import dgram from 'node:dgram';
import { gzipSync } from 'node:zlib';
import StatsD from 'hot-shots';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mulberry32 } from '../lib/random.ts';
import { startFleetscope, type FleetscopeHandle } from './helpers/fleetscope.ts';

const FLUSH_MS = 1000;
const PERCENTILES = [50, 90, 99];
let fleet: FleetscopeHandle;

beforeAll(async () => {
  fleet = await startFleetscope({ config: { formats: { statsd: { flushIntervalMs: FLUSH_MS, host: 'statsd-test', percentiles: PERCENTILES } } } });
});

afterAll(async () => {
  await fleet?.stop();
});

type Point = [number, number | null];
interface Series {
  metric: string;
  host: string;
  labels: Record<string, string>;
  kind: string;
  points: Point[];
}

async function get<T>(path: string, query: Record<string, string>): Promise<T> {
  const res = await fetch(`${fleet.baseUrl}${path}?${new URLSearchParams(query)}`);
  const body = await res.text();
  if (!res.ok) throw new Error(`GET ${path} ${JSON.stringify(query)}: ${res.status} ${body}`);
  return JSON.parse(body) as T;
}

async function points(metric: string, host: string, labels: Record<string, string> = {}): Promise<Series[]> {
  const q: Record<string, string> = { metric, host, start: '-10m', end: String(Date.now() + 60_000) };
  for (const [k, v] of Object.entries(labels)) q[`label.${k}`] = v;
  return (await get<{ series: Series[] }>('/api/v1/points', q)).series;
}

/** Polls until `f` returns a value other than undefined (storage flushes every 100 ms). */
async function eventually<T>(what: string, f: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function put(body: unknown, query = '', headers: Record<string, string> = {}): Promise<Response> {
  const payload = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  return fetch(`${fleet.baseUrl}/api/put${query}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: payload });
}

describe('OpenTSDB POST /api/put', () => {
  const nowS = Math.floor(Date.now() / 1000) - 120;
  const dp = (metric: string, host: string, ts: number, value: number | string, extra: Record<string, string> = {}) => ({ metric, timestamp: ts, value, tags: { host, ...extra } });

  it('stores a single point (seconds) with 204 and no content, host from the tag, other tags as labels', async () => {
    const res = await put(dp('tsdb.cpu.nice', 'web01', nowS, 18, { dc: 'lga' }));
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    const [s, ...more] = await eventually('tsdb.cpu.nice on web01', async () => {
      const found = await points('tsdb.cpu.nice', 'web01');
      return found.length > 0 ? found : undefined;
    });
    expect(more).toEqual([]);
    expect(s.labels).toEqual({ dc: 'lga' });
    expect(s.points).toEqual([[nowS * 1000, 18]]);
    const { series } = await get<{ series: { host: string; kind: string; labels: Record<string, string> }[] }>('/api/v1/series', { metric: 'tsdb.cpu.nice' });
    expect(series.map((x) => [x.host, x.kind, x.labels])).toEqual([['web01', 'gauge', { dc: 'lga' }]]);
  });

  it('stores an array with millisecond timestamps and string values; ?summary answers 200 with counts', async () => {
    const ms = nowS * 1000 + 250;
    const body = [dp('tsdb.array', 'web02', ms, '9.5', { dc: 'ams' }), dp('tsdb.array', 'web02', ms + 1000, -3, { dc: 'ams' })];
    const res = await put(body, '?summary');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ failed: 0, success: 2 });
    const [s] = await eventually('tsdb.array', async () => {
      const found = await points('tsdb.array', 'web02');
      return found[0]?.points.length === 2 ? found : undefined;
    });
    expect(s.points).toEqual([
      [ms, 9.5],
      [ms + 1000, -3],
    ]);
  });

  it('stores the good points of a partly bad body and answers 400 with ?details naming each bad point', async () => {
    const good = dp('tsdb.partial', 'web03', nowS, 7);
    const bad = [
      dp('bad metric!', 'web03', nowS, 1),
      dp('tsdb.partial', 'web03', nowS, 'abc'),
      { metric: 'tsdb.partial', timestamp: nowS, value: 1, tags: {} },
      { metric: 'tsdb.partial', timestamp: -5, value: 1, tags: { host: 'web03' } },
    ];
    const res = await put([bad[0], good, ...bad.slice(1)], '?details');
    expect(res.status).toBe(400);
    const body = (await res.json()) as { failed: number; success: number; errors: { datapoint: unknown; error: string }[] };
    expect(body.failed).toBe(bad.length);
    expect(body.success).toBe(1);
    expect(body.errors.map((e) => e.datapoint)).toEqual(bad);
    for (const e of body.errors) expect(e.error).toMatch(/^cannot /);
    const [s] = await eventually('tsdb.partial', async () => {
      const found = await points('tsdb.partial', 'web03');
      return found.length > 0 ? found : undefined;
    });
    expect(s.points).toEqual([[nowS * 1000, 7]]);
  });

  it('answers 400 INGEST_ERR_POINTS_FAILED without summary or details, and 400 PARSE_ERR_BODY for a body that is not JSON', async () => {
    const res = await put([dp('tsdb.plain', 'web04', nowS, 1), dp('tsdb.plain', 'web04', nowS, 'NaN')]);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; where: unknown } };
    expect(body.error.code).toBe('INGEST_ERR_POINTS_FAILED');
    expect(body.error.where).toEqual({ failed: 1, success: 1 });
    const syntax = await put('{"metric": ');
    expect(syntax.status).toBe(400);
    expect(((await syntax.json()) as { error: { code: string; where: { code: string } } }).error.where.code).toBe('PARSE_ERR_JSON_SYNTAX');
  });

  it('reads a gzip body', async () => {
    const body = gzipSync(JSON.stringify([dp('tsdb.gzip', 'web05', nowS, 42.25)]));
    const res = await put(body, '', { 'content-encoding': 'gzip' });
    expect(res.status).toBe(204);
    const [s] = await eventually('tsdb.gzip', async () => {
      const found = await points('tsdb.gzip', 'web05');
      return found.length > 0 ? found : undefined;
    });
    expect(s.points).toEqual([[nowS * 1000, 42.25]]);
  });
});

/** Nearest-rank percentile and StatsD's median, computed here from the values sent. */
function reference(values: number[]) {
  const sorted = values.slice().sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const pct = (p: number) => sorted[Math.ceil((p / 100) * sorted.length) - 1];
  return {
    count: values.length,
    sum: values.reduce((a, b) => a + b, 0),
    min: sorted[0],
    max: sorted[sorted.length - 1],
    median: sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2,
    pct,
  };
}

describe('StatsD over UDP, sent with hot-shots', () => {
  it('stores counters, gauges with deltas, timers, histograms and sets aggregated over one flush interval', async () => {
    const rng = mulberry32(0x57a75d);
    const latencies = Array.from({ length: 37 }, () => Math.round(rng() * 5000) / 10);
    const sizes = Array.from({ length: 12 }, () => Math.floor(rng() * 10_000));
    const increments = 10;
    const rate = 0.5;
    // One buffered datagram, sent on close: every sample lands in the same flush interval.
    const client = new StatsD({ host: '127.0.0.1', port: fleet.listeners.statsd, maxBufferSize: 8000, bufferFlushInterval: 60_000 });
    // hot-shots sends a sampled metric when Math.random() < rate: make every call go out, so what the
    // server received is known.
    const random = vi.spyOn(Math, 'random').mockReturnValue(0);
    try {
      for (let i = 0; i < increments; i++) client.increment('e2e.jobs', 1, rate);
      client.increment('e2e.jobs', 3, { kind: 'batch' });
      client.gauge('e2e.queue', 40);
      client.gaugeDelta('e2e.queue', -15);
      client.gaugeDelta('e2e.queue', 5);
      for (const v of latencies) client.timing('e2e.latency', v);
      for (const v of sizes) client.histogram('e2e.payload', v, { route: 'api', host: 'web-7' });
      for (const u of ['alice', 'bob', 'alice', 'carol', 'bob']) client.set('e2e.users', u);
    } finally {
      random.mockRestore();
    }
    await new Promise<void>((res) => client.close(() => res()));

    const latest = async (metric: string, host = 'statsd-test', labels: Record<string, string> = {}) => {
      // label.<k>= narrows by the labels given; the series without other labels is the one asked for.
      const found = (await points(metric, host, labels)).filter((s) => JSON.stringify(s.labels) === JSON.stringify(labels));
      expect(found.length, `${metric} series`).toBeLessThanOrEqual(1);
      const pts = found[0]?.points ?? [];
      return pts.length > 0 ? pts[pts.length - 1] : undefined;
    };
    const [ts, count] = await eventually('e2e.jobs.count', () => latest('e2e.jobs.count'));
    expect(count).toBe(increments / rate);
    expect(Math.abs(ts - Date.now())).toBeLessThan(30_000);
    expect((await latest('e2e.jobs.rate'))?.[1]).toBe(increments / rate / (FLUSH_MS / 1000));
    expect((await latest('e2e.jobs.count', 'statsd-test', { kind: 'batch' }))?.[1]).toBe(3);

    expect((await latest('e2e.queue'))?.[1]).toBe(40 - 15 + 5);

    const lat = reference(latencies);
    const val = async (m: string, host?: string, labels?: Record<string, string>) => (await eventually(m, () => latest(m, host, labels)))[1];
    expect(await val('e2e.latency.count')).toBe(lat.count);
    expect(await val('e2e.latency.sum')).toBeCloseTo(lat.sum, 9);
    expect(await val('e2e.latency.mean')).toBeCloseTo(lat.sum / lat.count, 9);
    expect(await val('e2e.latency.min')).toBe(lat.min);
    expect(await val('e2e.latency.max')).toBe(lat.max);
    expect(await val('e2e.latency.median')).toBe(lat.median);
    for (const p of PERCENTILES) expect(await val(`e2e.latency.p${p}`)).toBe(lat.pct(p));

    const size = reference(sizes);
    expect(await val('e2e.payload.count', 'web-7', { route: 'api' })).toBe(size.count);
    expect(await val('e2e.payload.max', 'web-7', { route: 'api' })).toBe(size.max);
    expect(await val('e2e.payload.p90', 'web-7', { route: 'api' })).toBe(size.pct(90));

    expect(await val('e2e.users.count')).toBe(3);
    const { series } = await get<{ series: { kind: string; interval_ms: number }[] }>('/api/v1/series', { metric: 'e2e.latency.p90' });
    expect(series.map((s) => [s.kind, s.interval_ms])).toEqual([['gauge', FLUSH_MS]]);
  });

  it('keeps a gauge across flushes and counts lines it cannot read as dropped', async () => {
    const sock = dgram.createSocket('udp4');
    const send = (text: string) => new Promise<void>((res, rej) => sock.send(text, fleet.listeners.statsd, '127.0.0.1', (err) => (err ? rej(err) : res())));
    await send('e2e.persist:7|g\nnot a statsd line\ne2e.bad:x|c\ne2e.ok:2|c');
    sock.close();
    const first = await eventually('two flushes of e2e.persist', async () => {
      const [s] = await points('e2e.persist', 'statsd-test');
      return s && s.points.length >= 2 ? s.points : undefined;
    });
    expect(first.every(([, v]) => v === 7)).toBe(true);
    expect(await fleet.metricValue('fleetscope_ingest_values_dropped_total', { format: 'statsd', reason: 'PARSE_ERR_STATSD_SYNTAX' })).toBe(1);
    expect(await fleet.metricValue('fleetscope_ingest_values_dropped_total', { format: 'statsd', reason: 'PARSE_ERR_STATSD_VALUE' })).toBe(1);
    expect((await eventually('e2e.ok.count', async () => (await points('e2e.ok.count', 'statsd-test'))[0]?.points[0]))[1]).toBe(2);
  });
});
