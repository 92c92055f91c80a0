import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capacityApiRoutes } from '../analysis/capacity/api.ts';
import { computeCapacity } from '../analysis/capacity/compute.ts';
import { capacityConfigSchema, type CapacityConfig } from '../analysis/capacity/config.ts';
import { createCapacityJob } from '../analysis/capacity/job.ts';
import type { CapacitySnapshot } from '../analysis/capacity/snapshot.ts';
import { latestCapacitySnapshot, saveCapacitySnapshot } from '../analysis/capacity/store.ts';
import { analysisConfigSchema } from '../analysis/config.ts';
import type { Storage } from '../lib/clickhouse/client.ts';
import { errorBody, HttpError } from '../lib/http-errors.ts';
import { openTestStorage } from './helpers/storage.ts';
import { DISKS, FLEET_MODELS, FLEET_SITES, loadSyntheticFleet, type LoadedSyntheticFleet } from './helpers/synthetic-fleet.ts';

const HOUR = 3_600_000;
const DAY = 86_400_000;
const PER_HOST = 20;

let storage: Storage;
let cleanup: () => Promise<void>;
let loaded: LoadedSyntheticFleet;
let config: CapacityConfig;
let snap: CapacitySnapshot;

const silent = { info() {}, warn() {}, error() {} };

beforeAll(async () => {
  ({ storage, cleanup } = await openTestStorage());
  // Two days at 1-minute samples: 48 hourly maxima per disk, and the fullest disk still has days to go.
  loaded = await loadSyntheticFleet(storage, { durationMs: 2 * DAY, intervalMs: 60_000, now: Date.now() });
  config = capacityConfigSchema.parse({
    load: { spares: 0, perModelCapacity: Object.fromEntries(FLEET_MODELS.map((m) => [m.hwModel, PER_HOST])) },
  });
  snap = await computeCapacity(storage, config, { to: loaded.fleet.end });
}, 240_000);
afterAll(async () => cleanup());

describe('computeCapacity on the synthetic fleet', () => {
  it('finds every planted disk, soonest first, within 10% of its planted days to full and inside its range', () => {
    const planted = loaded.fleet.hosts.filter((h) => h.disk);
    expect(planted).toHaveLength(6);
    expect(snap.exhaustion.map((r) => r.host).sort()).toEqual(planted.map((h) => h.host).sort());
    for (const h of planted) {
      const row = snap.exhaustion.find((r) => r.host === h.host)!;
      const want = h.disk!.daysToFullAtEnd;
      expect(row.capacity).toBe(DISKS.capacityBytes);
      expect(row.daysToFull, h.host).not.toBeNull();
      expect(Math.abs(row.daysToFull! - want) / want, `${h.host}: ${row.daysToFull} vs ${want}`).toBeLessThan(0.1);
      expect(row.daysLow!, h.host).toBeLessThanOrEqual(want);
      expect(row.daysHigh!, h.host).toBeGreaterThanOrEqual(want);
      expect(Math.abs(row.slopePerDay! - h.disk!.bytesPerDay) / h.disk!.bytesPerDay).toBeLessThan(0.02);
      expect(row.labels).toMatchObject({ type_instance: DISKS.typeInstance, plugin_instance: DISKS.pluginInstance });
    }
    const days = snap.exhaustion.map((r) => r.daysToFull!);
    expect(days).toEqual([...days].sort((a, b) => a - b));
    expect(snap.from).toBeLessThanOrEqual(loaded.fleet.start);
    expect(snap.to).toBe(loaded.fleet.end);
  });

  it('forecasts the disks that fill soonest and the fleet total load, with lower ≤ forecast ≤ upper', () => {
    const keys = snap.forecasts.map((f) => f.key);
    expect(keys.filter((k) => k.startsWith('disk:'))).toHaveLength(config.forecast.topDisks);
    expect(keys.filter((k) => k.startsWith('disk:')).map((k) => k.split(':')[1])).toEqual(snap.exhaustion.slice(0, 5).map((r) => r.host));
    expect(keys).toContain('load:total');
    for (const f of snap.forecasts) {
      expect(f.forecast, f.key).toHaveLength(Math.ceil(config.forecast.horizonMs / HOUR));
      expect(f.history.filter(([, v]) => v !== null).length, f.key).toBeGreaterThanOrEqual(47);
      for (const [t, v, lo, hi] of f.forecast) {
        expect(lo, `${f.key} at ${t}`).toBeLessThanOrEqual(v);
        expect(v, `${f.key} at ${t}`).toBeLessThanOrEqual(hi);
      }
    }
    // The planted total: every host's model rate, web-05 at its new model after the change.
    const total = loaded.fleet.hosts.reduce((s, h) => s + FLEET_MODELS[h.modelAfterChange].requestsPerSecond + h.rpsOffset, 0);
    const load = snap.forecasts.find((f) => f.key === 'load:total')!;
    expect(Math.abs(load.forecast[0][1] - total) / total).toBeLessThan(0.02);
  });

  it('gives headroom for every site × model, from the group peak and hosts × per-host capacity', () => {
    expect(snap.headroom).toHaveLength(FLEET_SITES.length * FLEET_MODELS.length);
    const pairs = snap.headroom.map((r) => `${r.site}|${r.hwModel}`);
    expect(new Set(pairs).size).toBe(pairs.length);
    expect(snap.headroom.reduce((n, r) => n + r.hosts, 0)).toBe(loaded.fleet.hosts.length);
    for (const r of snap.headroom) {
      const hosts = loaded.fleet.hosts.filter((h) => h.site === r.site && FLEET_MODELS[h.modelAfterChange].hwModel === r.hwModel);
      const planted = hosts.reduce((s, h) => s + FLEET_MODELS[h.modelAfterChange].requestsPerSecond + h.rpsOffset, 0);
      expect(r.hosts).toBe(hosts.length);
      expect(r.capacity).toBe(hosts.length * PER_HOST);
      expect(Math.abs(r.load - planted), `${r.site} ${r.hwModel}`).toBeLessThan(0.5);
      expect(r.headroom).toBeCloseTo(1 - r.load / r.capacity, 9);
    }
    const h = snap.headroom.map((r) => r.headroom);
    expect(h).toEqual([...h].sort((a, b) => a - b));
  });

  it('warns instead of inventing a throughput when the load never varied enough for a fit', () => {
    expect(snap.throughput).toEqual([]);
    for (const m of FLEET_MODELS) expect(snap.warnings.some((w) => w.startsWith(`cannot fit the throughput of ${m.hwModel}`)), m.hwModel).toBe(true);
  });

  it('leaves headroom out, with a warning, for a model without a per-host capacity', async () => {
    const partial = capacityConfigSchema.parse({ load: { spares: 0, perModelCapacity: { [FLEET_MODELS[0].hwModel]: PER_HOST } } });
    const s = await computeCapacity(storage, partial, { to: loaded.fleet.end });
    expect(new Set(s.headroom.map((r) => r.hwModel))).toEqual(new Set([FLEET_MODELS[0].hwModel]));
    expect(s.warnings.filter((w) => w.startsWith('no per-host capacity for'))).toHaveLength((FLEET_MODELS.length - 1) * FLEET_SITES.length);
  });
});

describe('capacity job and GET /api/v1/capacity', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = Fastify();
    app.setErrorHandler((err, _req, reply) =>
      err instanceof HttpError ? reply.code(err.status).send(errorBody(err.code, err.message)) : reply.code(500).send(errorBody('API_ERR_INTERNAL', (err as Error).message)),
    );
    await app.register(capacityApiRoutes, { storage, config });
  });
  afterAll(async () => app.close());

  it('answers 404 CAPACITY_ERR_NONE before any snapshot, then the stored snapshot', async () => {
    const none = await app.inject({ url: '/api/v1/capacity' });
    expect(none.statusCode).toBe(404);
    expect(none.json().error.code).toBe('CAPACITY_ERR_NONE');
    await saveCapacitySnapshot(storage, snap);
    const res = await app.inject({ url: '/api/v1/capacity' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(JSON.parse(JSON.stringify(snap)));
  });

  it('rejects a bad compute parameter', async () => {
    const res = await app.inject({ url: '/api/v1/capacity?compute=yes' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('API_ERR_BAD_PARAM');
  });

  it('computes and stores a snapshot now with ?compute=1', async () => {
    const before = Date.now();
    const res = await app.inject({ url: '/api/v1/capacity?compute=1' });
    expect(res.statusCode).toBe(200);
    const body = res.json() as CapacitySnapshot;
    expect(body.generatedAt).toBeGreaterThanOrEqual(before);
    expect(body.exhaustion).toHaveLength(6);
    expect((await latestCapacitySnapshot(storage))?.generatedAt).toBe(body.generatedAt);
  });

  it('sizes a site: hosts of a model for a load, with N+1, as a hand calculation gives', async () => {
    const model = FLEET_MODELS[0].hwModel;
    const url = (q: string) => `/api/v1/capacity/whatif?model=${encodeURIComponent(model)}&${q}`;
    // PER_HOST per host at 70 % utilisation: 1,000 units need ⌈1000 / (0.7 × PER_HOST)⌉ hosts, plus one spare.
    const res = await app.inject({ url: url('load=1000&utilisation=0.7&spares=1&site=ams1') });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    const base = Math.ceil(1000 / (0.7 * PER_HOST));
    expect(body).toMatchObject({ model, site: 'ams1', perHostCapacity: PER_HOST, base, reserve: 1, total: base + 1 });
    expect(body.arithmetic).toHaveLength(5);
    expect(body.now).toMatchObject({ site: 'ams1' });
    // A tenth spare instead: T − ⌈T / 10⌉ ≥ base.
    const frac = (await app.inject({ url: url('load=1000&utilisation=0.7&spare_fraction=0.1') })).json();
    let t = base;
    while (t - Math.ceil(t * 0.1) < base) t++;
    expect(frac.total).toBe(t);
    const bad = await app.inject({ url: url('load=-5') });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('API_ERR_BAD_PARAM');
    const unknown = await app.inject({ url: '/api/v1/capacity/whatif?model=Nope&load=10' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('CAPACITY_ERR_NONE');
  });

  it('runs the job once at a time and stores what it computed', async () => {
    let t = Date.now() + 60_000;
    const job = createCapacityJob({ storage, config, log: silent, now: () => t++ });
    const a = job.runOnce();
    expect(job.runOnce()).toBe(a);
    const s = await a;
    expect(job.status()).toMatchObject({ name: 'capacity', runs: 1, failures: 0 });
    expect((await latestCapacitySnapshot(storage))?.generatedAt).toBe(s.generatedAt);
    await job.stop();
  });
});

describe('analysis.capacity configuration', () => {
  it('defaults to an hourly job over 30 days of the 1-hour rollup', () => {
    const c = analysisConfigSchema.parse({}).capacity;
    expect(c).toMatchObject({ enabled: true, everyMs: HOUR, windowMs: 30 * DAY, stepMs: HOUR });
    expect(c.disks).toMatchObject({ metric: 'df.df_complex', labels: { type_instance: 'used' }, capacityField: 'disk_capacity_bytes' });
  });

  it.each([
    ['a step that is not a rollup', { stepMs: 300_000 }, 'stepMs'],
    ['a run more often than a minute', { everyMs: 1000 }, 'everyMs'],
    ['a capacity field that is not numeric', { disks: { capacityField: 'site' } }, 'capacityField'],
    ['a negative per-model capacity', { load: { perModelCapacity: { x: -1 } } }, 'perModelCapacity'],
  ])('rejects %s', (_name, input, path) => {
    const r = capacityConfigSchema.safeParse(input);
    expect(r.success).toBe(false);
    expect(r.error!.issues.some((i) => i.path.includes(path))).toBe(true);
  });
});
