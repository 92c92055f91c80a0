// A synthetic fleet whose truth is known, for tests of queries and analysis: web hosts of three hardware
// models with planted latency and throughput, a backbone link whose utilisation leads the fleet's latency
// by a planted lag, filling disks, and one host whose model changed. Loaded through the real row path.
import type { Storage } from '../../lib/clickhouse/client.ts';
import { createRegistry } from '../../lib/metrics.ts';
import type { MetricRecord } from '../../lib/record.ts';
import { createIngestMetrics } from '../../ingest/metrics.ts';
import { pushValueList, type ValueList } from '../../ingest/parsers/collectd-common/value-list.ts';
import { insertBlock, newRowBlock, RowBuilder, tsText } from '../../ingest/writer/rows.ts';
import { seededRandom } from './seeded-random.ts';

const HOUR = 3_600_000;
const DAY = 86_400_000;

/** The hardware models of the web fleet (host i has model i mod 3), with the means planted for each. */
export const FLEET_MODELS = [
  { hwModel: 'PowerEdge R650', manufacturer: 'Dell', cpuModel: 'Xeon Gold 6338', cpuCores: 64, latencyMs: 80, requestsPerSecond: 14 },
  { hwModel: 'PowerEdge R640', manufacturer: 'Dell', cpuModel: 'Xeon Gold 6230', cpuCores: 40, latencyMs: 100, requestsPerSecond: 12 },
  { hwModel: 'ProLiant DL360 Gen9', manufacturer: 'HPE', cpuModel: 'Xeon E5-2680 v4', cpuCores: 28, latencyMs: 120, requestsPerSecond: 10 },
] as const;

/** Sites: host i is at site ⌊i/3⌋ mod 4, so every site has every model in equal numbers (no confounding). */
export const FLEET_SITES = ['ams1', 'fra1', 'lon1', 'par1'] as const;

/** What each web host `web-NN` sends, and the noise around the planted means. */
export const WEB = {
  /** collectd plugin `http`, type `response_time_ms`, a gauge. */
  latencyMetric: 'http.response_time_ms',
  /** collectd plugin `http`, type `requests`, a counter. */
  requestsMetric: 'http.requests',
  /** Per-host offset of the mean latency, centred within each model (and 0 for the host that changed model). */
  hostLatencySdMs: 4,
  sampleLatencySdMs: 8,
  /** Per-host offset of the request rate, centred like the latency offset. */
  hostRpsSd: 0.5,
  /** Requests counted in one interval: rate × interval plus normal noise of this deviation, rounded. */
  intervalRequestsSd: 3,
} as const;

/** The backbone link whose utilisation leads the web fleet's latency. */
export const BACKBONE = {
  host: 'core1',
  /** collectd plugin `interface`, instance `xe-0/0/0`, type `if_octets`: derive counters of bytes, ds rx and tx. */
  pluginInstance: 'xe-0/0/0',
  rxMetric: 'interface.if_octets.rx',
  txMetric: 'interface.if_octets.tx',
  capacityBitsPerSecond: 10e9,
  /** rx utilisation: cosine interpolation between uniform random knots this far apart… */
  knotMs: 10 * 60_000,
  /** …drawn between these bounds. tx follows an independent pattern in [0.05, 0.4]. */
  minUtilisation: 0.2,
  maxUtilisation: 0.9,
  /** Web latency at t gets latencyMsPerUtilisation × (rx utilisation at t − lagMs − its mean). */
  lagMs: 10 * 60_000,
  latencyMsPerUtilisation: 40,
} as const;

/** Data disks filling at known rates, capacity in the asset records (`disk_capacity_bytes`). */
export const DISKS = {
  /** collectd plugin `df`, instance `data`, type `df_complex`, type instance `used`: a gauge of bytes. */
  metric: 'df.df_complex',
  pluginInstance: 'data',
  typeInstance: 'used',
  /** Web hosts number 4, 8, 12, … (index i with (i + 1) mod 4 = 0) have one; call them disk j = 0, 1, 2, … */
  every: 4,
  capacityBytes: 2_000_000_000_000,
  /** Disk j: used at the fleet's start = usedAtStartBytes + j × usedStepBytes… */
  usedAtStartBytes: 1_200_000_000_000,
  usedStepBytes: 100_000_000_000,
  /** …and it fills by (j + 1) × fillStepBytesPerDay per day. Samples are whole 4 KiB blocks plus noise. */
  fillStepBytesPerDay: 10_000_000_000,
  noiseSdBytes: 50_000_000,
} as const;

/** The host whose hardware was swapped in the middle of the data (two asset versions); its means follow the model of the time. */
export const MODEL_CHANGE = { host: 'web-05', from: 'PowerEdge R640', to: 'PowerEdge R650' } as const;

/** The host whose request counter is 32 bits wide and wraps about 2 hours into the data (rates stay right). */
export const COUNTER_WRAP = { host: 'web-01', startRaw: 2 ** 32 - 100_000 } as const;

/** Size and placement of a synthetic fleet. */
export interface SyntheticFleetOptions {
  /** Web hosts (at least 6). @default 24 */
  readonly hosts?: number;
  /** @default 6 hours */
  readonly durationMs?: number;
  /** collectd interval. @default 10 s */
  readonly intervalMs?: number;
  /** Reference time, epoch ms. @default Date.now() */
  readonly now?: number;
  /** First sample time. @default the whole hour at or before now − durationMs */
  readonly start?: number;
  /** @default 1 */
  readonly seed?: number;
}

/** One web host as planted. */
export interface SyntheticHost {
  readonly host: string;
  readonly index: number;
  readonly site: string;
  readonly rack: string;
  /** Index in FLEET_MODELS; the host of MODEL_CHANGE has `modelAfterChange` from `modelChangeAt`. */
  readonly model: number;
  readonly modelAfterChange: number;
  readonly latencyOffsetMs: number;
  readonly rpsOffset: number;
  /** Offset of its sample times from the interval grid, ms (hosts are not in step). */
  readonly phaseMs: number;
  readonly disk?: SyntheticDisk;
}

export interface SyntheticDisk {
  readonly usedAtStartBytes: number;
  readonly bytesPerDay: number;
  readonly capacityBytes: number;
  /** (capacity − used at `end`) ÷ bytes per day. */
  readonly daysToFullAtEnd: number;
}

/** A planned fleet: its times, hosts and the functions of time that were planted. */
export interface SyntheticFleet {
  readonly seed: number;
  /** First and one-past-last sample time of the grid (host phases add under one interval). */
  readonly start: number;
  readonly end: number;
  readonly intervalMs: number;
  readonly steps: number;
  readonly hosts: readonly SyntheticHost[];
  /** When MODEL_CHANGE.host became MODEL_CHANGE.to: the `valid_from` of its second asset version. */
  readonly modelChangeAt: number;
  /** Mean of rxUtilisation(t − lag) over the grid, taken out of the latency component so model means stay planted. */
  readonly lagUtilisationMean: number;
  /** Planted rx utilisation (0–1) of the backbone link at time t. */
  rxUtilisation(t: number): number;
  txUtilisation(t: number): number;
  /** Index in FLEET_MODELS of a host's model at time t. */
  modelAt(host: SyntheticHost, t: number): number;
}

function knotCurve(seed: number, origin: number, stepMs: number, count: number, lo: number, hi: number): (t: number) => number {
  const rnd = seededRandom(seed);
  const knots = Array.from({ length: count }, () => rnd.uniform(lo, hi));
  return (t) => {
    const f = Math.min(Math.max((t - origin) / stepMs, 0), count - 1.000001);
    const j = Math.floor(f);
    const w = (1 - Math.cos(Math.PI * (f - j))) / 2;
    return knots[j] * (1 - w) + knots[j + 1] * w;
  };
}

/** Subtracts the mean of each model's offsets, leaving `fixed` (the host that changes model) at 0. */
function centreWithinModels(offsets: number[], models: number[], fixed: number): number[] {
  return offsets.map((o, i) => {
    if (i === fixed) return 0;
    const peers = offsets.filter((_, k) => models[k] === models[i] && k !== fixed);
    return o - peers.reduce((a, b) => a + b, 0) / peers.length;
  });
}

function hostName(i: number, hosts: number): string {
  return `web-${String(i + 1).padStart(Math.max(2, String(hosts).length), '0')}`;
}

/** Plans a fleet: pure and deterministic in its options. */
export function planSyntheticFleet(opts: SyntheticFleetOptions = {}): SyntheticFleet {
  const n = opts.hosts ?? 24;
  const durationMs = opts.durationMs ?? 6 * HOUR;
  const intervalMs = opts.intervalMs ?? 10_000;
  const seed = opts.seed ?? 1;
  if (n < 6) throw new Error(`cannot plan a synthetic fleet of ${n} hosts: it needs at least 6 (three models, the model change on web-05)`);
  if (durationMs < 2 * intervalMs) throw new Error(`cannot plan a synthetic fleet over ${durationMs} ms: it needs at least two intervals`);
  const start = opts.start ?? Math.floor(((opts.now ?? Date.now()) - durationMs) / HOUR) * HOUR;
  const steps = Math.floor(durationMs / intervalMs);
  const end = start + steps * intervalMs;
  const half = Math.floor(durationMs / 2 / HOUR) * HOUR;
  const modelChangeAt = start + (half > 0 ? half : Math.floor(steps / 2) * intervalMs);

  const rnd = seededRandom(seed);
  const names = Array.from({ length: n }, (_, i) => hostName(i, n));
  const changed = names.indexOf(MODEL_CHANGE.host);
  const models = names.map((_, i) => i % FLEET_MODELS.length);
  const latencyOffsets = centreWithinModels(names.map(() => rnd.normal() * WEB.hostLatencySdMs), models, changed);
  const rpsOffsets = centreWithinModels(names.map(() => rnd.normal() * WEB.hostRpsSd), models, changed);
  const toModel = FLEET_MODELS.findIndex((m) => m.hwModel === MODEL_CHANGE.to);

  const hosts = names.map((host, i): SyntheticHost => {
    const site = FLEET_SITES[Math.floor(i / FLEET_MODELS.length) % FLEET_SITES.length];
    const j = (i + 1) % DISKS.every === 0 ? (i + 1) / DISKS.every - 1 : -1;
    const used = DISKS.usedAtStartBytes + j * DISKS.usedStepBytes;
    const perDay = (j + 1) * DISKS.fillStepBytesPerDay;
    const disk = j < 0 ? undefined : { usedAtStartBytes: used, bytesPerDay: perDay, capacityBytes: DISKS.capacityBytes, daysToFullAtEnd: (DISKS.capacityBytes - used - (perDay * (end - start)) / DAY) / perDay };
    return {
      host,
      index: i,
      site,
      rack: `${site}-r${Math.floor(i / 12) + 1}`,
      model: models[i],
      modelAfterChange: i === changed ? toModel : models[i],
      latencyOffsetMs: latencyOffsets[i],
      rpsOffset: rpsOffsets[i],
      phaseMs: (i * 997) % intervalMs,
      disk,
    };
  });

  const origin = start - BACKBONE.lagMs - BACKBONE.knotMs;
  const knots = Math.ceil((end - origin) / BACKBONE.knotMs) + 2;
  const rxUtilisation = knotCurve(seed + 1, origin, BACKBONE.knotMs, knots, BACKBONE.minUtilisation, BACKBONE.maxUtilisation);
  const txUtilisation = knotCurve(seed + 2, origin, BACKBONE.knotMs, knots, 0.05, 0.4);
  let sum = 0;
  for (let k = 0; k < steps; k++) sum += rxUtilisation(start + k * intervalMs - BACKBONE.lagMs);
  return {
    seed,
    start,
    end,
    intervalMs,
    steps,
    hosts,
    modelChangeAt,
    lagUtilisationMean: sum / steps,
    rxUtilisation,
    txUtilisation,
    modelAt: (h, t) => (t >= modelChangeAt ? h.modelAfterChange : h.model),
  };
}

function valueList(host: string, plugin: string, pluginInstance: string, type: string, typeInstance: string, time: number, interval: number, kinds: ValueList['kinds'], dsNames: string[], values: (number | bigint)[]): ValueList {
  return { host, plugin, pluginInstance, type, typeInstance, time, interval, dsNames, kinds, values };
}

/**
 * The fleet's records, one array per interval in time order, built as the collectd parsers build them
 * (`pushValueList`). Deterministic: the same fleet gives the same records.
 */
export function* syntheticFleetRecords(fleet: SyntheticFleet): Generator<MetricRecord[]> {
  const rnd = seededRandom(fleet.seed + 3);
  const iv = fleet.intervalMs;
  const requests = fleet.hosts.map((h) => (h.host === COUNTER_WRAP.host ? BigInt(COUNTER_WRAP.startRaw) : BigInt(Math.floor(rnd.uniform(0, 1e9)))));
  const bytesPerSecond = BACKBONE.capacityBitsPerSecond / 8;
  let rx = BigInt(Math.floor(rnd.uniform(0, 1e15)));
  let tx = BigInt(Math.floor(rnd.uniform(0, 1e15)));
  for (let k = 0; k < fleet.steps; k++) {
    const out: MetricRecord[] = [];
    const grid = fleet.start + k * iv;
    for (const h of fleet.hosts) {
      const ts = grid + h.phaseMs;
      const model = FLEET_MODELS[fleet.modelAt(h, ts)];
      const backbone = BACKBONE.latencyMsPerUtilisation * (fleet.rxUtilisation(ts - BACKBONE.lagMs) - fleet.lagUtilisationMean);
      const latency = model.latencyMs + h.latencyOffsetMs + backbone + rnd.normal() * WEB.sampleLatencySdMs;
      pushValueList(valueList(h.host, 'http', '', 'response_time_ms', '', ts, iv, ['gauge'], ['value'], [Math.round(latency * 1000) / 1000]), out);
      if (k > 0) {
        const counted = Math.round((model.requestsPerSecond + h.rpsOffset) * (iv / 1000) + rnd.normal() * WEB.intervalRequestsSd);
        requests[h.index] += BigInt(Math.max(0, counted));
        if (h.host === COUNTER_WRAP.host) requests[h.index] = BigInt.asUintN(32, requests[h.index]);
      }
      pushValueList(valueList(h.host, 'http', '', 'requests', '', ts, iv, ['counter'], ['value'], [requests[h.index]]), out);
      if (h.disk) {
        const grown = (h.disk.bytesPerDay * (ts - fleet.start)) / DAY;
        const used = Math.round((h.disk.usedAtStartBytes + grown + rnd.normal() * DISKS.noiseSdBytes) / 4096) * 4096;
        pushValueList(valueList(h.host, 'df', DISKS.pluginInstance, 'df_complex', DISKS.typeInstance, ts, iv, ['gauge'], ['value'], [used]), out);
      }
    }
    if (k > 0) {
      rx += BigInt(Math.round(fleet.rxUtilisation(grid) * bytesPerSecond * (iv / 1000)));
      tx += BigInt(Math.round(fleet.txUtilisation(grid) * bytesPerSecond * (iv / 1000)));
    }
    pushValueList(valueList(BACKBONE.host, 'interface', BACKBONE.pluginInstance, 'if_octets', '', grid, iv, ['derive', 'derive'], ['rx', 'tx'], [rx, tx]), out);
    yield out;
  }
}

/** Asset rows of the fleet (JSONEachRow objects for `asset_history`), two versions for MODEL_CHANGE.host. */
export function syntheticAssetRows(fleet: SyntheticFleet): Record<string, unknown>[] {
  const since = fleet.start - 30 * DAY;
  const row = (host: string, validFrom: number, fields: Record<string, unknown>) => ({
    host,
    valid_from: tsText(validFrom),
    os: 'Debian 12',
    kernel: '6.1.0-28-amd64',
    status: 'active',
    attrs: {},
    deleted: 0,
    source: 'synthetic',
    recorded_at: tsText(validFrom),
    ...fields,
  });
  const web = (h: SyntheticHost, model: number, validFrom: number) => {
    const m = FLEET_MODELS[model];
    return row(h.host, validFrom, {
      hw_model: m.hwModel,
      manufacturer: m.manufacturer,
      cpu_model: m.cpuModel,
      cpu_cores: m.cpuCores,
      site: h.site,
      rack: h.rack,
      role: 'web',
      memory_bytes: 256 * 2 ** 30,
      disk_capacity_bytes: DISKS.capacityBytes,
      nic_speed_bps: 25e9,
    });
  };
  const rows = fleet.hosts.map((h) => web(h, h.model, since));
  for (const h of fleet.hosts) if (h.modelAfterChange !== h.model) rows.push(web(h, h.modelAfterChange, fleet.modelChangeAt));
  rows.push(row(BACKBONE.host, since, { hw_model: 'MX480', manufacturer: 'Juniper', site: FLEET_SITES[0], rack: `${FLEET_SITES[0]}-net1`, role: 'backbone', nic_speed_bps: BACKBONE.capacityBitsPerSecond }));
  return rows;
}

/** What {@link loadSyntheticFleet} stored. */
export interface LoadedSyntheticFleet {
  readonly fleet: SyntheticFleet;
  readonly samples: number;
  readonly assetRows: number;
  readonly elapsedMs: number;
}

/**
 * Plans a fleet and stores it: samples and series through the writer's own path (RowBuilder, then
 * insertBlock in blocks of 50,000 rows with deduplication tokens, so loading the same fleet twice stores
 * it once), and its asset records with a plain INSERT (`source = 'synthetic'`). Sample times must be
 * within the retention of raw samples, or the engine drops them.
 */
export async function loadSyntheticFleet(storage: Storage, opts: SyntheticFleetOptions = {}): Promise<LoadedSyntheticFleet> {
  const t0 = performance.now();
  const fleet = planSyntheticFleet(opts);
  const target = { storage, metrics: createIngestMetrics(createRegistry()), retries: 0 };
  const builder = new RowBuilder(100_000);
  const tokenBase = `synthetic-${fleet.seed}-${fleet.start}-${fleet.hosts.length}-${fleet.intervalMs}-${fleet.steps}`;
  let block = newRowBlock();
  let blocks = 0;
  let samples = 0;
  for (const records of syntheticFleetRecords(fleet)) {
    for (const r of records) builder.addRecord(block, r, 'synthetic', r.ts);
    if (block.samples.length >= 50_000) {
      samples += block.samples.length;
      await insertBlock(target, block, `${tokenBase}-${blocks++}`);
      block = newRowBlock();
    }
  }
  samples += block.samples.length;
  await insertBlock(target, block, `${tokenBase}-${blocks}`);
  const assets = syntheticAssetRows(fleet);
  await storage.insertText(
    `INSERT INTO ${storage.database}.asset_history SETTINGS async_insert = 0, insert_deduplication_token = '${tokenBase}-assets' FORMAT JSONEachRow`,
    assets.map((a) => JSON.stringify(a)).join('\n'),
  );
  return { fleet, samples, assetRows: assets.length, elapsedMs: performance.now() - t0 };
}
