// One capacity run: reads rollups and assets, applies the pure models, and assembles a CapacitySnapshot.
import type { Storage } from '../../lib/clickhouse/client.ts';
import type { CapacityConfig } from './config.ts';
import { forecast } from './forecast.ts';
import { DAY_MS, timeToExhaustion } from './models/exhaustion.ts';
import { groupHeadroom, type GroupInput } from './models/whatif.ts';
import { readAssets, readSteps, type HostAsset, type SeriesSteps } from './read.ts';
import { quantile } from './robust.ts';
import type { CapacitySnapshot, ExhaustionRow, ForecastRow, HeadroomRow, ThroughputRow } from './snapshot.ts';
import { fitModelThroughput, type HostObservation } from './throughput.ts';

export interface ComputeCapacityOptions {
  /** End of the window, epoch ms. @default generatedAt */
  readonly to?: number;
  /** @default Date.now() */
  readonly generatedAt?: number;
}

/**
 * Computes a capacity snapshot over [to − windowMs, to) at `stepMs` resolution (see docs/capacity.md,
 * "Capacity jobs and API"): disk exhaustion per host (soonest first), forecasts of the disks that fill soonest
 * and of the fleet's total load, throughput per host by model (USL fit), and headroom per site × model.
 * What cannot be computed is left out with a line in `warnings`, never filled with a guess.
 */
export async function computeCapacity(storage: Storage, config: CapacityConfig, opts: ComputeCapacityOptions = {}): Promise<CapacitySnapshot> {
  const generatedAt = opts.generatedAt ?? Date.now();
  const to = opts.to ?? generatedAt;
  const step = config.stepMs;
  const from = Math.floor((to - config.windowMs) / step) * step;
  const warnings: string[] = [];
  const assets = await readAssets(storage, to, config.disks.capacityField);

  const disks = await readSteps(storage, { metric: config.disks.metric, labels: config.disks.labels, from, to, stepMs: step });
  const exhaustion = diskExhaustion(disks, assets, config, to, warnings);
  const forecasts: ForecastRow[] = [];
  for (const { row, s } of exhaustion.filter((r) => r.row.daysToFull !== null).slice(0, config.forecast.topDisks)) {
    const f = forecastRow(`disk:${row.host}:${s.seriesId}`, `${row.host} ${config.disks.resource} used`, config.disks.unit, grid(s, from, to, step, 'max'), from, step, config, warnings, row.capacity);
    if (f) forecasts.push(f);
  }

  const load = await readSteps(storage, { metric: config.load.metric, from, to, stepMs: step });
  if (load.length === 0) warnings.push(`no data of the load metric ${config.load.metric} in the window: no load forecast, throughput or headroom`);
  else {
    const total = sumGrids(load.map((s) => grid(s, from, to, step, 'mean')));
    const f = forecastRow('load:total', `fleet total ${config.load.metric}`, config.load.unit, total, from, step, config, warnings);
    if (f) forecasts.push(f);
  }
  const throughput = config.load.latencyMetric === null || load.length === 0 ? [] : await modelThroughput(storage, load, assets, config, from, to, warnings);
  const headroom = groupRows(load, assets, throughput, config, from, to, warnings);
  return { generatedAt, from, to, exhaustion: exhaustion.map((e) => e.row), headroom, throughput, forecasts, warnings };
}

/** Exhaustion rows with their series, soonest first. */
function diskExhaustion(disks: readonly SeriesSteps[], assets: Map<string, HostAsset>, config: CapacityConfig, to: number, warnings: string[]): { row: ExhaustionRow; s: SeriesSteps }[] {
  const step = config.stepMs;
  const rows: { row: ExhaustionRow; s: SeriesSteps }[] = [];
  for (const s of disks) {
    const a = assets.get(s.host);
    if (!a || !(a.capacity > 0)) {
      warnings.push(`${s.host}: no ${config.disks.capacityField} in its asset record; its ${config.disks.resource} is left out`);
      continue;
    }
    // A step's maximum is attributed to the step's end, where a filling resource peaks; when in the step it was
    // reached is not kept, so the date range is widened by half a step on each side.
    const points = s.steps.map((p) => ({ t: Math.min(p.t + step, to), used: p.max }));
    const e = timeToExhaustion(points, a.capacity, { level: config.level, now: to });
    const halfStep = step / 2 / DAY_MS;
    const base = { host: s.host, site: a.site, hwModel: a.hwModel, metric: config.disks.metric, labels: s.labels, resource: config.disks.resource, unit: config.disks.unit, capacity: a.capacity, used: points[points.length - 1]?.used ?? NaN };
    rows.push({
      s,
      row: e.kind === 'exhausts'
        ? { ...base, daysToFull: e.daysToFull, daysLow: e.low - halfStep, daysHigh: e.high + halfStep, fullAt: e.fullAt, slopePerDay: e.slopePerDay }
        : { ...base, daysToFull: null, daysLow: null, daysHigh: null, fullAt: null, slopePerDay: Number.isFinite(e.slopePerDay) ? e.slopePerDay : null, reason: e.reason },
    });
  }
  return rows.sort((x, y) => (x.row.daysToFull ?? Infinity) - (y.row.daysToFull ?? Infinity));
}

/** The series on the regular grid of steps starting at `from` before `to`; null where a step has no row. */
function grid(s: SeriesSteps, from: number, to: number, step: number, pick: 'max' | 'mean'): (number | null)[] {
  const out: (number | null)[] = new Array(Math.ceil((to - from) / step)).fill(null);
  for (const p of s.steps) {
    const i = Math.round((p.t - from) / step);
    if (i >= 0 && i < out.length) out[i] = p[pick];
  }
  return out;
}

/** Step-wise sum of grids; null where no grid has a value. */
function sumGrids(grids: readonly (number | null)[][]): (number | null)[] {
  return (grids[0] ?? []).map((_, i) => {
    let sum: number | null = null;
    for (const g of grids) if (g[i] !== null) sum = (sum ?? 0) + (g[i] as number);
    return sum;
  });
}

function forecastRow(key: string, title: string, unit: string, values: (number | null)[], from: number, step: number, config: CapacityConfig, warnings: string[], capacity?: number): ForecastRow | undefined {
  // Trailing empty steps (the step in progress) are not history.
  let n = values.length;
  while (n > 0 && values[n - 1] === null) n--;
  const history = values.slice(0, n);
  const horizon = Math.max(1, Math.ceil(config.forecast.horizonMs / step));
  try {
    const f = forecast(history, step, horizon, config.forecast.level);
    const last = from + (n - 1) * step;
    return {
      key, title, unit, stepMs: step, level: config.forecast.level,
      history: history.map((v, i) => [from + i * step, v] as const),
      forecast: f.forecast.map((v, h) => [last + (h + 1) * step, v, f.lower[h], f.upper[h]] as const),
      ...(capacity === undefined ? {} : { capacity }),
    };
  } catch (err) {
    warnings.push(`cannot forecast ${title}: ${(err as Error).message}`);
    return undefined;
  }
}

/** Per-model USL fits from each host's per-step mean load and mean latency (Little's law). */
async function modelThroughput(storage: Storage, load: readonly SeriesSteps[], assets: Map<string, HostAsset>, config: CapacityConfig, from: number, to: number, warnings: string[]): Promise<ThroughputRow[]> {
  const latency = await readSteps(storage, { metric: config.load.latencyMetric as string, from, to, stepMs: config.stepMs });
  if (latency.length === 0) {
    warnings.push(`no data of the latency metric ${config.load.latencyMetric}: no throughput fit`);
    return [];
  }
  const latencyAt = new Map<string, number[]>();
  for (const s of latency) for (const p of s.steps) (latencyAt.get(`${s.host}|${p.t}`) ?? latencyAt.set(`${s.host}|${p.t}`, []).get(`${s.host}|${p.t}`)!).push(p.mean);
  const byModel = new Map<string, HostObservation[]>();
  for (const [host, steps] of perHostLoad(load)) {
    const model = assets.get(host)?.hwModel;
    if (!model) continue;
    for (const [t, x] of steps) {
      const r = latencyAt.get(`${host}|${t}`);
      if (!r) continue;
      const obs = { host, x, latencySeconds: (r.reduce((a, b) => a + b, 0) / r.length) * config.load.latencyToSeconds };
      (byModel.get(model) ?? byModel.set(model, []).get(model)!).push(obs);
    }
  }
  const target = config.load.target.kind === 'latency' ? { kind: 'latency' as const, maxLatency: config.load.target.maxLatencySeconds } : config.load.target;
  const rows: ThroughputRow[] = [];
  for (const [model, obs] of [...byModel].sort(([a], [b]) => a.localeCompare(b))) {
    const r = fitModelThroughput(model, obs, { target, unit: config.load.unit, loadMetric: config.load.metric, minConcurrencyRatio: config.load.minConcurrencyRatio, level: config.level });
    if ('row' in r) rows.push(r.row);
    else warnings.push(r.warning);
  }
  return rows;
}

/** Load of each host per step: the sum of its series' means. */
function perHostLoad(load: readonly SeriesSteps[]): Map<string, Map<number, number>> {
  const out = new Map<string, Map<number, number>>();
  for (const s of load) {
    const m = out.get(s.host) ?? out.set(s.host, new Map()).get(s.host)!;
    for (const p of s.steps) m.set(p.t, (m.get(p.t) ?? 0) + p.mean);
  }
  return out;
}

/**
 * Headroom per site × model: peak = the `peakQuantile` of the group's total load per step; per-host capacity from
 * `perModelCapacity`, else from the throughput fit; usable capacity after `targetUtilisation` and N+`spares`.
 */
function groupRows(load: readonly SeriesSteps[], assets: Map<string, HostAsset>, throughput: readonly ThroughputRow[], config: CapacityConfig, from: number, to: number, warnings: string[]): HeadroomRow[] {
  const groups = new Map<string, { site: string; model: string; hosts: string[] }>();
  for (const host of perHostLoad(load).keys()) {
    const a = assets.get(host);
    if (!a || a.site === '' || a.hwModel === '') continue;
    const k = `${a.site}\u0000${a.hwModel}`;
    (groups.get(k) ?? groups.set(k, { site: a.site, model: a.hwModel, hosts: [] }).get(k)!).hosts.push(host);
  }
  const hostLoad = perHostLoad(load);
  const inputs: GroupInput[] = [];
  for (const g of groups.values()) {
    const perHost = config.load.perModelCapacity[g.model] ?? throughput.find((r) => r.hwModel === g.model)?.perHost;
    if (perHost === undefined) {
      warnings.push(`no per-host capacity for ${g.model} (no usable fit, none in perModelCapacity): no headroom for ${g.site} × ${g.model}`);
      continue;
    }
    if (g.hosts.length <= config.load.spares) {
      warnings.push(`${g.site} × ${g.model}: ${g.hosts.length} hosts, all held in reserve (N+${config.load.spares}): no headroom`);
      continue;
    }
    const totals = new Map<number, number>();
    for (const h of g.hosts) for (const [t, v] of hostLoad.get(h)!) if (t >= from && t < to) totals.set(t, (totals.get(t) ?? 0) + v);
    inputs.push({ site: g.site, model: g.model, hosts: g.hosts.length, perHostCapacity: perHost, load: quantile([...totals.values()], config.load.peakQuantile) });
  }
  return groupHeadroom(inputs, { targetUtilisation: config.load.targetUtilisation, redundancy: { kind: 'n-plus', spares: config.load.spares } }).map((g) => ({
    site: g.site, hwModel: g.model, hosts: g.hosts, load: g.load, capacity: g.usableCapacity, headroom: g.headroom, unit: config.load.unit,
  }));
}
