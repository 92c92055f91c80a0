// End to end for the InfluxDB and Graphite receivers: a real fleetscope process, the real InfluxDB
// client library, plain fetch, and node:net / node:dgram sockets; values are read back over the API.
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import { gzipSync } from 'node:zlib';
import { InfluxDB, Point } from '@influxdata/influxdb-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleetscope, type FleetscopeHandle } from './helpers/fleetscope.ts';

const RUN = randomBytes(3).toString('hex');
let fleet: FleetscopeHandle;
/** A base time a few minutes ago, whole seconds, so every precision can express it. */
const T0 = Math.floor((Date.now() - 10 * 60_000) / 1000) * 1000;

beforeAll(async () => {
  fleet = await startFleetscope();
});

afterAll(async () => {
  await fleet?.stop();
});

interface Series {
  metric: string;
  host: string;
  labels: Record<string, string>;
  points: [number, number | null][];
}

async function points(metric: string, host: string): Promise<Series[]> {
  const q = new URLSearchParams({ metric, host, start: String(T0 - 3_600_000), end: String(Date.now() + 60_000) });
  const res = await fetch(`${fleet.baseUrl}/api/v1/points?${q}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { series: Series[] }).series;
}

/** Polls until the points of `metric` on `host` are there (UDP and TCP are not acknowledged). */
async function eventually(metric: string, host: string, n: number): Promise<Series[]> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const s = await points(metric, host);
    if (s.reduce((k, x) => k + x.points.length, 0) >= n || Date.now() > deadline) return s;
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('InfluxDB line protocol over HTTP', () => {
  it('answers /ping with 204 for GET and HEAD', async () => {
    expect((await fetch(`${fleet.baseUrl}/ping`)).status).toBe(204);
    expect((await fetch(`${fleet.baseUrl}/ping`, { method: 'HEAD' })).status).toBe(204);
  });

  it('stores what the official client writes through /api/v2/write (precision ms, gzip)', async () => {
    const host = `influx-client-${RUN}`;
    const client = new InfluxDB({ url: fleet.baseUrl, token: 'ignored' });
    const writeApi = client.getWriteApi('any-org', 'any-bucket', 'ms', { gzipThreshold: 0, maxRetries: 0, batchSize: 1000 });
    writeApi.useDefaultTags({ host });
    for (let i = 0; i < 5; i++) {
      writeApi.writePoint(new Point('cpu').tag('cpu', 'cpu0').floatField('usage_idle', 90 + i / 4).intField('procs', 100 + i).timestamp(new Date(T0 + i * 1000)));
    }
    writeApi.writePoint(new Point('disk space').tag('path', '/var,log').booleanField('ok', true).stringField('note', 'not a metric').timestamp(new Date(T0)));
    await writeApi.close();

    const idle = await points('cpu.usage_idle', host);
    expect(idle.map((s) => s.labels)).toEqual([{ cpu: 'cpu0' }]);
    expect(idle[0].points).toEqual([0, 1, 2, 3, 4].map((i) => [T0 + i * 1000, 90 + i / 4]));
    const procs = await points('cpu.procs', host);
    expect(procs[0].points).toEqual([0, 1, 2, 3, 4].map((i) => [T0 + i * 1000, 100 + i]));
    const ok = await points('disk space.ok', host);
    expect(ok.map((s) => [s.labels, s.points])).toEqual([[{ path: '/var,log' }, [[T0, 1]]]]);
    expect(await points('disk space.note', host)).toEqual([]);
    expect(await fleet.metricValue('fleetscope_ingest_values_rejected_total', { format: 'influx', reason: 'PARSE_ERR_INFLUX_STRING_FIELD' })).toBeGreaterThanOrEqual(1);

    const series = await fetch(`${fleet.baseUrl}/api/v1/series?metric=cpu.usage_idle&host=${host}`);
    expect(((await series.json()) as { series: { host: string; kind: string }[] }).series).toMatchObject([{ host, kind: 'gauge' }]);
  });

  it('stores a v1 /write body with precision=s, gzip or plain', async () => {
    const host = `influx-v1-${RUN}`;
    const s = T0 / 1000;
    const body = `mem,host=${host} used=1024i,free=2.5 ${s}\nload,host=${host} value=0.75 ${s + 10}\n`;
    const plain = await fetch(`${fleet.baseUrl}/write?db=telegraf&precision=s&u=x&p=y`, { method: 'POST', body });
    expect(plain.status).toBe(204);
    const zipped = await fetch(`${fleet.baseUrl}/write?db=telegraf&precision=s`, {
      method: 'POST',
      body: gzipSync(`load,host=${host} value=1.25 ${s + 20}\n`),
      headers: { 'content-encoding': 'gzip' },
    });
    expect(zipped.status).toBe(204);
    expect((await points('mem.used', host))[0].points).toEqual([[T0, 1024]]);
    expect((await points('mem.free', host))[0].points).toEqual([[T0, 2.5]]);
    expect((await points('load', host))[0].points).toEqual([[T0 + 10_000, 0.75], [T0 + 20_000, 1.25]]);
  });

  it('stores the good lines of a partly bad body and answers 400 with where the bad ones are', async () => {
    const host = `influx-partial-${RUN}`;
    const ns = `${T0}000000`;
    const body = `good,host=${host} value=1 ${ns}\nbad,host=${host} value=oops ${ns}\ngood,host=${host} value=2 ${T0 + 1000}000000\nnofields\n`;
    const res = await fetch(`${fleet.baseUrl}/api/v2/write?org=o&bucket=b`, { method: 'POST', body });
    expect(res.status).toBe(400);
    const answer = (await res.json()) as { code: string; message: string; fleetscope_code: string; errors: { line: number; code: string }[] };
    expect(answer.code).toBe('invalid');
    expect(answer.fleetscope_code).toBe('INFLUX_ERR_PARTIAL_WRITE');
    expect(answer.message).toMatch(/^partial write: the valid lines were stored \(2 values\).*line 2 .*line 4 /);
    expect(answer.errors.map((e) => [e.line, e.code])).toEqual([[2, 'PARSE_ERR_INFLUX_FIELD_VALUE'], [4, 'PARSE_ERR_INFLUX_FIELD']]);
    expect((await points('good', host))[0].points).toEqual([[T0, 1], [T0 + 1000, 2]]);
  });

  it.each([
    ['nothing valid (v1 also says it in "error")', '/write', 'nope\n', {}, 400, 'INGEST_ERR_NOTHING_VALID', /^unable to parse/],
    ['an unknown precision', '/api/v2/write?precision=m', 'a value=1', {}, 400, 'API_ERR_BAD_PARAM', /^cannot read parameter precision/],
    ['an unknown encoding', '/api/v2/write', 'a value=1', { 'content-encoding': 'br' }, 415, 'INGEST_ERR_ENCODING', /^cannot read a body/],
    // Compressed, so the whole request is sent before the answer (a plain 17 MiB body may be cut off
    // by the early 413, which the client sees as a broken pipe): it decompresses beyond the limit.
    ['a body over the limit', '/api/v2/write', gzipSync(`a value=1 ${'1'.repeat(17 * 1024 * 1024)}`), { 'content-encoding': 'gzip' }, 413, 'INGEST_ERR_BODY_TOO_LARGE', /^cannot accept/],
  ])('answers %s as InfluxDB does', async (_n, path, body, headers, status, code, message) => {
    const res = await fetch(`${fleet.baseUrl}${path}`, { method: 'POST', body, headers });
    expect(res.status).toBe(status);
    const answer = (await res.json()) as Record<string, string>;
    expect(answer).toMatchObject({ code: status === 413 ? 'request too large' : 'invalid', fleetscope_code: code });
    expect(answer.message).toMatch(message);
    if (path === '/write') expect(answer.error).toBe(answer.message);
  });
});

describe('Graphite plaintext', () => {
  it('stores lines sent over TCP, split across writes, with CRLF and tags', async () => {
    const host = `graphite-tcp-${RUN}`;
    const s = T0 / 1000;
    const socket = net.connect(fleet.listeners.graphite_tcp, '127.0.0.1');
    await new Promise<void>((r) => socket.once('connect', () => r()));
    const text = `servers.load;host=${host};dc=par 0.5 ${s}\r\nservers.load;host=${host};dc=par 0.7 ${s + 10}\nnot a valid line at all\n` +
      Array.from({ length: 100 }, (_, i) => `servers.count;host=${host} ${i} ${s + i}`).join('\n');
    // Cut the stream in the middle of lines; the last line has no newline and ends with the connection.
    for (let i = 0; i < text.length; i += 37) socket.write(text.slice(i, i + 37));
    socket.end();
    const load = await eventually('servers.load', host, 2);
    expect(load.map((x) => [x.labels, x.points])).toEqual([[{ dc: 'par' }, [[T0, 0.5], [T0 + 10_000, 0.7]]]]);
    const count = await eventually('servers.count', host, 100);
    expect(count[0].points).toEqual(Array.from({ length: 100 }, (_, i) => [T0 + i * 1000, i]));
    expect(await fleet.metricValue('fleetscope_ingest_values_dropped_total', { format: 'graphite', reason: 'PARSE_ERR_GRAPHITE_FIELDS' })).toBe(1);
  });

  it('skips a TCP line over 64 KiB and keeps the next ones', async () => {
    const host = `graphite-long-${RUN}`;
    const socket = net.connect(fleet.listeners.graphite_tcp, '127.0.0.1');
    await new Promise<void>((r) => socket.once('connect', () => r()));
    socket.write(`long.${'x'.repeat(70 * 1024)} 1 ${T0 / 1000}\nafter.long;host=${host} 3 ${T0 / 1000}\n`);
    socket.end();
    expect((await eventually('after.long', host, 1))[0]?.points).toEqual([[T0, 3]]);
    expect(await fleet.metricValue('fleetscope_ingest_values_dropped_total', { format: 'graphite', reason: 'PARSE_ERR_GRAPHITE_LINE_TOO_LONG' })).toBe(1);
  });

  it('stores lines sent over UDP', async () => {
    const host = `graphite-udp-${RUN}`;
    const sock = dgram.createSocket('udp4');
    const msg = Buffer.from(`udp.metric;host=${host} 4.5 ${T0 / 1000}\nudp.metric;host=${host} 5.5 ${T0 / 1000 + 1.5}\n`);
    await new Promise<void>((r, j) => sock.send(msg, fleet.listeners.graphite_udp, '127.0.0.1', (e) => (e ? j(e) : r())));
    sock.close();
    expect((await eventually('udp.metric', host, 2))[0]?.points).toEqual([[T0, 4.5], [T0 + 1500, 5.5]]);
  });
});
