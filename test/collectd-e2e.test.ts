// End to end with a real collectd 5.12: each scenario runs its own collectd (distinct Hostname)
// against one fleetscope, then reads its values back through the HTTP API and compares them with
// what the kernel says (/proc/loadavg, /proc/meminfo, USER_HZ jiffies).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  collectdMissingReason,
  startCollectd,
  stopAllCollectd,
  type CollectdHandle,
  type CollectdOptions,
} from './helpers/collectd.ts';
import { startFleetscope, type FleetscopeHandle } from './helpers/fleetscope.ts';

const RUN = randomBytes(3).toString('hex');
const HTTP_USER = 'collectd-e2e';
const HTTP_PASSWORD = `http-${RUN}`;
const SIGN_USER = 'agent-sign';
const SIGN_PASSWORD = `sign-${RUN}`;
const ENCRYPT_USER = 'agent-encrypt';
const ENCRYPT_PASSWORD = `encrypt-${RUN}`;
/** How long after collectd starts its data must be readable. */
const DATA_DEADLINE_MS = 20_000;
/** USER_HZ: the cpu plugin reports jiffies, 100 per second and CPU on Linux. */
const JIFFIES_PER_SECOND = 100;

interface Scenario {
  readonly name: string;
  readonly host: string;
  /** Builds the collectd outputs once fleetscope runs. */
  readonly outputs: (fleet: FleetscopeHandle) => Omit<CollectdOptions, 'hostname'>;
}

const hostOf = (name: string): string => `e2e-${name}-${RUN}`;
const http = (format: 'JSON' | 'Command', auth: boolean) => (fleet: FleetscopeHandle) => ({
  writeHttp: [
    auth
      ? { url: `${fleet.baseUrl}/collectd`, format, user: HTTP_USER, password: HTTP_PASSWORD }
      : { url: `${fleet.baseUrl}/collectd`, format, logHttpError: true },
  ],
});
const udp = (listener: number, level: 'None' | 'Sign' | 'Encrypt', user?: string, password?: string) => (fleet: FleetscopeHandle) => ({
  network: [{ host: '127.0.0.1', port: fleet.udpPorts[listener], securityLevel: level, username: user, password }],
});

/** Scenarios whose data must be stored and read back correctly. */
const ACCEPTED: readonly Scenario[] = [
  { name: 'write_http JSON with Basic auth', host: hostOf('json'), outputs: http('JSON', true) },
  { name: 'write_http Command with Basic auth', host: hostOf('cmd'), outputs: http('Command', true) },
  { name: 'network SecurityLevel None', host: hostOf('net-none'), outputs: udp(0, 'None') },
  { name: 'network SecurityLevel Sign', host: hostOf('net-sign'), outputs: udp(1, 'Sign', SIGN_USER, SIGN_PASSWORD) },
  { name: 'network SecurityLevel Encrypt', host: hostOf('net-enc'), outputs: udp(2, 'Encrypt', ENCRYPT_USER, ENCRYPT_PASSWORD) },
];
const NO_CREDENTIALS: Scenario = { name: 'write_http JSON without credentials', host: hostOf('json-noauth'), outputs: http('JSON', false) };
const UNSIGNED_TO_SIGN: Scenario = { name: 'plain datagrams to the Sign listener', host: hostOf('net-unsigned'), outputs: udp(1, 'None') };

const missing = collectdMissingReason();
if (missing !== undefined) {
  // A missing collectd is a failure, never a skip: `npm test` installs it (scripts/install-collectd.sh).
  describe('collectd end to end', () => {
    it('needs collectd', () => {
      throw new Error(`${missing}: run scripts/install-collectd.sh`);
    });
  });
} else {
  describe('collectd end to end', defineScenarios);
}

function defineScenarios(): void {
  let fleet: FleetscopeHandle | undefined;
  let authDir: string | undefined;
  let rejectedBaseline = 0;
  const agents = new Map<string, Promise<{ handle: CollectdHandle; startedAt: number }>>();

  beforeAll(async () => {
    authDir = mkdtempSync(join(tmpdir(), 'fleet-e2e-auth-'));
    const authFile = join(authDir, 'authfile');
    writeFileSync(authFile, `${SIGN_USER}: ${SIGN_PASSWORD}\n${ENCRYPT_USER}: ${ENCRYPT_PASSWORD}\n`);
    fleet = await startFleetscope({
      config: {
        collectd: {
          udp: { host: '127.0.0.1', port: 0, securityLevel: 'none', authFile: null },
          extraUdp: [
            { host: '127.0.0.1', port: 0, securityLevel: 'sign', authFile },
            { host: '127.0.0.1', port: 0, securityLevel: 'encrypt', authFile },
          ],
          http: { user: HTTP_USER, password: HTTP_PASSWORD },
        },
      },
    });
    expect(fleet.udpPorts, 'one UDP port per listener (none, sign, encrypt)').toHaveLength(3);
    rejectedBaseline = securityRejections(await fleet.metricsText());
    // All agents run at once (they are light); each test waits for its own.
    for (const s of [...ACCEPTED, NO_CREDENTIALS, UNSIGNED_TO_SIGN]) {
      const started = startCollectd({ hostname: s.host, ...s.outputs(fleet) }).then((handle) => ({ handle, startedAt: Date.now() }));
      started.catch(() => {}); // reported by the scenario's own test
      agents.set(s.host, started);
    }
  });

  afterAll(async () => {
    try {
      await stopAllCollectd();
    } finally {
      await fleet?.stop();
      if (authDir !== undefined) rmSync(authDir, { recursive: true, force: true });
    }
  });

  const agent = async (s: Scenario) => {
    const a = agents.get(s.host);
    if (a === undefined) throw new Error('fleetscope did not start, so no collectd was started');
    return a;
  };

  it.each(ACCEPTED)('$name: real values, a counter wrap and a notification come back', async (s) => {
    const { handle, startedAt } = await agent(s);
    const api = new Api(fleet!);
    const t = Math.floor(Date.now() / 1000) - 5;
    const message = `e2e notification from ${s.host}`;
    await expectSuccess(handle, `PUTVAL ${s.host}/example/counter-wrap interval=1 ${t}:4294967290`);
    await expectSuccess(handle, `PUTVAL ${s.host}/example/counter-wrap interval=1 ${t + 1}:5`);
    await expectSuccess(handle, `PUTNOTIF severity=warning time=${t} host=${s.host} plugin=example type=counter message="${message}"`);
    handle.flush();
    const deadline = Math.max(startedAt + DATA_DEADLINE_MS, Date.now() + 8_000);
    await withLog(handle, async () => {
      await eventually('series list', deadline, () => checkSeriesList(api, s.host));
      await eventually('load', deadline, () => checkLoad(api, s.host));
      await eventually('memory', deadline, () => checkMemory(api, s.host));
      await eventually('cpu', deadline, () => checkCpu(api, s.host));
      await eventually('interface lo', deadline, async () => {
        await api.loopbackTraffic();
        await checkInterface(api, s.host);
      });
      await eventually('counter wrap', deadline, () => checkCounterWrap(api, s.host));
      await eventually('notification', deadline, () => checkEvent(api, s.host, message));
    });
  });

  it(`${NO_CREDENTIALS.name}: refused with 401, nothing stored`, async () => {
    const { handle } = await agent(NO_CREDENTIALS);
    const api = new Api(fleet!);
    const t = Math.floor(Date.now() / 1000) - 5;
    await expectSuccess(handle, `PUTNOTIF severity=failure time=${t} host=${NO_CREDENTIALS.host} message="must not be stored"`);
    await withLog(handle, async () => {
      // LogHttpError makes collectd log each non-200 answer; wait for a few refused POSTs.
      await eventually('collectd logs 401 answers', Date.now() + DATA_DEADLINE_MS, async () => {
        handle.flush();
        expect(handle.log().match(/HTTP Error code: 401/g)?.length ?? 0).toBeGreaterThanOrEqual(3);
      });
      await sleep(2_000); // anything wrongly accepted has reached storage by now
      expect((await api.series({ host: NO_CREDENTIALS.host })).series).toEqual([]);
      expect((await api.events(NO_CREDENTIALS.host)).events).toEqual([]);
    });
  });

  it(`${UNSIGNED_TO_SIGN.name}: counted as refused, nothing stored`, async () => {
    const { handle } = await agent(UNSIGNED_TO_SIGN);
    const api = new Api(fleet!);
    await withLog(handle, async () => {
      await eventually('a /metrics counter about unsigned data rises', Date.now() + DATA_DEADLINE_MS, async () => {
        const text = await fleet!.metricsText();
        const lines = text.split('\n').filter((l) => /collectd/i.test(l) && !l.startsWith('#'));
        expect(securityRejections(text), `collectd lines of /metrics:\n${lines.join('\n')}`).toBeGreaterThan(rejectedBaseline);
      });
      await sleep(2_000);
      expect((await api.series({ host: UNSIGNED_TO_SIGN.host })).series).toEqual([]);
    });
  });
}

// ---- checks: each throws (expect) until the data is there and right ----

async function checkSeriesList(api: Api, host: string): Promise<void> {
  const { series } = await api.series({ host });
  const metrics = new Set(series.map((s) => s.metric));
  for (const m of ['load.shortterm', 'load.midterm', 'load.longterm', 'memory', 'cpu', 'interface.if_octets.rx', 'interface.if_octets.tx']) {
    expect(metrics, `metrics of ${host}`).toContain(m);
  }
  const cpu = series.find((s) => s.metric === 'cpu');
  expect(cpu?.kind).toBe('derive');
  expect(cpu?.interval_ms).toBe(1000);
  expect(cpu?.labels).toMatchObject({ plugin: 'cpu', type: 'cpu', ds: 'value' });
}

async function checkLoad(api: Api, host: string): Promise<void> {
  const names = ['shortterm', 'midterm', 'longterm'] as const;
  for (const [i, ds] of names.entries()) {
    const [s, ...more] = (await api.points(`load.${ds}`, host)).series;
    expect(more, `one load.${ds} series`).toEqual([]);
    expect(s?.unit).toBe('value');
    const [ts, v] = latest(s!.points);
    const proc = Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[i]);
    expect(Math.abs(ts - Date.now()), `load.${ds} timestamp ${ts} is recent`).toBeLessThan(60_000);
    expect(v).toBeGreaterThanOrEqual(0);
    expect(v).toBeLessThan(cpus().length * 50);
    expect(Math.abs(v - proc), `load.${ds} ${v} vs /proc/loadavg ${proc}`).toBeLessThanOrEqual(2.0);
  }
}

async function checkMemory(api: Api, host: string): Promise<void> {
  const [s, ...more] = (await api.points('memory', host, { type_instance: 'used' })).series;
  expect(more, 'one memory used series').toEqual([]);
  expect(s?.unit).toBe('value');
  const memTotalKb = Number(/^MemTotal:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1]);
  const [, used] = latest(s!.points);
  expect(used).toBeGreaterThan(0);
  expect(used).toBeLessThan(memTotalKb * 1024);
}

/** Rates of every cpu state of CPU 0 add up to USER_HZ (100 jiffies per second). */
async function checkCpu(api: Api, host: string): Promise<void> {
  const { series } = await api.points('cpu', host, { plugin_instance: '0' });
  const states = series.map((s) => s.labels.type_instance);
  expect(states).toEqual(expect.arrayContaining(['idle', 'user', 'system']));
  const sums = new Map<number, { n: number; sum: number }>();
  for (const s of series) {
    expect(s.unit, `cpu ${s.labels.type_instance}`).toBe('per_second');
    for (const [ts, v] of s.points) {
      if (v === null) continue;
      expect(v, `cpu ${s.labels.type_instance} rate at ${ts}`).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1.5 * JIFFIES_PER_SECOND);
      const key = Math.round(ts / 1000);
      const b = sums.get(key) ?? { n: 0, sum: 0 };
      sums.set(key, { n: b.n + 1, sum: b.sum + v });
    }
  }
  const complete = [...sums.values()].filter((b) => b.n === series.length).map((b) => b.sum);
  expect(complete.length, 'instants where every cpu state has a rate').toBeGreaterThan(0);
  const median = complete.sort((a, b) => a - b)[Math.floor(complete.length / 2)];
  expect(median, `sum of cpu-0 state rates (all: ${complete.join(', ')})`).toBeGreaterThanOrEqual(0.5 * JIFFIES_PER_SECOND);
  expect(median).toBeLessThanOrEqual(1.5 * JIFFIES_PER_SECOND);
}

async function checkInterface(api: Api, host: string): Promise<void> {
  for (const ds of ['rx', 'tx']) {
    const [s, ...more] = (await api.points(`interface.if_octets.${ds}`, host, { plugin_instance: 'lo' })).series;
    expect(more, `one lo ${ds} series`).toEqual([]);
    expect(s?.unit).toBe('per_second');
    const rates = s!.points.map(([, v]) => v).filter((v): v is number => v !== null);
    for (const r of rates) {
      expect(Number.isFinite(r), `lo ${ds} rate ${r}`).toBe(true);
      expect(r).toBeGreaterThanOrEqual(0);
    }
    expect(Math.max(0, ...rates), `some lo ${ds} rate > 0 (rates: ${rates.join(', ')})`).toBeGreaterThan(0);
  }
}

/** 4294967290 then 5 one second later: a 32-bit wrap, (2^32 - 1 - 4294967290) + 5 + 1 = 11 per second. */
async function checkCounterWrap(api: Api, host: string): Promise<void> {
  const [s, ...more] = (await api.points('example.counter', host, { type_instance: 'wrap' })).series;
  expect(more, 'one counter-wrap series').toEqual([]);
  expect(s?.unit).toBe('per_second');
  const rates = s!.points.map(([, v]) => v).filter((v): v is number => v !== null);
  expect(rates.length, `points: ${JSON.stringify(s!.points)}`).toBeGreaterThan(0);
  for (const r of rates) expect(r, `points: ${JSON.stringify(s!.points)}`).toBeCloseTo(11, 6);
}

async function checkEvent(api: Api, host: string, message: string): Promise<void> {
  const { events } = await api.events(host);
  const e = events.find((x) => x.message === message);
  expect(e, `events of ${host}: ${JSON.stringify(events)}`).toBeDefined();
  expect(e!.host).toBe(host);
  expect(e!.severity).toMatch(/^warn/i);
}

/** Sum of the /metrics samples that count collectd data refused for being unsigned / insecure. */
function securityRejections(metricsText: string): number {
  let sum = 0;
  for (const line of metricsText.split('\n')) {
    if (line.startsWith('#') || !/collectd/i.test(line) || !/unsigned|security|insecure/i.test(line)) continue;
    const value = Number(line.trim().split(/\s+/).at(-1));
    if (Number.isFinite(value)) sum += value;
  }
  return sum;
}

// ---- the read API ----

type Point = [number, number | null];
interface Labels {
  plugin: string;
  type: string;
  ds: string;
  plugin_instance?: string;
  type_instance?: string;
}
interface SeriesInfo {
  series_id: string;
  metric: string;
  host: string;
  labels: Labels;
  kind: string;
  interval_ms: number;
}
interface PointsSeries {
  series_id: string;
  metric: string;
  host: string;
  labels: Labels;
  kind: string;
  unit: 'value' | 'per_second';
  points: Point[];
}
interface EventInfo {
  ts: number | string;
  host: string;
  severity: string;
  message: string;
  source: string;
  attrs: unknown;
}

/** GETs against fleetscope's JSON API; a non-2xx answer throws with the request and the body. */
class Api {
  constructor(private readonly fleet: FleetscopeHandle) {}

  series(q: { host: string; metric?: string }): Promise<{ series: SeriesInfo[] }> {
    return this.get('/api/v1/series', q);
  }

  points(metric: string, host: string, labels: Record<string, string> = {}): Promise<{ series: PointsSeries[] }> {
    const q: Record<string, string> = { metric, host, start: '-5m' };
    for (const [k, v] of Object.entries(labels)) q[`label.${k}`] = v;
    return this.get('/api/v1/points', q);
  }

  events(host: string): Promise<{ events: EventInfo[] }> {
    return this.get('/api/v1/events', { host, start: '-10m' });
  }

  /** A few requests over loopback so `lo` has traffic of our own. */
  async loopbackTraffic(): Promise<void> {
    for (let i = 0; i < 5; i++) await this.fleet.metricsText();
  }

  private async get<T>(path: string, query: Record<string, string>): Promise<T> {
    const url = `${this.fleet.baseUrl}${path}?${new URLSearchParams(query)}`;
    const res = await fetch(url);
    const body = await res.text();
    if (!res.ok) throw new Error(`GET ${url} answered ${res.status}: ${body.slice(0, 500)}`);
    return JSON.parse(body) as T;
  }
}

// ---- small helpers ----

/** The last point with a value. */
function latest(points: readonly Point[]): [number, number] {
  const p = points.filter((x): x is [number, number] => x[1] !== null).at(-1);
  expect(p, `a point with a value in ${JSON.stringify(points)}`).toBeDefined();
  return p!;
}

async function expectSuccess(c: CollectdHandle, line: string): Promise<void> {
  expect(await c.putval(line), line).toMatch(/^0 Success/);
}

/** Retries `fn` every 500 ms until it resolves; past `deadline` the last failure is thrown. */
async function eventually<T>(what: string, deadline: number, fn: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() >= deadline) {
        if (err instanceof Error) err.message = `${what}: ${err.message}`;
        throw err;
      }
    }
    await sleep(500);
  }
}

/** Runs `fn`; on failure adds the end of collectd's log to the error. */
async function withLog(c: CollectdHandle, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof Error) err.message += `\n--- collectd log (last 30 lines) ---\n${c.log().split('\n').slice(-30).join('\n')}`;
    throw err;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
