// End to end: data ingested over HTTP, scored by an analysis job, turned into an alert, delivered to a
// real Alertmanager (Debian prometheus-alertmanager) — firing while the anomaly lasts, resolved once the
// data is normal again, and delivered after Alertmanager comes back when it was down during the anomaly.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../bin/config.ts';
import { parseRoles } from '../bin/roles.ts';
import { buildServer, type Server } from '../bin/serve.ts';
import { alertmanagerMissingReason, startAlertmanager, type AlertmanagerHandle, type GettableAlert } from './helpers/alertmanager.ts';
import { freePortsEnv } from './helpers/fleetscope.ts';

const HOST = 'e2e-web-1';
const STEP_MS = 2000;
let server: Server;
let http: string;
let am: AlertmanagerHandle;
let dir: string;

/** A normal value: 100 with a small deterministic wobble. */
const normal = (i: number) => 100 + 2 * Math.sin(i * 1.7) + Math.cos(i * 0.31);

async function push(points: { t: number; v: number }[]): Promise<void> {
  const body = JSON.stringify(
    points.map((p) => ({ values: [p.v], dstypes: ['gauge'], dsnames: ['value'], time: p.t / 1000, interval: STEP_MS / 1000, host: HOST, plugin: 'e2e', plugin_instance: '', type: 'latency', type_instance: '' })),
  );
  const res = await server.app.inject({ method: 'POST', url: '/collectd', payload: body, headers: { 'content-type': 'application/json' } });
  expect(res.statusCode).toBe(200);
}

const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

/** Sends one point per step in real time with `value(i)` until `done()` holds or `timeoutMs` passes. */
async function stream(value: (i: number) => number, done: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; Date.now() < deadline; i++) {
    await push([{ t: Date.now(), v: value(i) }]);
    if (await done()) return true;
    await sleep(STEP_MS);
  }
  return false;
}

const ours = (alerts: GettableAlert[]) => alerts.filter((a) => a.labels.host === HOST && a.labels.alertname === 'FleetscopeAnomaly');

async function fleetscopeAlerts(): Promise<{ status: string; labels: Record<string, string> }[]> {
  const res = await server.app.inject({ method: 'GET', url: '/api/v1/alerts' });
  return (res.json() as { alerts: { status: string; labels: Record<string, string> }[] }).alerts.filter((a) => a.labels.host === HOST);
}

// A missing Alertmanager is a failure, never a skip: scripts/test.sh installs it.
const missing = alertmanagerMissingReason();
if (missing) throw new Error(`${missing} (scripts/test.sh installs it)`);

describe('alerts reach a real Alertmanager', () => {
  beforeAll(async () => {
    am = await startAlertmanager();
    dir = mkdtempSync(join(tmpdir(), 'fleetscope-alerting-'));
    const config = readConfig(undefined, freePortsEnv({
      FLEETSCOPE_STORAGE_DATA_DIR: dir,
      FLEETSCOPE_INGEST_FLUSH_INTERVAL_MS: '20',
      FLEETSCOPE_ANALYSIS_JOBS: JSON.stringify([
        { name: 'e2e', metrics: ['e2e.latency'], everyMs: 1000, stepMs: STEP_MS, lagMs: 0, warmupMs: 40 * 60_000, recordThreshold: 0.3 },
      ]),
      FLEETSCOPE_ANALYSIS_ALERTS_THRESHOLD: '0.5',
      FLEETSCOPE_ANALYSIS_ALERTS_PENDING_MS: '4000',
      FLEETSCOPE_ANALYSIS_ALERTS_RESOLVE_MS: '10000',
      FLEETSCOPE_ANALYSIS_ALERTS_REFRESH_MS: '2000',
      FLEETSCOPE_ALERTING_FEEDS: JSON.stringify([{ type: 'alertmanager', name: 'am', urls: [am.url], resendIntervalMs: 15_000, backoffInitialMs: 200, backoffMaxMs: 1000 }]),
    }));
    server = await buildServer(config, pino({ level: process.env.TEST_LOG ?? 'silent' }), parseRoles('all'));
    // Half an hour of normal history, written before the job first runs (it starts with the server).
    const now = Math.floor(Date.now() / STEP_MS) * STEP_MS;
    const history = Array.from({ length: 900 }, (_, i) => ({ t: now - (900 - i) * STEP_MS, v: normal(i) }));
    for (let i = 0; i < history.length; i += 300) await push(history.slice(i, i + 300));
    await sleep(200);
    ({ http } = await server.start());
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await am?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('an anomaly fires in Alertmanager and resolves once the data is normal again', async () => {
    // Monitoring that pulls follows the same alerts on the server-sent-events stream.
    const ctl = new AbortController();
    const res = await fetch(`${http}/api/v1/alerts/stream`, { signal: ctl.signal });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    let sse = '';
    const reading = (async () => {
      const reader = res.body!.getReader();
      for (;;) {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
        if (done) return;
        sse += new TextDecoder().decode(value);
      }
    })();
    const fired = await stream(() => 400, async () => ours(await am.alerts()).length > 0, 60_000);
    expect(fired, 'the alert reached Alertmanager').toBe(true);
    const [alert] = ours(await am.alerts());
    expect(alert.labels).toMatchObject({ alertname: 'FleetscopeAnomaly', host: HOST, job: 'e2e', severity: 'warning' });
    expect(alert.status.state).toBe('active');
    expect(alert.annotations.summary).toContain('e2e.latency');
    expect(Number(alert.annotations.score)).toBeGreaterThanOrEqual(0.5);
    const metrics = (await server.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain(`fleetscope_alerts{alertname="FleetscopeAnomaly",host="${HOST}",job="e2e",severity="warning",status="firing"} 1`);

    const resolved = await stream((i) => normal(i), async () => ours(await am.alerts()).length === 0, 90_000);
    if (!resolved) {
      const res = await server.app.inject({ method: 'GET', url: `/api/v1/anomalies?host=${HOST}&from=-5m&limit=40` });
      for (const a of (res.json() as { anomalies: Record<string, unknown>[] }).anomalies) console.log(JSON.stringify(a));
      console.log(JSON.stringify(await fleetscopeAlerts()));
    }
    expect(resolved, 'the alert resolved in Alertmanager').toBe(true);
    expect((await fleetscopeAlerts()).map((a) => a.status)).toEqual(['resolved']);
    await sleep(2500); // the stream looks for changes every 2 s
    ctl.abort();
    await reading;
    const events = sse
      .split('\n\n')
      .filter((e) => e.startsWith('event: alert\n'))
      .map((e) => JSON.parse(e.split('\n')[1].slice(6)) as { status: string; labels: Record<string, string> })
      .filter((a) => a.labels.host === HOST);
    expect(events.map((a) => a.status)).toContain('firing');
    expect(events.at(-1)?.status).toBe('resolved');
    // Resolved by fleetscope's own message (the lease of a firing alert, 4 × 15 s, has not run out).
    expect(await am.metric('alertmanager_alerts_received_total{status="resolved",version="v2"}')).toBeGreaterThan(0);
    const anomalies = await server.app.inject({ method: 'GET', url: `/api/v1/anomalies?host=${HOST}&from=-10m` });
    const found = (anomalies.json() as { anomalies: { score: number; kind: string; metric: string; context: object }[] }).anomalies;
    expect(found.length).toBeGreaterThan(0);
    expect(found[0]).toMatchObject({ metric: 'e2e.latency' });
    expect(Math.max(...found.map((a) => a.score))).toBeGreaterThanOrEqual(0.5);
  }, 200_000);

  it('an alert raised while Alertmanager is down arrives once it is back', async () => {
    await am.stop();
    const firing = await stream(() => 400, async () => (await fleetscopeAlerts()).some((a) => a.status === 'firing'), 60_000);
    expect(firing, 'fleetscope has the alert firing').toBe(true);
    await sleep(3000); // delivery fails meanwhile and backs off
    await am.restart();
    const arrived = await stream(() => 400, async () => ours(await am.alerts()).length > 0, 30_000);
    expect(arrived, 'the alert arrived after Alertmanager restarted').toBe(true);
  }, 200_000);
});
