// How a series job turns stored samples into scored steps: the per-step read and the stepping of one
// series' scorer. Shared by the job runner and the expected-band API, so that both score alike.
import type { Storage } from '../../lib/clickhouse/client.ts';
import type { Scored, SeriesScorer } from './types.ts';

/** A series without data for this long is no longer followed (its missing points are not scored). */
export const FORGET_AFTER_MS = 3_600_000;

/** What to read with {@link readStepValues}. */
export interface StepRead {
  /** Metrics of the series wanted (the sort key of the tables: keeps the read narrow). */
  readonly metrics: readonly string[];
  /** Width of a step, ms: 60000 or more reads the 1-minute rollup, less reads raw samples. */
  readonly stepMs: number;
  /** Start (inclusive) and end (exclusive) of the range, ms, multiples of the step. */
  readonly from: number;
  readonly to: number;
  /** Only this series (a decimal UInt64), when given. */
  readonly seriesId?: string;
}

/**
 * Per-step values of the series of `metrics` in `[from, to)`: gauges as they are, counters as their
 * per-second rate, the mean of the step. The answer maps series id → step start (ms) → value; the
 * caller owns it. Steps without finite data are absent.
 */
export async function readStepValues(storage: Storage, r: StepRead): Promise<Map<string, Map<number, number>>> {
  const out = new Map<string, Map<number, number>>();
  if (r.metrics.length === 0) return out;
  const db = storage.database;
  const step = r.stepMs;
  const rollup = step >= 60_000;
  const one = r.seriesId !== undefined ? ' AND series_id = {sid:UInt64}' : '';
  const sql = rollup
    ? `SELECT toString(series_id) AS sid, toUnixTimestamp(toStartOfInterval(t, toIntervalSecond({step:UInt32}))) * 1000 AS bucket_ms, sum(vsum) / sum(cnt) AS v
       FROM ${db}.samples_1m WHERE metric IN {metrics:Array(String)}${one} AND t >= toDateTime({from:UInt32}, 'UTC') AND t < toDateTime({to:UInt32}, 'UTC')
       GROUP BY series_id, bucket_ms`
    : `SELECT toString(series_id) AS sid, toUnixTimestamp64Milli(toStartOfInterval(ts, toIntervalMillisecond({step:UInt32}))) AS bucket_ms, avg(if(kind = 'gauge', value, rate)) AS v
       FROM ${db}.samples WHERE metric IN {metrics:Array(String)}${one} AND ts >= fromUnixTimestamp64Milli({fromMs:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({toMs:Int64}, 'UTC')
         AND isFinite(if(kind = 'gauge', value, rate))
       GROUP BY series_id, bucket_ms`;
  const rows = await storage.query<{ sid: string; bucket_ms: string | number; v: number | null }>(sql, {
    metrics: r.metrics,
    step: rollup ? step / 1000 : step,
    from: Math.floor(r.from / 1000),
    to: Math.floor(r.to / 1000),
    fromMs: r.from,
    toMs: r.to,
    ...(r.seriesId !== undefined ? { sid: r.seriesId } : {}),
  });
  for (const row of rows) {
    if (row.v === null) continue;
    let byT = out.get(row.sid);
    if (!byT) out.set(row.sid, (byT = new Map()));
    byT.set(Number(row.bucket_ms), row.v);
  }
  return out;
}

/** A followed series: its scorer and the last step that had data. Owned by the caller, changed by {@link scoreStep}. */
export interface SeriesState {
  scorer: SeriesScorer;
  lastSeen: number;
}

/**
 * Scores one step of a followed series as a job does: `value` undefined is a missing point. Returns
 * undefined, without scoring, when the series has had no data for {@link FORGET_AFTER_MS}: the caller
 * then forgets it (and starts afresh at its next data).
 */
export function scoreStep(st: SeriesState, t: number, value: number | undefined): Scored | undefined {
  if (value === undefined && t - st.lastSeen > FORGET_AFTER_MS) return undefined;
  if (value !== undefined) st.lastSeen = t;
  return st.scorer.update(t, value ?? null);
}
