import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorBody, HttpError } from '../../lib/http-errors.ts';
import { parseOpenTsdb, type OpenTsdbParseResult } from '../parsers/opentsdb/parse.ts';
import { ParseError, type Rejection } from '../parsers/types.ts';
import { decodeBody, rawBodies } from './body.ts';
import type { HttpFormatOptions } from './formats.ts';
import { listRejections, storeParsed, type StoreOutcome } from './store.ts';

const FORMAT = 'opentsdb';
const MAX_LISTED_ERRORS = 20;

/** The query options of `/api/put` (flags count when present, whatever their value, as in OpenTSDB). */
interface PutOptions {
  readonly summary: boolean;
  readonly details: boolean;
  /** Milliseconds to wait for storage before answering 408; 0 waits as long as storage takes. */
  readonly syncTimeoutMs: number;
}

function putOptions(query: Record<string, unknown>): PutOptions {
  const raw = query.sync_timeout;
  let syncTimeoutMs = 0;
  if (raw !== undefined && raw !== '') {
    syncTimeoutMs = Number(raw);
    if (!Number.isInteger(syncTimeoutMs) || syncTimeoutMs < 0) {
      throw new HttpError('API_ERR_BAD_PARAM', `cannot read sync_timeout ${JSON.stringify(raw)}: not a whole number of milliseconds`, { param: 'sync_timeout' });
    }
  }
  return { summary: 'summary' in query, details: 'details' in query, syncTimeoutMs };
}

/** `{datapoint, error}` of OpenTSDB's `?details`; sink refusals (too old, too new) have no point. */
function detailErrors(parsed: OpenTsdbParseResult, sinkRejected: readonly Rejection[]): Record<string, unknown>[] {
  return [
    ...parsed.rejected.map((r) => ({ datapoint: r.index === undefined ? null : parsed.points[r.index], error: r.message, code: r.code })),
    ...sinkRejected.map((r) => ({ datapoint: null, error: r.message, code: r.code, values: r.values ?? 1 })),
  ];
}

/** Stores, or settles as `timeout` after `ms` (the write goes on and may still store the points). */
function storeWithin(ms: number, store: Promise<StoreOutcome>): Promise<StoreOutcome | 'timeout'> {
  if (ms === 0) return store;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((res) => (timer = setTimeout(() => res('timeout'), ms)));
  return Promise.race([store, timeout]).finally(() => clearTimeout(timer));
}

function answer(reply: FastifyReply, opts: PutOptions, parsed: OpenTsdbParseResult, outcome: Extract<StoreOutcome, { kind: 'stored' | 'nothing_valid' }>) {
  const sinkRejected = outcome.kind === 'stored' ? outcome.rejected.slice(parsed.rejected.length) : [];
  const failed = parsed.rejected.length + sinkRejected.reduce((n, r) => n + (r.values ?? 1), 0);
  const success = parsed.points.length - failed;
  // OpenTSDB answers 400 as soon as one point failed, after storing the good ones (PutDataPointRpc).
  const status = failed > 0 ? 400 : opts.summary || opts.details ? 200 : 204;
  if (opts.details) return reply.code(status).send({ failed, success, errors: detailErrors(parsed, sinkRejected) });
  if (opts.summary) return reply.code(status).send({ failed, success });
  if (failed === 0) return reply.code(204).send();
  const all = [...parsed.rejected, ...sinkRejected];
  return reply.code(400).send({
    ...errorBody('INGEST_ERR_POINTS_FAILED', `cannot store ${failed} of ${parsed.points.length} data points (${success} stored): ${all[0].message}; append "details" to the put request for each error`, { failed, success }),
    errors: listRejections(all, MAX_LISTED_ERRORS),
  });
}

/**
 * `POST /api/put`: OpenTSDB's HTTP put (http://opentsdb.net/docs/build/html/api_http/put.html), JSON
 * only, plain or gzip/deflate. Every answer comes after storage has the points, so `sync` is always in
 * effect; `sync_timeout=<ms>` answers 408 (`INGEST_ERR_SYNC_TIMEOUT`) when storage takes longer. 204
 * when every point was stored; `?summary` gives 200 `{"failed","success"}`, `?details` adds
 * `"errors":[{"datapoint","error"}]`. When some points fail, the others are stored and the answer is
 * 400 (with the summary or details when asked), as OpenTSDB does. 503 with Retry-After when the
 * pipeline is full or storage is failing (nothing of the request was stored).
 */
export async function openTsdbRoutes(app: FastifyInstance, opts: HttpFormatOptions): Promise<void> {
  const { metrics } = opts;
  rawBodies(app);

  app.post('/api/put', async (req: FastifyRequest, reply: FastifyReply) => {
    const put = putOptions(req.query as Record<string, unknown>);
    const body = decodeBody(req.body, req.headers['content-encoding'], opts.bodyLimitBytes);
    let parsed: OpenTsdbParseResult;
    try {
      parsed = parseOpenTsdb(body);
    } catch (err) {
      if (!(err instanceof ParseError)) throw err;
      metrics.requests.inc({ format: FORMAT, outcome: 'bad_request' });
      metrics.rejected.inc({ format: FORMAT, reason: err.code });
      return reply.code(400).send(errorBody('PARSE_ERR_BODY', err.message, { code: err.code, offset: err.offset }));
    }
    const outcome = await storeWithin(put.syncTimeoutMs, storeParsed(opts.sink, metrics, FORMAT, parsed));
    if (outcome === 'timeout') {
      return reply
        .code(408)
        .send(errorBody('INGEST_ERR_SYNC_TIMEOUT', `cannot confirm within sync_timeout=${put.syncTimeoutMs} ms that the data points are stored: they may still be stored`));
    }
    if (outcome.kind === 'unavailable') {
      return reply.code(503).header('retry-after', String(outcome.error.retryAfterSeconds)).send(errorBody(outcome.error.code, outcome.error.message));
    }
    return answer(reply, put, parsed, outcome);
  });
}
