// GET /api/v1/anomalies/band: what a job's detector expected of one series, step by step, for the
// anomaly chart. The detector is replayed over stored data exactly as the job scores it.
import type { FastifyInstance } from 'fastify';
import type { Storage } from '../lib/clickhouse/client.ts';
import { HttpError } from '../lib/http-errors.ts';
import { parseTime } from '../query/time-params.ts';
import type { JobConfig } from './config.ts';
import { detectorSet } from './jobs/detector-set.ts';
import { readStepValues, scoreStep, type SeriesState } from './jobs/steps.ts';
import type { DetectorSet } from './jobs/types.ts';

/** Options of {@link bandApiRoutes}. */
export interface BandApiOptions {
  readonly storage: Storage;
  /** The configured jobs (`analysis.jobs`), whether or not this process runs them. */
  readonly jobs: readonly JobConfig[];
  /** @default the detectors the jobs use */
  readonly detectors?: DetectorSet;
  readonly now?: () => number;
}

/** One step of the band, or one pixel column of several steps (see {@link reduceBand}). */
export interface BandPoint {
  readonly t: number;
  readonly observed: number | null;
  readonly expected: number | null;
  readonly low: number | null;
  readonly high: number | null;
  readonly score: number;
}

const DAY = 86_400_000;
const MAX_RANGE_MS = 31 * DAY;
/** History replayed before `from` so that the detector has learnt the series (less when there is none). */
const WARMUP_MS = 3 * DAY;
const MAX_WARMUP_STEPS = 20_000;
const DEFAULT_WIDTH = 1000;
const MAX_WIDTH = 10_000;

type Query = Record<string, string | undefined>;

function param(q: Query, name: string): string | undefined {
  const v = q[name];
  return v === undefined || v === '' ? undefined : v;
}

function timeParam(q: Query, name: string, fallback: number, now: number): number {
  const v = param(q, name);
  if (v === undefined) return fallback;
  const t = parseTime(v, now);
  if (t === undefined) throw new HttpError('API_ERR_BAD_PARAM', `cannot read parameter ${name}="${v}": use epoch milliseconds, ISO 8601, "now" or a relative time such as -1h`, { param: name });
  return t;
}

/** The series job named `name`, or the only series job when no name is given. */
function pickJob(jobs: readonly JobConfig[], name: string | undefined): JobConfig {
  const names = jobs.map((j) => j.name);
  if (name === undefined) {
    const series = jobs.filter((j) => j.kind === 'series');
    if (series.length === 1) return series[0];
    throw new HttpError('API_ERR_BAD_PARAM', `parameter job is required: name one of ${names.join(', ') || '(no jobs are configured)'}`, { param: 'job' });
  }
  const job = jobs.find((j) => j.name === name);
  if (!job) throw new HttpError('ANALYSIS_ERR_UNKNOWN_JOB', `cannot replay job "${name}": no such job in analysis.jobs; jobs are ${names.join(', ') || '(none)'}`, { job: name, jobs: names });
  if (job.kind !== 'series') {
    throw new HttpError('API_ERR_BAD_PARAM', `cannot replay job "${name}": it scores hosts against their peers, which gives no band per series; name a series job`, { param: 'job' });
  }
  return job;
}

const finite = (x: number | undefined): number | null => (x !== undefined && Number.isFinite(x) ? x : null);

/**
 * Replays the job's detector over one series: a fresh detector starts at the series' first data in
 * `[replayFrom, last]` and steps as a job steps it (missing steps scored as missing, a series gone for
 * an hour forgotten and learnt again). Returns the steps in `[first, last]` that the job would score.
 */
export async function replayBand(
  storage: Storage,
  detectors: DetectorSet,
  job: JobConfig,
  series: { id: string; metric: string },
  range: { replayFrom: number; first: number; last: number },
): Promise<BandPoint[]> {
  const step = job.stepMs;
  const data = await readStepValues(storage, { metrics: [series.metric], stepMs: step, from: range.replayFrom, to: range.last + step, seriesId: series.id });
  const byT = data.get(series.id) ?? new Map<number, number>();
  const points: BandPoint[] = [];
  let st: SeriesState | undefined;
  for (let t = range.replayFrom; t <= range.last; t += step) {
    const v = byT.get(t);
    if (!st && v !== undefined) st = { scorer: detectors.create(job.detector), lastSeen: t };
    if (!st) continue;
    const s = scoreStep(st, t, v);
    if (!s) {
      st = undefined;
      continue;
    }
    if (t >= range.first) points.push({ t, observed: v ?? null, expected: finite(s.expected), low: finite(s.low), high: finite(s.high), score: s.score });
  }
  return points;
}

/**
 * Reduces a band to at most `width` pixel columns over `[first, end)`: each column has the lowest `low`
 * and highest `high` of its steps, the highest `score`, and the `t`, `observed` and `expected` of its
 * last step. A band of `width` points or fewer is returned as it is.
 */
export function reduceBand(points: readonly BandPoint[], width: number, first: number, end: number): BandPoint[] {
  if (points.length <= width) return [...points];
  const out: BandPoint[] = [];
  let col = -1;
  let acc: { low: number | null; high: number | null; score: number; last: BandPoint } | undefined;
  const flush = () => {
    if (acc) out.push({ ...acc.last, low: acc.low, high: acc.high, score: acc.score });
  };
  for (const p of points) {
    const c = Math.min(width - 1, Math.floor(((p.t - first) * width) / (end - first)));
    if (c !== col || !acc) {
      flush();
      col = c;
      acc = { low: p.low, high: p.high, score: p.score, last: p };
      continue;
    }
    if (p.low !== null) acc.low = acc.low === null ? p.low : Math.min(acc.low, p.low);
    if (p.high !== null) acc.high = acc.high === null ? p.high : Math.max(acc.high, p.high);
    acc.score = Math.max(acc.score, p.score);
    acc.last = p;
  }
  flush();
  return out;
}

/**
 * `GET /api/v1/anomalies/band?series_id=&job=&from=&to=&width=`: the band a series job takes as normal
 * for one series (`expected`, `low`, `high`) and its `score`, per step in `[from, to]`, reduced to at
 * most `width` columns. See docs/api.md.
 */
export async function bandApiRoutes(app: FastifyInstance, opts: BandApiOptions): Promise<void> {
  const clock = opts.now ?? Date.now;
  const detectors = opts.detectors ?? detectorSet;

  app.get('/api/v1/anomalies/band', async (req) => {
    const q = req.query as Query;
    const sid = param(q, 'series_id');
    if (sid === undefined) throw new HttpError('API_ERR_BAD_PARAM', 'parameter series_id is required (the series_id of an anomaly or of /api/v1/series)', { param: 'series_id' });
    if (!/^\d{1,20}$/.test(sid)) throw new HttpError('API_ERR_BAD_PARAM', `cannot read parameter series_id="${sid}": use the decimal series_id of an anomaly or of /api/v1/series`, { param: 'series_id' });
    const job = pickJob(opts.jobs, param(q, 'job'));
    const now = clock();
    const to = timeParam(q, 'to', now, now);
    const from = timeParam(q, 'from', to - 6 * 3_600_000, now);
    if (!(to > from)) throw new HttpError('API_ERR_BAD_PARAM', 'parameter to must be after from', { param: 'to' });
    if (to - from > MAX_RANGE_MS) throw new HttpError('API_ERR_BAD_PARAM', `cannot replay more than 31 days (asked ${((to - from) / DAY).toFixed(1)}): narrow from and to`, { param: 'from' });
    const widthText = param(q, 'width');
    const width = widthText === undefined ? DEFAULT_WIDTH : Number(widthText);
    if (!Number.isInteger(width) || width < 1 || width > MAX_WIDTH) throw new HttpError('API_ERR_BAD_PARAM', `parameter width must be a whole number from 1 to ${MAX_WIDTH}, not "${widthText}"`, { param: 'width' });

    const [meta] = await opts.storage.query<{ metric: string }>(
      `SELECT any(metric) AS metric FROM ${opts.storage.database}.series WHERE series_id = {sid:UInt64} GROUP BY series_id`,
      { sid },
    );
    if (!meta) throw new HttpError('API_ERR_NOT_FOUND', `cannot replay series ${sid}: no such series`, { param: 'series_id' });
    const step = job.stepMs;
    const first = Math.ceil(from / step) * step;
    // The job scores a step once `lagMs` has passed after it: later steps are not in the band yet.
    const last = Math.min(Math.floor(to / step) * step, Math.floor((now - job.lagMs) / step) * step - step);
    const replayFrom = first - Math.min(MAX_WARMUP_STEPS, Math.ceil(WARMUP_MS / step)) * step;
    const points = last < first ? [] : await replayBand(opts.storage, detectors, job, { id: sid, metric: meta.metric }, { replayFrom, first, last });
    return { series_id: sid, job: job.name, detector: job.detector, step, points: reduceBand(points, width, first, last + step) };
  });
}
