import type { FastifyInstance } from 'fastify';
import type { Storage } from '../../lib/clickhouse/client.ts';
import { HttpError } from '../../lib/http-errors.ts';
import { parseDuration } from '../../query/time-params.ts';
import { parseAnomalyId } from '../anomaly-id.ts';
import { attributeAnomaly, DEFAULT_ATTRIBUTION, readAnomaly } from './attribution-read.ts';

export interface AttributionApiOptions {
  readonly storage: Storage;
}

const MAX_WINDOW_MS = 30 * 86_400_000;

function duration(q: Record<string, string | undefined>, name: string, fallback: number): number {
  const v = q[name];
  if (v === undefined || v === '') return fallback;
  const ms = parseDuration(v);
  if (ms === undefined || ms <= 0 || ms > MAX_WINDOW_MS) throw new HttpError('API_ERR_BAD_PARAM', `parameter ${name} must be a duration from 1ms to 30d such as 24h, not "${v}"`, { param: name });
  return ms;
}

/** `GET /api/v1/anomalies/:id/changes`: the changes that preceded an anomaly, ranked, with the evidence of its peers. */
export async function attributionApiRoutes(app: FastifyInstance, opts: AttributionApiOptions): Promise<void> {
  app.get('/api/v1/anomalies/:id/changes', async (req) => {
    const { id } = req.params as { id: string };
    const q = req.query as Record<string, string | undefined>;
    const key = parseAnomalyId(id);
    if (!key) throw new HttpError('API_ERR_BAD_PARAM', `cannot read anomaly id "${id}": expected job~detector~series_id~ts as GET /api/v1/anomalies returns it`, { param: 'id' });
    const windowMs = duration(q, 'window', DEFAULT_ATTRIBUTION.windowMs);
    const afterMs = duration(q, 'after', DEFAULT_ATTRIBUTION.afterMs);
    const minScoreText = q.min_score;
    const minScore = minScoreText === undefined || minScoreText === '' ? DEFAULT_ATTRIBUTION.minScore : Number(minScoreText);
    if (!(minScore >= 0 && minScore <= 1)) throw new HttpError('API_ERR_BAD_PARAM', `parameter min_score must be a number from 0 to 1, not "${minScoreText}"`, { param: 'min_score' });
    const anomaly = await readAnomaly(opts.storage, key);
    if (!anomaly) throw new HttpError('ANOMALY_ERR_NOT_FOUND', `cannot find anomaly ${id}: no such row in anomalies (expired, or never recorded)`, { id });
    const { peers, changes } = await attributeAnomaly(opts.storage, anomaly, { windowMs, afterMs, minScore });
    return { anomaly, window: windowMs, after: afterMs, peers, changes };
  });
}
