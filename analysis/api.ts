// HTTP interface of the analysis role: found anomalies, alerts (also as a server-sent-events stream for
// monitoring that pulls), and the state of the jobs.
import type { FastifyInstance } from 'fastify';
import type { Storage } from '../lib/clickhouse/client.ts';
import { HttpError } from '../lib/http-errors.ts';
import { eventStreams } from '../lib/sse.ts';
import { parseTime } from '../query/time-params.ts';
import type { GroupState } from './alerts/lifecycle.ts';
import type { Alert } from './alerts/model.ts';
import { createSilenceStore } from './silences/silence-store.ts';
import { findSilence } from './silences/silence.ts';
import { anomalyColumns, toAnomalyRow } from './changes/attribution-read.ts';

export interface AnalysisApiOptions {
  readonly storage: Storage;
  /** Status of the jobs this process runs (empty when another process runs them). */
  readonly jobs: () => readonly object[];
  /** How often the alert stream looks for changes, ms. */
  readonly streamPollMs?: number;
  readonly now?: () => number;
}

const MAX_LIMIT = 10_000;

function str(q: Record<string, string | undefined>, name: string): string | undefined {
  const v = q[name];
  return v === undefined || v === '' ? undefined : v;
}

function time(q: Record<string, string | undefined>, name: string, fallback: number, now: number): number {
  const v = str(q, name);
  if (v === undefined) return fallback;
  const t = parseTime(v, now);
  if (t === undefined) throw new HttpError('API_ERR_BAD_PARAM', `cannot read parameter ${name}="${v}": use epoch milliseconds, ISO 8601, "now" or a relative time such as -1h`, { param: name });
  return t;
}

function num(q: Record<string, string | undefined>, name: string, fallback: number, min: number, max: number): number {
  const v = str(q, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) throw new HttpError('API_ERR_BAD_PARAM', `parameter ${name} must be a number from ${min} to ${max}, not "${v}"`, { param: name });
  return n;
}

/** Alerts as stored: the newest state of each key, with the job that owns it. */
async function readAlerts(storage: Storage, since?: number): Promise<(Alert & { job: string; stateUpdatedAt: number })[]> {
  const rows = await storage.query<{ job: string; state: string; u: string }>(
    `SELECT job, argMax(state, updated_at) AS state, toString(toUnixTimestamp64Milli(max(updated_at))) AS u FROM ${storage.database}.alerts GROUP BY job, key${since !== undefined ? ' HAVING max(updated_at) > fromUnixTimestamp64Milli({since:Int64}, \'UTC\')' : ''} ORDER BY job, key`,
    since !== undefined ? { since } : undefined,
  );
  return rows.map((r) => ({ ...(JSON.parse(r.state) as GroupState).alert, job: r.job, stateUpdatedAt: Number(r.u) }));
}

export async function analysisApiRoutes(app: FastifyInstance, opts: AnalysisApiOptions): Promise<void> {
  const clock = opts.now ?? Date.now;
  const db = opts.storage.database;
  const openStream = eventStreams(app);
  const silences = createSilenceStore(opts.storage);
  /** Each alert with `silenced` (and `silencedBy`, the silence's id) as the outbox would judge it now. */
  const withSilences = async <A extends Alert>(alerts: A[]): Promise<(A & { silenced: boolean; silencedBy?: string })[]> => {
    const now = clock();
    const active = await silences.current(now);
    return alerts.map((a) => {
      const s = a.status === 'resolved' ? undefined : findSilence(active, a, now);
      return { ...a, silenced: s !== undefined, ...(s ? { silencedBy: s.id } : {}) };
    });
  };

  app.get('/api/v1/anomalies', async (req) => {
    const q = req.query as Record<string, string | undefined>;
    const now = clock();
    const to = time(q, 'to', now, now);
    const from = time(q, 'from', now - 3_600_000, now);
    if (!(to > from)) throw new HttpError('API_ERR_BAD_PARAM', 'parameter to must be after from', { param: 'to' });
    const limit = num(q, 'limit', 1000, 1, MAX_LIMIT);
    const minScore = num(q, 'min_score', 0, 0, 1);
    const params: Record<string, unknown> = { from, to, limit, minScore };
    const conds = ['ts >= fromUnixTimestamp64Milli({from:Int64}, \'UTC\')', 'ts < fromUnixTimestamp64Milli({to:Int64}, \'UTC\')', 'score >= {minScore:Float32}'];
    for (const f of ['job', 'host', 'metric', 'detector', 'kind']) {
      const v = str(q, f);
      if (v !== undefined) {
        conds.push(`${f} = {${f}:String}`);
        params[f] = v;
      }
    }
    const rows = await opts.storage.query<Record<string, unknown>>(
      `SELECT ${anomalyColumns()} FROM ${db}.anomalies FINAL WHERE ${conds.join(' AND ')} ORDER BY ts_ms DESC, score DESC LIMIT {limit:UInt32}`,
      params,
    );
    return { anomalies: rows.map(toAnomalyRow), from, to };
  });

  app.get('/api/v1/alerts', async (req) => {
    const q = req.query as Record<string, string | undefined>;
    const status = str(q, 'status');
    if (status !== undefined && !['pending', 'firing', 'resolved'].includes(status)) {
      throw new HttpError('API_ERR_BAD_PARAM', 'parameter status is pending, firing or resolved', { param: 'status' });
    }
    const alerts = (await readAlerts(opts.storage)).filter((a) => status === undefined || a.status === status);
    return { alerts: await withSilences(alerts.map(({ stateUpdatedAt: _, ...a }) => a)) };
  });

  app.get('/api/v1/alerts/stream', async (req, reply) => {
    let since = 0;
    const changed = async () => {
      const alerts = await readAlerts(opts.storage, since === 0 ? undefined : since);
      for (const a of alerts) since = Math.max(since, a.stateUpdatedAt);
      return withSilences(alerts.map(({ stateUpdatedAt: _, ...a }) => a));
    };
    const first = await changed();
    const stream = openStream(req, reply, {
      everyMs: opts.streamPollMs ?? 2000,
      tick: async (s) => {
        try {
          for (const a of await changed()) s.send('alert', a);
        } catch (err) {
          s.send('error', { code: 'API_ERR_STORAGE', message: (err as Error).message });
        }
      },
    });
    stream.send('alerts', { alerts: first.filter((a) => a.status !== 'resolved') });
  });

  app.get('/api/v1/analysis/jobs', async () => ({ jobs: opts.jobs() }));
}
