// The query interfaces of a real server on the embedded engine: POST /api/v1/query and /explain, the
// live stream, the `fleetscope query` command, the cost guard, located errors, and injection attempts
// through every place a query holds text.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../bin/config.ts';
import { parseRoles } from '../bin/roles.ts';
import { buildServer, type Server } from '../bin/serve.ts';
import { runQuery } from '../query/engine.ts';
import { QueryError } from '../query/lang/errors.ts';
import { WEB, loadSyntheticFleet, type SyntheticFleet } from './helpers/synthetic-fleet.ts';
import { freePortsEnv } from './helpers/fleetscope.ts';

const run = promisify(execFile);
let server: Server;
let dir: string;
let http: string;
let fleet: SyntheticFleet;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fleetscope-query-'));
  const config = readConfig(undefined, freePortsEnv({
    FLEETSCOPE_STORAGE_DATA_DIR: dir,
    FLEETSCOPE_INGEST_FLUSH_INTERVAL_MS: '20',
    FLEETSCOPE_QUERY_MAX_RESULT_ROWS: '1000',
  }));
  server = await buildServer(config, pino({ level: process.env.TEST_LOG ?? 'silent' }), parseRoles('all'));
  ({ http } = await server.start());
  fleet = (await loadSyntheticFleet(server.storage!, { hosts: 12, durationMs: 3 * 3_600_000, now: Date.now() })).fleet;
}, 300_000);

afterAll(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function query(text: string, path = '/api/v1/query') {
  // The fleet's end as the query's now: answers do not move with the clock.
  const res = await server.app.inject({ method: 'POST', url: path, payload: { query: text, now: fleet.end } });
  return { status: res.statusCode, body: res.json() as Record<string, any> };
}

describe('POST /api/v1/query', () => {
  it('answers columns, rows, a view hint and the statement that ran', async () => {
    const { status, body } = await query(`metric "${WEB.latencyMetric}" last 3h | stats avg_ms = avg(value), hosts = dcount(host) by hw_model | sort avg_ms`);
    expect(status).toBe(200);
    expect(body.columns).toEqual([
      { name: 'hw_model', type: 'string' },
      { name: 'avg_ms', type: 'number' },
      { name: 'hosts', type: 'number' },
    ]);
    expect(body.rows).toHaveLength(3);
    expect(body.rows.reduce((n: number, r: unknown[]) => n + Number(r[2]), 0)).toBe(12);
    expect(body.view).toEqual({ kind: 'bar', x: 'hw_model', series: [], y: ['avg_ms', 'hosts'] });
    expect(body.sql).toMatch(/^WITH/);
    expect(body.params.p0).toEqual([WEB.latencyMetric]);
    expect(body.source).toBe('samples');
  });

  it('locates a syntax error with line, column, expected tokens and a hint', async () => {
    const { status, body } = await query(`metric "${WEB.latencyMetric}" last 3h\n| stat avg(value)`);
    expect(status).toBe(400);
    expect(body.error.code).toBe('QUERY_ERR_SYNTAX');
    expect(body.error.where.line).toBe(2);
    expect(body.error.where.column).toBe(3);
    expect(body.error.where.hint).toContain('stats');
    expect(body.error.where.excerpt).toContain('^^^^');
  });

  it('says what is unknown and suggests the nearest name', async () => {
    const metric = await query('metric "http.respone_time_ms" last 1h');
    expect(metric.status).toBe(400);
    expect(metric.body.error.code).toBe('QUERY_ERR_SEMANTIC');
    expect(metric.body.error.where.hint).toBe(`did you mean "${WEB.latencyMetric}"?`);
    const attr = await query(`metric "${WEB.latencyMetric}" last 1h | stats avg(value) by hw_modle`);
    expect(attr.body.error.where.hint).toBe('did you mean "hw_model"?');
    const rate = await query(`metric "${WEB.latencyMetric}" last 1h | rate`);
    expect(rate.status).toBe(400);
    expect(rate.body.error.message).toContain('is a gauge');
    expect(rate.body.error.where.column).toBe(`metric "${WEB.latencyMetric}" last 1h | `.length + 1);
  });

  it('refuses a query that would read too much, with a clear message, instead of a partial answer', async () => {
    // The guard of the server's configuration, tightened here below what the fleet's latency holds.
    const text = `metric "${WEB.latencyMetric}" last 3h | stats avg(value) by host`;
    const err = await runQuery(server.storage!, text, { limits: { maxRowsToRead: 5000 } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueryError);
    expect((err as QueryError).code).toBe('QUERY_ERR_TOO_COSTLY');
    expect((err as QueryError).message).toMatch(/would read about [\d,]+ rows over 0\.1 days, more than the limit of 5,000/);
    expect((err as QueryError).hint).toContain('shorten the range');
    const ok = await runQuery(server.storage!, text, { limits: { maxRowsToRead: 1_000_000 } });
    expect(ok.rows).toHaveLength(12);
  });

  it('refuses a result larger than the limit', async () => {
    const { status, body } = await query(`metric "df.df_complex" last 3h`);
    expect(status).toBe(422);
    expect(body.error.message).toContain('more than 1,000 rows');
  });

  it('explain shows SQL, parameters, the estimate and where each stage runs', async () => {
    for (const [text, path] of [
      [`explain metric "${WEB.latencyMetric}" last 3h | compare value by hw_model`, '/api/v1/query'],
      [`metric "${WEB.latencyMetric}" last 3h | compare value by hw_model`, '/api/v1/query/explain'],
    ]) {
      const { status, body } = await query(text, path);
      expect(status).toBe(200);
      expect(body.sql).toContain('FROM');
      expect(body.estimate.find((e: { table: string }) => e.table === 'samples').rows).toBeGreaterThan(10_000);
      expect(body.stages.map((s: { runs: string }) => s.runs)).toContain('js');
      expect(body.limits.maxRowsToRead).toBe(2_000_000_000);
    }
  });

  it('answers bad bodies with API_ERR_BAD_PARAM', async () => {
    const res = await server.app.inject({ method: 'POST', url: '/api/v1/query', payload: { q: 'x' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('API_ERR_BAD_PARAM');
  });
});

describe('GET /api/v1/points with width (M4)', () => {
  it('reduces a range to what the pixels show and keeps a planted spike', async () => {
    const t = fleet.end - 30 * 60_000;
    // One spike among the samples of web-01, sent like any collectd value.
    const body = JSON.stringify([{ values: [9999], dstypes: ['gauge'], dsnames: ['value'], time: (t + 1234) / 1000, interval: 10, host: 'web-01', plugin: 'http', plugin_instance: '', type: 'response_time_ms', type_instance: '' }]);
    expect((await server.app.inject({ method: 'POST', url: '/collectd', payload: body, headers: { 'content-type': 'application/json' } })).statusCode).toBe(200);
    const range = `metric=${WEB.latencyMetric}&host=web-01&start=${fleet.start}&end=${fleet.end}`;
    const raw = (await server.app.inject({ url: `/api/v1/points?${range}` })).json() as { series: { points: [number, number][] }[] };
    const all = raw.series[0].points.map((p) => p[1]);
    const res = await server.app.inject({ url: `/api/v1/points?${range}&width=100` });
    expect(res.statusCode).toBe(200);
    const body4 = res.json() as { reduction: string; series: { points: [number, number][] }[] };
    expect(body4.reduction).toBe('m4');
    const pts = body4.series[0].points;
    expect(pts.length).toBeLessThanOrEqual(4 * 100);
    expect(pts.length).toBeLessThan(all.length / 2);
    expect(Math.max(...pts.map((p) => p[1]))).toBe(9999);
    expect(Math.min(...pts.map((p) => p[1]))).toBe(Math.min(...all));
    expect(pts.find((p) => p[1] === 9999)?.[0]).toBe(t + 1234);
    expect(pts.map((p) => p[0])).toEqual([...pts.map((p) => p[0])].sort((a, b) => a - b));
    // An average per step would have flattened it.
    const avg = (await server.app.inject({ url: `/api/v1/points?${range}&step=2m&agg=avg` })).json() as { series: { points: [number, number][] }[] };
    expect(Math.max(...avg.series[0].points.map((p) => p[1]))).toBeLessThan(9999);
    const bad = await server.app.inject({ url: `/api/v1/points?${range}&width=0` });
    expect(bad.statusCode).toBe(400);
  });
});

describe('injection attempts', () => {
  const payloads = [`x' OR 1=1 --`, "x`) OR 1=1 --", 'x\\', `'); DROP TABLE samples; --`, '{p0:String}', 'x" | where 1 = 1', '%', '*'];
  const places = (p: string) => {
    const s = JSON.stringify(p);
    const b = '`' + p.replace(/\\/g, '\\\\').replace(/`/g, '\\`') + '`';
    return [
      `metric ${s} last 1h`,
      `metric "${WEB.latencyMetric}" where host = ${s} last 1h | stats n = count()`,
      `metric "${WEB.latencyMetric}" where host ~ ${s} last 1h | stats n = count()`,
      `metric "${WEB.latencyMetric}" where host in [${s}, "web-01"] last 1h | stats n = count() by host`,
      `metric "${WEB.latencyMetric}" where ${b} = "x" last 1h`,
      `metric "${WEB.latencyMetric}" last 1h | stats n = count() by ${b}`,
      `metric "${WEB.latencyMetric}" last 1h | eval ${b} = 1 | stats n = count()`,
      `metric "${WEB.latencyMetric}" last 1h | stats ${b} = count()`,
      `metric "${WEB.latencyMetric}" last 1h | stats n = count() | view table -title ${s}`,
      `assets where site = ${s} | stats n = count()`,
    ];
  };

  it('text in every position is a literal or an error, never SQL', async () => {
    const before = await query(`metric "df.df_complex" where host = "web-04" last 3h | stats n = count()`);
    for (const p of payloads) {
      for (const text of places(p)) {
        const { status, body } = await query(text);
        expect([200, 400, 422], `${text}: ${JSON.stringify(body).slice(0, 300)}`).toContain(status);
        if (status === 200) {
          // A literal that matches nothing counts nothing; a glob of only * matches every host.
          for (const row of body.rows as unknown[][]) for (const v of row) if (typeof v === 'string') expect(v).not.toContain('DROP');
        } else {
          expect(['QUERY_ERR_SYNTAX', 'QUERY_ERR_SEMANTIC', 'QUERY_ERR_TOO_COSTLY']).toContain(body.error.code);
        }
      }
    }
    const after = await query(`metric "df.df_complex" where host = "web-04" last 3h | stats n = count()`);
    expect(after.body.rows).toEqual(before.body.rows);
    const hostLike = await query(`metric "df.df_complex" where host = "x' OR 1=1 --" last 3h | stats n = count()`);
    expect(hostLike.body.rows).toEqual([[0]]);
  });
});

describe('live queries', () => {
  it('streams the answer, then the rows new data changed', async () => {
    const url = `${http}/api/v1/query/live?interval=1000&query=${encodeURIComponent(`metric "${WEB.latencyMetric}" where host = "live-1" last 15m live | stats every 1m n = count()`)}`;
    const ctl = new AbortController();
    const res = await fetch(url, { signal: ctl.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    let text = '';
    const next = async (event: string) => {
      for (;;) {
        const at = text.indexOf(`event: ${event}\n`);
        if (at >= 0) {
          const end = text.indexOf('\n\n', at);
          if (end > 0) {
            const data = JSON.parse(text.slice(at, end).split('\n').find((l) => l.startsWith('data: '))!.slice(6));
            text = text.slice(end + 2);
            return data;
          }
        }
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        text += new TextDecoder().decode(value);
      }
    };
    const first = await next('result');
    expect(first.rows.every((r: unknown[]) => r[1] === null)).toBe(true);
    const t = Date.now();
    const body = JSON.stringify([{ values: [5], dstypes: ['gauge'], dsnames: ['value'], time: t / 1000, interval: 10, host: 'live-1', plugin: 'http', plugin_instance: '', type: 'response_time_ms', type_instance: '' }]);
    const post = await fetch(`${http}/collectd`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(post.status).toBe(200);
    let update;
    do update = await next('update');
    while (update.rows.length === 0);
    expect(update.rows).toEqual([[Math.floor(t / 60_000) * 60_000, 1]]);
    ctl.abort();
  }, 60_000);

  it('refuses a query without live', async () => {
    const res = await fetch(`${http}/api/v1/query/live?query=${encodeURIComponent(`metric "${WEB.latencyMetric}" last 15m | stats n = count()`)}`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('live');
  });
});

describe('fleetscope query', () => {
  const cli = (args: string[]) =>
    run(process.execPath, ['--import', 'tsx', 'bin/fleetscope.ts', 'query', '--url', http, ...args], { env: { ...process.env, FLEETSCOPE_URL: '' } }).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );

  it('prints a table, the verdict of compare, and warnings', async () => {
    const { code, stdout, stderr } = await cli([`metric "${WEB.latencyMetric}" where host ~ "web-0*" last 3h | compare value by hw_model`]);
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(/^hw_model\s+units\s+samples\s+mean/);
    expect(lines[1]).toMatch(/^-+ +-+/);
    expect(stdout).toMatch(/hw_model (matters|does not)|no evidence/);
    expect(stderr).toContain('fewer than 5 hosts');
  }, 60_000);

  it('prints CSV, and the located error with exit code 1', async () => {
    const csv = await cli(['--format', 'csv', `metric "df.df_complex" where host = "web-04" last 3h | stats n = count()`]);
    expect(csv.code).toBe(0);
    expect(csv.stdout.split('\n')[0]).toBe('n');
    const bad = await cli([`metric "${WEB.latencyMetric}" last 3h | stats n = count() by`]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('QUERY_ERR_SYNTAX');
    expect(bad.stderr).toMatch(/1:\d+: /);
  }, 60_000);

  it('explains', async () => {
    const { code, stdout } = await cli(['--explain', `metric "df.df_complex" where host = "web-04" last 3h | stats n = count()`]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/estimate: .*samples: \d+ rows/);
    expect(stdout).toContain('stages:');
  }, 60_000);
});

