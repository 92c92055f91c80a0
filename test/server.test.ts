import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import dgram from 'node:dgram';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../bin/config.ts';
import { buildServer, type Server } from '../bin/serve.ts';
import { parseRoles } from '../bin/roles.ts';
import { parseCollectdPacket } from '../ingest/parsers/collectd-binary/parse.ts';
import { builtinTypesDb } from '../ingest/parsers/collectd-common/types-db.ts';
import { freePortsEnv } from './helpers/fleetscope.ts';

const TESTDATA = new URL('./testdata/', import.meta.url);
const requests = readFileSync(new URL('http-requests.jsonl', TESTDATA), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as { path: string; response_status: number; body: string; headers: [string, string][] });
const jsonBodies = requests.filter((r) => r.path === '/json' && r.response_status === 200 && r.body.includes('"values"')).map((r) => r.body);
const commandBodies = requests.filter((r) => r.path === '/command' && /^PUTVAL/.test(r.body)).map((r) => r.body);
const plainDatagrams = readFileSync(new URL('udp-plain.hex', TESTDATA), 'utf8').trim().split('\n');

let server: Server;
let dir: string;
let udpPorts: number[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fleetscope-server-'));
  const authFile = new URL('authfile', TESTDATA).pathname;
  const config = readConfig(undefined, freePortsEnv({
    FLEETSCOPE_STORAGE_DATA_DIR: dir,
    // The captures were taken on 2026-11-21: keep them inside retention whenever the test runs.
    FLEETSCOPE_STORAGE_RETENTION_SAMPLES_DAYS: '3650',
    FLEETSCOPE_STORAGE_MAX_FUTURE_SECONDS: String(400 * 86400 * 100),
    FLEETSCOPE_INGEST_FLUSH_INTERVAL_MS: '20',
    FLEETSCOPE_INGEST_BODY_LIMIT_BYTES: '65536',
    FLEETSCOPE_COLLECTD_EXTRA_UDP: JSON.stringify([{ port: 0, securityLevel: 'sign', authFile }]),
    FLEETSCOPE_COLLECTD_HTTP_USER: 'collectd',
    FLEETSCOPE_COLLECTD_HTTP_PASSWORD: 'httppass',
  }));
  server = await buildServer(config, pino({ level: process.env.TEST_LOG ?? 'silent' }), parseRoles('all'));
  ({ udp: udpPorts } = await server.start());
});

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const AUTH = { authorization: 'Basic ' + Buffer.from('collectd:httppass').toString('base64') };

function post(body: string, contentType: string, headers: Record<string, string> = AUTH) {
  return server.app.inject({ method: 'POST', url: '/collectd', payload: body, headers: { 'content-type': contentType, ...headers } });
}

async function points(query: string) {
  const res = await server.app.inject({ method: 'GET', url: `/api/v1/points?${query}` });
  return { status: res.statusCode, body: res.json() };
}

describe('POST /collectd', () => {
  it('asks for credentials with a Basic challenge, then accepts them', async () => {
    const res = await post(jsonBodies[0], 'application/json', {});
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Basic realm="fleetscope"/);
    expect(res.json().error.code).toBe('INGEST_ERR_UNAUTHORIZED');
    const wrong = await post(jsonBodies[0], 'application/json', { authorization: 'Basic ' + Buffer.from('collectd:nope').toString('base64') });
    expect(wrong.statusCode).toBe(401);
  });

  it('stores every captured JSON body and answers with counts once stored', async () => {
    let accepted = 0;
    for (const body of jsonBodies) {
      const res = await post(body, 'application/json');
      expect(res.statusCode).toBe(200);
      accepted += res.json().accepted;
    }
    expect(accepted).toBeGreaterThan(400);
    const { status, body } = await points('metric=load.shortterm&host=testhost&start=2026-11-21T23:00:00Z&end=2026-11-22T00:00:00Z');
    expect(status).toBe(200);
    const load = body.series.find((s: { labels: Record<string, string> }) => s.labels.plugin === 'load');
    expect(load.points[0]).toEqual([1795303190484, 1.53515625]);
  });

  it('keeps the valid rest of a body when one value list is wrong, and says where', async () => {
    const good = '{"values":[1],"dstypes":["gauge"],"dsnames":["value"],"time":1795303190.000,"interval":1.000,"host":"partial","plugin":"p","plugin_instance":"","type":"gauge","type_instance":""}';
    const bad = '{"values":[1,2],"dstypes":["gauge"],"dsnames":["value"],"time":1795303190.000,"interval":1.000,"host":"partial","plugin":"p","plugin_instance":"","type":"gauge","type_instance":"x"}';
    const res = await post(`[${good},${bad}]`, 'application/json');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ accepted: 1, rejected: 2, errors: [{ code: 'PARSE_ERR_LENGTH_MISMATCH', index: 1 }] });
  });

  it.each([
    ['not JSON', '[{"values":', 'application/json', 400, 'PARSE_ERR_BODY'],
    ['only bad value lists', '[{"values":"x"}]', 'application/json', 400, 'INGEST_ERR_NOTHING_VALID'],
    ['a bad PUTVAL line', 'PUTVAL testhost/load/load interval=1.000 1795303190.484:1\r\n', 'text/plain', 400, 'INGEST_ERR_NOTHING_VALID'],
    ['an unknown content type', 'x', 'application/xml', 415, 'INGEST_ERR_CONTENT_TYPE'],
    ['a body over the limit', 'x'.repeat(70_000), 'text/plain', 413, 'INGEST_ERR_BODY_TOO_LARGE'],
  ])('answers %s with a clear error', async (_n, body, type, status, code) => {
    const res = await post(body, type);
    expect(res.statusCode).toBe(status);
    expect(res.json().error.code).toBe(code);
    expect(res.json().error.message).toMatch(/^cannot /);
  });

  it('stores Format Command bodies, including rates of counters', async () => {
    for (const body of commandBodies) {
      const res = await post(body.replace(/testhost\//g, 'cmdhost/'), 'text/plain');
      expect(res.statusCode).toBe(200);
    }
    const { body } = await points('metric=example.counter&host=cmdhost&label.type_instance=wrap&start=2026-11-21T23:00:00Z&end=2026-11-22T00:00:00Z');
    expect(body.series[0].unit).toBe('per_second');
    expect(body.series[0].points.map((p: [number, number | null]) => p[1])).toEqual([null, 11]);
  });
});

describe('collectd binary protocol over UDP', () => {
  function send(port: number, hex: string[]): Promise<void> {
    const socket = dgram.createSocket('udp4');
    return new Promise((resolve) => {
      let n = 0;
      for (const h of hex) socket.send(Buffer.from(h, 'hex'), port, '127.0.0.1', () => ++n === hex.length && (socket.close(), resolve()));
    });
  }

  async function stored(format: string): Promise<number> {
    const text = (await server.app.inject({ method: 'GET', url: '/metrics' })).body;
    const m = new RegExp(`fleetscope_ingest_values_stored_total\\{format="${format}"\\} (\\d+)`).exec(text);
    return m ? Number(m[1]) : 0;
  }

  it('stores the captured datagrams and ignores unsigned data on a Sign listener', async () => {
    const expected = plainDatagrams.reduce(
      (n, h) => n + parseCollectdPacket(Buffer.from(h, 'hex'), { typesDb: builtinTypesDb(), securityLevel: 'none' }).records.length,
      0,
    );
    expect(expected).toBeGreaterThan(500);
    await send(udpPorts[0], plainDatagrams);
    for (let i = 0; i < 100 && (await stored('collectd_binary')) < expected; i++) await new Promise((r) => setTimeout(r, 50));
    const count = await stored('collectd_binary');
    expect(count).toBe(expected);
    await send(udpPorts[1], plainDatagrams.slice(0, 3));
    await new Promise((r) => setTimeout(r, 300));
    expect(await stored('collectd_binary')).toBe(count);
    const text = (await server.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toMatch(/fleetscope_ingest_values_dropped_total\{format="collectd_binary",reason="[A-Z_]*UNSIGNED[A-Z_]*"\} [1-9]/);
  });
});

describe('read API', () => {
  it('lists series with labels', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/api/v1/series?metric=interface.if_octets.rx&host=testhost' });
    const lo = res.json().series.find((s: { labels: Record<string, string> }) => s.labels.plugin_instance === 'lo');
    expect(lo).toMatchObject({ metric: 'interface.if_octets.rx', host: 'testhost', kind: 'derive', labels: { plugin: 'interface', type: 'if_octets', ds: 'rx' } });
  });

  it('aggregates by step from the raw table and the 1-minute rollup', async () => {
    const q = 'metric=load.shortterm&host=testhost&start=2026-11-21T23:00:00Z&end=2026-11-22T00:00:00Z';
    const raw = await points(`${q}&step=10s&agg=max`);
    const minute = await points(`${q}&step=1m&agg=max`);
    expect(raw.body.source).toBe('raw');
    expect(minute.body.source).toBe('1m');
    const max = (b: { series: { points: [number, number][] }[] }) => Math.max(...b.series.flatMap((s) => s.points.map((p) => p[1])));
    expect(max(minute.body)).toBe(max(raw.body));
  });

  it('lists notifications as events', async () => {
    const notif = '[{"labels":{"alertname":"collectd_example_gauge","instance":"evhost","example":"inst","severity":"WARNING","service":"collectd"},"annotations":{"summary":"disk filling"},"startsAt":"2026-11-21T23:19:53.000000000Z"}]';
    expect((await post(notif, 'text/plain')).statusCode).toBe(200);
    const res = await server.app.inject({ method: 'GET', url: '/api/v1/events?host=evhost&start=2026-11-21T00:00:00Z&end=2026-11-22T00:00:00Z' });
    expect(res.json().events).toMatchObject([{ host: 'evhost', severity: 'warning', message: 'disk filling', ts: 1795303193000 }]);
  });

  it.each([
    ['no metric', 'host=x', 'API_ERR_BAD_PARAM'],
    ['bad start', 'metric=m&start=yesterday', 'API_ERR_BAD_PARAM'],
    ['bad step', 'metric=m&step=fast', 'API_ERR_BAD_PARAM'],
    ['too many points', 'metric=m&start=-30d&step=1s', 'API_ERR_TOO_MANY_POINTS'],
    ['bad aggregate', 'metric=m&step=1m&agg=median', 'API_ERR_BAD_PARAM'],
  ])('refuses %s', async (_n, query, code) => {
    const { status, body } = await points(query);
    expect(status).toBeGreaterThanOrEqual(400);
    expect(body.error.code).toBe(code);
  });

  it('reports ready and exposes metrics', async () => {
    expect((await server.app.inject({ method: 'GET', url: '/readyz' })).json()).toMatchObject({ status: 'ready' });
    const text = (await server.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toMatch(/fleetscope_ingest_values_stored_total\{format="collectd_json"\} \d+/);
    expect(text).toMatch(/fleetscope_ingest_insert_seconds_bucket\{table="samples",le="0.5"\} \d+/);
  });
});
