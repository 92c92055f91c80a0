import type { FastifyInstance } from 'fastify';
import type { Storage } from '../../lib/clickhouse/client.ts';
import { HttpError } from '../../lib/http-errors.ts';
import type { CapacityConfig } from './config.ts';
import { computeCapacity } from './compute.ts';
import { hostsNeeded, type Redundancy } from './models/whatif.ts';
import type { CapacitySnapshot } from './snapshot.ts';
import { latestCapacitySnapshot, saveCapacitySnapshot } from './store.ts';

export interface CapacityApiOptions {
  readonly storage: Storage;
  readonly config: CapacityConfig;
  /**
   * Computes, stores and returns a snapshot now; the analysis role passes its job's `runOnce` so that a request
   * never overlaps a scheduled run. @default compute with `config` and store
   */
  readonly compute?: () => Promise<unknown>;
}

/**
 * `GET /api/v1/capacity`: the newest stored capacity snapshot; with `compute=1`, a snapshot computed (and stored)
 * now. 404 `CAPACITY_ERR_NONE` when none was stored yet.
 */
export async function capacityApiRoutes(app: FastifyInstance, opts: CapacityApiOptions): Promise<void> {
  const compute =
    opts.compute ??
    (async () => {
      const snap = await computeCapacity(opts.storage, opts.config);
      await saveCapacitySnapshot(opts.storage, snap);
      return snap;
    });
  app.get('/api/v1/capacity', async (req) => {
    const c = (req.query as Record<string, string | undefined>).compute;
    if (c !== undefined && c !== '' && c !== '0' && c !== '1') {
      throw new HttpError('API_ERR_BAD_PARAM', `parameter compute must be 0 or 1, not "${c}"`, { param: 'compute' });
    }
    if (c === '1') return compute();
    const snap = await latestCapacitySnapshot(opts.storage);
    if (!snap) {
      throw new HttpError('CAPACITY_ERR_NONE', 'cannot answer with a capacity snapshot: none has been computed yet; the analysis role computes one at start and then every analysis.capacity.everyMs, or ask with ?compute=1');
    }
    return snap;
  });

  // What-if sizing: hosts of a model needed at a site to carry a load, with spares for failures.
  app.get('/api/v1/capacity/whatif', async (req) => {
    const q = req.query as Record<string, string | undefined>;
    const model = q.model;
    if (!model) throw new HttpError('API_ERR_BAD_PARAM', 'parameter model (a hardware model) is required', { param: 'model' });
    const num = (name: string, fallback?: number): number | undefined => {
      const v = q[name];
      if (v === undefined || v === '') return fallback;
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0) throw new HttpError('API_ERR_BAD_PARAM', `parameter ${name} must be a number ≥ 0, not "${v}"`, { param: name });
      return n;
    };
    const load = num('load');
    if (load === undefined) throw new HttpError('API_ERR_BAD_PARAM', `parameter load (in ${opts.config.load.unit}) is required`, { param: 'load' });
    const growth = num('growth', 1)!;
    const utilisation = num('utilisation', opts.config.load.targetUtilisation)!;
    if (!(utilisation > 0 && utilisation <= 1)) throw new HttpError('API_ERR_BAD_PARAM', 'parameter utilisation must be in (0, 1]', { param: 'utilisation' });
    const fraction = num('spare_fraction');
    if (fraction !== undefined && !(fraction < 1)) throw new HttpError('API_ERR_BAD_PARAM', 'parameter spare_fraction must be below 1', { param: 'spare_fraction' });
    const spares = num('spares', opts.config.load.spares)!;
    if (!Number.isInteger(spares)) throw new HttpError('API_ERR_BAD_PARAM', 'parameter spares must be a whole number', { param: 'spares' });
    const redundancy: Redundancy = fraction !== undefined ? { kind: 'spare-fraction', fraction } : { kind: 'n-plus', spares };
    // Per-host capacity: configured for the model (a load test), else the fit of the latest snapshot.
    let perHost = opts.config.load.perModelCapacity[model];
    let source = 'configured (analysis.capacity.load.perModelCapacity)';
    let site: Record<string, unknown> | undefined;
    const snap = (await latestCapacitySnapshot(opts.storage)) as CapacitySnapshot | undefined;
    if (perHost === undefined) {
      const row = snap?.throughput.find((t) => t.hwModel === model);
      if (!row) {
        throw new HttpError('CAPACITY_ERR_NONE', `cannot size hosts of ${model}: no per-host capacity for it, neither configured (analysis.capacity.load.perModelCapacity) nor fitted in the latest capacity snapshot`, { model });
      }
      perHost = row.perHost;
      source = `fitted: ${row.target}, range ${row.low}–${row.high} ${row.unit}`;
    }
    if (q.site && snap) {
      const h = snap.headroom.find((r) => r.site === q.site && r.hwModel === model);
      if (h) site = { site: h.site, hostsNow: h.hosts, peakLoadNow: h.load, capacityNow: h.capacity, headroomNow: h.headroom };
    }
    const sizing = hostsNeeded({ load, perHostCapacity: perHost, targetUtilisation: utilisation, growth, redundancy });
    return { model, ...(q.site ? { site: q.site } : {}), unit: opts.config.load.unit, perHostCapacity: perHost, perHostSource: source, ...sizing, ...(site ? { now: site } : {}) };
  });
}
