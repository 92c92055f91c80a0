// End to end: hosts push over HTTP; one that stops raises FleetscopeHostAbsent in a real Alertmanager
// (Debian prometheus-alertmanager) and resolves when it pushes again; a host in maintenance and a
// silenced host stay out of Alertmanager; GET /api/v1/coverage tells expected, reporting and absent.
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

let server: Server;
let am: AlertmanagerHandle;
let dir: string;
let pusher: NodeJS.Timeout | undefined;
/** Hosts the background pusher sends for, once a second. */
const live = new Set(['cov-a', 'cov-b', 'cov-m', 'cov-s', 'cov-u']);

const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

async function push(hosts: Iterable<string>): Promise<void> {
  const t = Date.now() / 1000;
  const body = JSON.stringify(
    [...hosts].map((host) => ({ values: [1], dstypes: ['gauge'], dsnames: ['value'], time: t, interval: 1, host, plugin: 'cov', plugin_instance: '', type: 'load', type_instance: '' })),
  );
  const res = await server.app.inject({ method: 'POST', url: '/collectd', payload: body, headers: { 'content-type': 'application/json' } });
  expect(res.statusCode).toBe(200);
}

async function until(what: string, cond: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await cond()) return;
    await sleep(250);
  }
  throw new Error(`timed out waiting for: ${what}`);
}

const absentIn = (alerts: GettableAlert[], host: string) => alerts.filter((a) => a.labels.alertname === 'FleetscopeHostAbsent' && a.labels.host === host);

interface ApiAlert {
  status: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  silenced: boolean;
  silencedBy?: string;
  job: string;
}
async function fleetscopeAbsent(host: string): Promise<ApiAlert[]> {
  const res = await server.app.inject({ method: 'GET', url: '/api/v1/alerts' });
  return (res.json() as { alerts: ApiAlert[] }).alerts.filter((a) => a.labels.alertname === 'FleetscopeHostAbsent' && a.labels.host === host);
}

interface CoverageHost {
  host: string;
  expected: boolean;
  reporting: boolean;
  absent: boolean;
  lastSeen: number | null;
  interval_ms: number;
  silenced?: { by: string; id?: string };
  jobs: string[];
}
async function coverage(query = ''): Promise<{ hosts: CoverageHost[]; summary: Record<string, number> }> {
  const res = await server.app.inject({ method: 'GET', url: `/api/v1/coverage${query}` });
  expect(res.statusCode).toBe(200);
  return res.json();
}

// A missing Alertmanager is a failure, never a skip: scripts/test.sh installs it.
const missing = alertmanagerMissingReason();
if (missing) throw new Error(`${missing} (scripts/test.sh installs it)`);

describe('absent hosts reach a real Alertmanager', () => {
  beforeAll(async () => {
    am = await startAlertmanager();
    dir = mkdtempSync(join(tmpdir(), 'fleetscope-coverage-'));
    const config = readConfig(undefined, freePortsEnv({
      FLEETSCOPE_STORAGE_DATA_DIR: dir,
      FLEETSCOPE_INGEST_FLUSH_INTERVAL_MS: '20',
      FLEETSCOPE_ANALYSIS_JOBS: JSON.stringify([
        { name: 'all', metrics: ['cov.*'], everyMs: 600_000 },
        { name: 'web-only', metrics: ['cov.*'], roles: ['web'], everyMs: 600_000 },
      ]),
      FLEETSCOPE_ANALYSIS_CAPACITY_ENABLED: 'false',
      FLEETSCOPE_ANALYSIS_ABSENT_EVERY_MS: '1000',
      FLEETSCOPE_ANALYSIS_ABSENT_INTERVALS: '3',
      FLEETSCOPE_ANALYSIS_ABSENT_MIN_SILENCE_MS: '0',
      FLEETSCOPE_ANALYSIS_ALERTS_PENDING_MS: '2000',
      FLEETSCOPE_ANALYSIS_ALERTS_RESOLVE_MS: '3000',
      FLEETSCOPE_ANALYSIS_ALERTS_REFRESH_MS: '2000',
      FLEETSCOPE_ALERTING_FEEDS: JSON.stringify([{ type: 'alertmanager', name: 'am', urls: [am.url], resendIntervalMs: 15_000, backoffInitialMs: 200, backoffMaxMs: 1000 }]),
    }));
    server = await buildServer(config, pino({ level: process.env.TEST_LOG ?? 'silent' }), parseRoles('all'));
    await server.start();
    // Data first, then the asset records: no host that sends is ever "expected but never reported".
    await push(live);
    pusher = setInterval(() => void push(live).catch(() => undefined), 1000);
    await sleep(300);
    const assets = [
      { host: 'cov-a', site: 'ams1', role: 'web', hw_model: 'R650', status: 'active' },
      { host: 'cov-b', site: 'ams1', role: 'web', hw_model: 'R650', status: 'active' },
      { host: 'cov-m', site: 'ams1', role: 'web', hw_model: 'R650', status: 'maintenance' },
      { host: 'cov-s', site: 'fra2', role: 'db', hw_model: 'R640', status: 'active' },
      { host: 'cov-never', site: 'fra2', role: 'db', hw_model: 'R640', status: 'active' },
    ];
    const res = await server.app.inject({ method: 'PUT', url: '/api/v1/assets', payload: { assets } });
    expect(res.statusCode).toBe(200);
  }, 120_000);

  afterAll(async () => {
    if (pusher) clearInterval(pusher);
    await server?.stop();
    await am?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a silence is validated, stored and listed', async () => {
    const bad = await server.app.inject({ method: 'POST', url: '/api/v1/silences', payload: { matchers: { host: 'cov-s' }, endsAt: 'now+31d', comment: 'x', createdBy: 'e2e' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: { code: 'SILENCE_ERR_INVALID', where: { path: 'endsAt' } } });
    const res = await server.app.inject({ method: 'POST', url: '/api/v1/silences', payload: { matchers: { host: 'cov-s' }, endsAt: 'now+1h', comment: 'disk swap', createdBy: 'e2e' } });
    expect(res.statusCode).toBe(201);
    const created = res.json() as { id: string; state: string };
    expect(created.state).toBe('active');
    const list = (await server.app.inject({ method: 'GET', url: '/api/v1/silences' })).json() as { silences: { id: string; matchers: object; state: string }[] };
    expect(list.silences).toEqual([expect.objectContaining({ id: created.id, matchers: { host: 'cov-s' }, state: 'active', comment: 'disk swap', createdBy: 'e2e' })]);
    const gone = await server.app.inject({ method: 'DELETE', url: '/api/v1/silences/no-such-id' });
    expect(gone.statusCode).toBe(404);
    expect(gone.json()).toMatchObject({ error: { code: 'SILENCE_ERR_NOT_FOUND' } });
  });

  it('a host that stops raises an absent alert in Alertmanager and resolves when it returns', async () => {
    const silenceId = ((await server.app.inject({ method: 'GET', url: '/api/v1/silences' })).json() as { silences: { id: string }[] }).silences[0].id;
    for (const h of ['cov-b', 'cov-m', 'cov-s']) live.delete(h);

    await until('cov-b absent in Alertmanager', async () => absentIn(await am.alerts(), 'cov-b').length > 0, 30_000);
    const [alert] = absentIn(await am.alerts(), 'cov-b');
    expect(alert.labels).toEqual({ alertname: 'FleetscopeHostAbsent', host: 'cov-b', site: 'ams1', role: 'web', hw_model: 'R650', severity: 'critical' });
    expect(alert.annotations.summary).toContain('no data since');
    expect(Date.parse(alert.annotations.last_seen)).toBeGreaterThan(Date.now() - 60_000);

    // The silenced host's alert fires in fleetscope, marked silenced, and is kept from the feeds.
    await until('cov-s firing in fleetscope', async () => (await fleetscopeAbsent('cov-s')).some((a) => a.status === 'firing'), 15_000);
    expect(await fleetscopeAbsent('cov-s')).toEqual([expect.objectContaining({ status: 'firing', silenced: true, silencedBy: silenceId, job: 'absent' })]);
    expect((await fleetscopeAbsent('cov-b'))[0]).toMatchObject({ status: 'firing', silenced: false });
    await until('cov-never firing in fleetscope', async () => (await fleetscopeAbsent('cov-never')).some((a) => a.status === 'firing'), 15_000);
    expect((await fleetscopeAbsent('cov-never'))[0].annotations.last_seen).toBe('never');
    await sleep(3000); // delivery and Alertmanager's group_wait would have brought them by now
    const inAm = await am.alerts();
    expect(absentIn(inAm, 'cov-s'), 'silenced').toEqual([]);
    expect(absentIn(inAm, 'cov-m'), 'maintenance').toEqual([]);
    expect(absentIn(inAm, 'cov-a'), 'still pushing').toEqual([]);
    expect(absentIn(inAm, 'cov-u'), 'still pushing').toEqual([]);
    expect(absentIn(inAm, 'cov-never'), 'expected but never reported').toHaveLength(1);
    expect(await fleetscopeAbsent('cov-m')).toEqual([]);

    const cov = await coverage();
    const by = new Map(cov.hosts.map((h) => [h.host, h]));
    expect([...by.keys()]).toEqual(['cov-a', 'cov-b', 'cov-m', 'cov-never', 'cov-s', 'cov-u']);
    expect(cov.summary).toEqual({ expected: 4, reporting: 2, absent: 3, unexpected: 1, silenced: 2 });
    expect(by.get('cov-a')).toMatchObject({ expected: true, reporting: true, absent: false, interval_ms: 1000, jobs: ['all', 'web-only'] });
    expect(by.get('cov-a')?.silenced).toBeUndefined();
    expect(by.get('cov-b')).toMatchObject({ expected: true, reporting: false, absent: true });
    expect(by.get('cov-m')).toMatchObject({ expected: false, reporting: false, absent: false, silenced: { by: 'status' } });
    expect(by.get('cov-s')).toMatchObject({ expected: true, absent: true, silenced: { by: 'silence', id: silenceId }, jobs: ['all'] });
    expect(by.get('cov-never')).toMatchObject({ expected: true, reporting: false, absent: true, lastSeen: null, jobs: [] });
    expect(by.get('cov-u')).toMatchObject({ expected: false, reporting: true, absent: false, jobs: ['all'] });
    expect((await coverage('?state=absent')).hosts.map((h) => h.host)).toEqual(['cov-b', 'cov-never', 'cov-s']);
    expect((await coverage('?state=unexpected')).hosts.map((h) => h.host)).toEqual(['cov-u']);
    expect((await coverage('?site=fra2')).summary).toMatchObject({ expected: 2, absent: 2 });
    expect((await server.app.inject({ method: 'GET', url: '/api/v1/coverage?state=gone' })).statusCode).toBe(400);

    live.add('cov-b');
    await until('cov-b resolved in Alertmanager', async () => absentIn(await am.alerts(), 'cov-b').length === 0, 30_000);
    expect((await fleetscopeAbsent('cov-b')).map((a) => a.status)).toEqual(['resolved']);
    expect(await am.metric('alertmanager_alerts_received_total{status="resolved",version="v2"}')).toBeGreaterThan(0);
    expect((await coverage()).hosts.find((h) => h.host === 'cov-b')).toMatchObject({ reporting: true, absent: false });
  }, 120_000);
});
