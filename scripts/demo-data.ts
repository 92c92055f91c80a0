// Sends a small, deterministic demo fleet to a running fleetscope through its real HTTP API: asset records
// (PUT /api/v1/assets) and a few hours of collectd JSON (POST /collectd). docs/query-language.md uses it.
//
//   node --import tsx scripts/demo-data.ts --url http://127.0.0.1:8080 [--hours 6] [--end TIME] [--follow]
import { parseArgs } from 'node:util';
import { mulberry32 } from '../lib/random.ts';

const TICK_MS = 10_000;
const DF_EVERY_TICKS = 6;
const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

/** Hardware models of the demo fleet and the behaviour planted for each. */
const DEMO_MODELS = {
  r650: {
    hw_model: 'PowerEdge R650', manufacturer: 'Dell', cpu_model: 'Xeon Gold 6338', cpu_cores: 64, memory_bytes: '256GiB',
    disk_capacity_bytes: '7.68TB', nic_speed_bps: '25Gbps', firmware: '2.19.1', latencyMs: 42, rps: 240, cpuPerRps: 0.11,
  },
  dl360: {
    hw_model: 'ProLiant DL360 Gen10', manufacturer: 'HPE', cpu_model: 'Xeon Gold 6230', cpu_cores: 40, memory_bytes: '192GiB',
    disk_capacity_bytes: '3.84TB', nic_speed_bps: '10Gbps', firmware: 'U32 2.90', latencyMs: 55, rps: 200, cpuPerRps: 0.17,
  },
  sr630: {
    hw_model: 'ThinkSystem SR630 V2', manufacturer: 'Lenovo', cpu_model: 'Xeon Silver 4314', cpu_cores: 32, memory_bytes: '128GiB',
    disk_capacity_bytes: '3.84TB', nic_speed_bps: '25Gbps', firmware: 'AFE124B', latencyMs: 48, rps: 180, cpuPerRps: 0.19,
  },
} as const;

type ModelKey = keyof typeof DEMO_MODELS;

interface DemoHost {
  readonly host: string;
  readonly model: ModelKey;
  readonly site: string;
  readonly rack: string;
  /** Mean latency of this host against its model's, ms. */
  readonly latencyOffsetMs: number;
  /** Share of its model's request rate this host gets. */
  readonly rpsFactor: number;
  /** Share of the data disk used at the start, and the growth in GB (10^9 bytes) per day. */
  readonly usedFraction: number;
  readonly growthGbPerDay: number;
  /** Moves to kernel 6.1 halfway through, which takes 8 ms off its latency. */
  readonly upgraded: boolean;
}

/** The twelve web hosts: five R650, four DL360 (web-08 is degraded), three SR630. */
const DEMO_HOSTS: readonly DemoHost[] = [
  { host: 'web-01', model: 'r650', site: 'fra1', rack: 'F01', latencyOffsetMs: -2, rpsFactor: 1.0, usedFraction: 0.42, growthGbPerDay: 35, upgraded: true },
  { host: 'web-02', model: 'r650', site: 'fra1', rack: 'F01', latencyOffsetMs: 1, rpsFactor: 1.04, usedFraction: 0.55, growthGbPerDay: 60, upgraded: true },
  { host: 'web-03', model: 'r650', site: 'ams1', rack: 'A03', latencyOffsetMs: 3, rpsFactor: 0.97, usedFraction: 0.38, growthGbPerDay: 20, upgraded: false },
  { host: 'web-04', model: 'r650', site: 'ams1', rack: 'A03', latencyOffsetMs: 0, rpsFactor: 1.02, usedFraction: 0.61, growthGbPerDay: 90, upgraded: false },
  { host: 'web-05', model: 'r650', site: 'fra1', rack: 'F02', latencyOffsetMs: -3, rpsFactor: 0.96, usedFraction: 0.47, growthGbPerDay: 40, upgraded: false },
  { host: 'web-06', model: 'dl360', site: 'fra1', rack: 'F02', latencyOffsetMs: 2, rpsFactor: 1.01, usedFraction: 0.72, growthGbPerDay: 55, upgraded: true },
  { host: 'web-07', model: 'dl360', site: 'ams1', rack: 'A04', latencyOffsetMs: -1, rpsFactor: 0.99, usedFraction: 0.81, growthGbPerDay: 95, upgraded: false },
  { host: 'web-08', model: 'dl360', site: 'fra1', rack: 'F03', latencyOffsetMs: 30, rpsFactor: 0.95, usedFraction: 0.66, growthGbPerDay: 30, upgraded: false },
  { host: 'web-09', model: 'dl360', site: 'ams1', rack: 'A04', latencyOffsetMs: -2, rpsFactor: 1.05, usedFraction: 0.88, growthGbPerDay: 110, upgraded: false },
  { host: 'web-10', model: 'sr630', site: 'ams1', rack: 'A05', latencyOffsetMs: 1, rpsFactor: 1.0, usedFraction: 0.52, growthGbPerDay: 45, upgraded: true },
  { host: 'web-11', model: 'sr630', site: 'fra1', rack: 'F03', latencyOffsetMs: -1, rpsFactor: 0.98, usedFraction: 0.35, growthGbPerDay: 25, upgraded: false },
  { host: 'web-12', model: 'sr630', site: 'ams1', rack: 'A05', latencyOffsetMs: 2, rpsFactor: 1.03, usedFraction: 0.77, growthGbPerDay: 150, upgraded: false },
];

const OLD_KERNEL = '5.10.0-28-amd64';
const NEW_KERNEL = '6.1.0-18-amd64';
/** Latency follows the fleet's load this much later: `correlate rps, latency` finds it as a lag of +10m. */
const LOAD_LEADS_LATENCY_MS = 10 * MINUTE;

/** A collectd value list as write_http's JSON format carries it (times and intervals in seconds). */
interface JsonValueList {
  values: number[];
  dstypes: string[];
  dsnames: string[];
  time: number;
  interval: number;
  host: string;
  plugin: string;
  plugin_instance: string;
  type: string;
  type_instance: string;
}


function normal(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/**
 * The fleet's load, 1 on average: a two-hour wave plus a smooth random walk through knots ten minutes
 * apart. A function of the time since the start only, so the same offsets give the same load.
 */
function fleetLoad(seed: number): (sinceStartMs: number) => number {
  const rand = mulberry32(seed ^ 0x5eed);
  const knots: number[] = [];
  const knot = (i: number) => {
    while (knots.length <= i) knots.push(rand() * 2 - 1);
    return knots[i];
  };
  return (ms) => {
    const x = Math.max(0, ms) / (10 * MINUTE);
    const i = Math.floor(x);
    const w = (1 - Math.cos(Math.PI * (x - i))) / 2;
    const walk = knot(i) * (1 - w) + knot(i + 1) * w;
    return 1 + 0.2 * Math.sin((2 * Math.PI * ms) / (2 * HOUR)) + 0.15 * walk;
  };
}

/** Bytes of a size written as in the asset records (`7.68TB`, powers of 1000 for disks). */
function diskBytes(text: string): number {
  return Number(text.replace('TB', '')) * 1e12;
}

/** Generates the value lists of every host, tick by tick, from `start`. */
class DemoFleet {
  private readonly rand: (() => number)[];
  private readonly counters: { requests: number; rx: number; tx: number }[];
  private readonly load: (ms: number) => number;

  constructor(
    readonly start: number,
    readonly upgradeAt: number,
    seed: number,
  ) {
    this.rand = DEMO_HOSTS.map((_h, i) => mulberry32(seed * 1000 + i + 1));
    this.counters = DEMO_HOSTS.map((_h, i) => ({ requests: 1_000_000 * (i + 1), rx: 5e9 * (i + 1), tx: 9e11 * (i + 1) }));
    this.load = fleetLoad(seed);
  }

  /** Value lists of tick `k` (time `start + k·10s`); call with k = 0, 1, 2… in order. */
  tick(k: number): JsonValueList[] {
    const t = this.start + k * TICK_MS;
    const since = t - this.start;
    const out: JsonValueList[] = [];
    DEMO_HOSTS.forEach((h, i) => {
      const m = DEMO_MODELS[h.model];
      const rand = this.rand[i];
      const c = this.counters[i];
      const vl = (plugin: string, pluginInstance: string, type: string, typeInstance: string, dstypes: string[], dsnames: string[], values: number[], intervalS = TICK_MS / 1000): JsonValueList => ({
        values, dstypes, dsnames, time: t / 1000, interval: intervalS, host: h.host, plugin, plugin_instance: pluginInstance, type, type_instance: typeInstance,
      });
      const rps = m.rps * h.rpsFactor * this.load(since);
      // Counters and derives are cumulative: add this interval's requests and bytes.
      c.requests += Math.max(0, Math.round(rps * 10 + normal(rand) * 3));
      // About 2 kB in and 1.5 MB out per request.
      c.rx += Math.round(rps * 2000 * 10 * (1 + 0.02 * normal(rand)));
      c.tx += Math.round(rps * 1_500_000 * 10 * (1 + 0.02 * normal(rand)));
      const upgraded = h.upgraded && t >= this.upgradeAt ? 8 : 0;
      const latency = m.latencyMs + h.latencyOffsetMs - upgraded + 40 * (this.load(since - LOAD_LEADS_LATENCY_MS) - 1) + 5 * normal(rand);
      const user = Math.min(95, rps * m.cpuPerRps + normal(rand));
      const system = Math.max(0.5, user * 0.3 + 0.3 * normal(rand));
      out.push(
        vl('http', 'api', 'response_time_ms', '', ['gauge'], ['value'], [round3(Math.max(1, latency))]),
        vl('http', 'api', 'requests', '', ['counter'], ['value'], [c.requests]),
        vl('cpu', '', 'percent', 'user', ['gauge'], ['value'], [round3(user)]),
        vl('cpu', '', 'percent', 'system', ['gauge'], ['value'], [round3(system)]),
        vl('cpu', '', 'percent', 'idle', ['gauge'], ['value'], [round3(100 - user - system)]),
        vl('interface', 'eth0', 'if_octets', '', ['derive', 'derive'], ['rx', 'tx'], [c.rx, c.tx]),
      );
      if (k % DF_EVERY_TICKS === 0) {
        const capacity = diskBytes(m.disk_capacity_bytes);
        const used = Math.round(capacity * h.usedFraction + (h.growthGbPerDay * 1e9 * since) / DAY + 2e8 * normal(rand));
        const df = (ti: string, v: number) => vl('df', 'data', 'df_complex', ti, ['gauge'], ['value'], [v], (DF_EVERY_TICKS * TICK_MS) / 1000);
        out.push(df('used', used), df('free', capacity - used));
      }
    });
    return out;
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** The asset records of the demo hosts, as `PUT /api/v1/assets` takes them. */
function assetRecords(): Record<string, unknown>[] {
  return DEMO_HOSTS.map((h) => {
    const { latencyMs: _l, rps: _r, cpuPerRps: _c, firmware, ...fields } = DEMO_MODELS[h.model];
    return { host: h.host, ...fields, site: h.site, rack: h.rack, role: 'web', os: 'Debian 12', kernel: OLD_KERNEL, status: 'active', firmware, owner: 'team-web' };
  });
}

async function send(url: string, path: string, method: 'POST' | 'PUT', body: unknown): Promise<Record<string, unknown>> {
  let res: Response;
  try {
    res = await fetch(`${url}${path}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    throw new Error(`cannot reach fleetscope at ${url}: ${cause?.code ?? (err as Error).message} (is "fleetscope serve" running? give --url)`);
  }
  const text = await res.text();
  let answer: Record<string, unknown> = {};
  try {
    answer = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // Not JSON: reported below with the status.
  }
  if (!res.ok || Number(answer.rejected ?? 0) > 0) throw new Error(`cannot store the demo data: ${method} ${path} answered ${res.status}: ${text.slice(0, 500)}`);
  return answer;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string', default: process.env.FLEETSCOPE_URL ?? 'http://127.0.0.1:8080' },
      hours: { type: 'string', default: '6' },
      end: { type: 'string' },
      seed: { type: 'string', default: '1' },
      follow: { type: 'boolean', default: false },
    },
  });
  const url = values.url.replace(/\/+$/, '');
  const hours = Number(values.hours);
  if (!(hours > 0 && hours <= 24 * 30)) throw new Error(`--hours is a number of hours, up to 720, not ${values.hours}`);
  const endMs = values.end === undefined ? Date.now() : Date.parse(values.end);
  if (!Number.isFinite(endMs)) throw new Error(`--end is an ISO 8601 time, not ${values.end}`);
  const seed = Number(values.seed);
  if (!Number.isSafeInteger(seed)) throw new Error(`--seed is a whole number, not ${values.seed}`);
  const end = Math.floor(endMs / TICK_MS) * TICK_MS;
  const ticks = Math.round((hours * HOUR) / TICK_MS);
  const start = end - ticks * TICK_MS;
  const upgradeAt = start + Math.floor(ticks / 2) * TICK_MS;
  const fleet = new DemoFleet(start, upgradeAt, seed);

  // Assets first: the earlier version from a week before the data, then the kernel upgrade of four hosts.
  const assets = await send(url, '/api/v1/assets', 'PUT', { valid_from: start - 7 * DAY, source: 'demo', assets: assetRecords() });
  const upgrade = DEMO_HOSTS.filter((h) => h.upgraded).map((h) => ({ host: h.host, kernel: NEW_KERNEL }));
  const merged = await send(url, '/api/v1/assets', 'PUT', { mode: 'merge', valid_from: upgradeAt, source: 'demo', assets: upgrade });
  console.log(`assets: ${assets.changed} hosts recorded, ${merged.changed} moved to kernel ${NEW_KERNEL} at ${new Date(upgradeAt).toISOString()}`);

  // Ten minutes of every host per request, oldest first: counters must arrive in order.
  let lists = 0;
  let stored = 0;
  const perRequest = (10 * MINUTE) / TICK_MS;
  for (let k = 0; k < ticks; k += perRequest) {
    const body: JsonValueList[] = [];
    for (let j = k; j < Math.min(ticks, k + perRequest); j++) body.push(...fleet.tick(j));
    const answer = await send(url, '/collectd', 'POST', body);
    lists += body.length;
    stored += Number(answer.accepted);
  }
  console.log(`metrics: ${lists} value lists, ${stored} values, ${DEMO_HOSTS.length} hosts, ${new Date(start).toISOString()} to ${new Date(end - TICK_MS).toISOString()}`);
  if (!values.follow) return;

  console.log('following: one tick every 10 s until interrupted');
  for (let k = ticks; ; k++) {
    const due = start + k * TICK_MS;
    if (due > Date.now()) await sleep(due - Date.now());
    await send(url, '/collectd', 'POST', fleet.tick(k));
  }
}

main().catch((err: Error) => {
  process.stderr.write(`demo-data: ${err.message}\n`);
  process.exit(1);
});
