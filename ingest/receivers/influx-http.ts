// InfluxDB's write API (v1 `/write`, v2 `/api/v2/write`) and `/ping`, answering as InfluxDB does so
// that Telegraf, the client libraries and anything else that writes to InfluxDB work unchanged.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HTTP_ERRORS, HttpError } from '../../lib/http-errors.ts';
import { influxPrecision, parseInflux } from '../parsers/influx/parse.ts';
import type { Rejection } from '../parsers/types.ts';
import { decodeBody, rawBodies } from './body.ts';
import type { HttpFormatOptions } from './formats.ts';
import { listRejections, rejectedValues, storeParsed } from './store.ts';

const FORMAT = 'influx';
/** Problems named in an error message; the `errors` list of the answer holds up to 20. */
const MAX_IN_MESSAGE = 5;
const MAX_LISTED = 20;
/** String fields are counted as refused but do not make a write fail (InfluxDB would take them). */
const IGNORED = 'PARSE_ERR_INFLUX_STRING_FIELD';

/** InfluxDB's `code` for an HTTP status (https://docs.influxdata.com/influxdb/v2/api/#tag/Write). */
function influxCode(status: number): string {
  if (status === 413) return 'request too large';
  if (status === 503) return 'unavailable';
  if (status === 401) return 'unauthorized';
  if (status >= 500) return 'internal error';
  return 'invalid';
}

/**
 * Sends an error in InfluxDB's JSON shape `{"code":"invalid","message":"…"}`, plus fleetscope's own
 * code and, for the v1 API, InfluxDB 1.x's `"error"` string (Telegraf's v1 output reads it: a
 * message with "partial write" or "unable to parse" makes it drop the batch instead of retrying).
 */
function sendError(reply: FastifyReply, api: 'v1' | 'v2', status: number, code: string, message: string, extra: Record<string, unknown> = {}): FastifyReply {
  const body: Record<string, unknown> = { code: influxCode(status), message, fleetscope_code: code, ...extra };
  if (api === 'v1') body.error = message;
  return reply.code(status).send(body);
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** "line 2 (offset 40): cannot …; line 5 …" for the first problems. */
function describe(rejected: readonly Rejection[]): string {
  const parts = rejected.slice(0, MAX_IN_MESSAGE).map((r) => `line ${r.line ?? '?'} (offset ${r.offset ?? '?'}): ${r.message.replace(/ \(line \d+\)$/, '')}`);
  const more = rejected.length > MAX_IN_MESSAGE ? `; and ${rejected.length - MAX_IN_MESSAGE} more` : '';
  return parts.join('; ') + more;
}

async function write(req: FastifyRequest, reply: FastifyReply, opts: HttpFormatOptions, api: 'v1' | 'v2'): Promise<FastifyReply> {
  const query = req.query as Record<string, string | undefined>;
  const precision = influxPrecision(query.precision, api);
  if (precision === undefined) {
    const valid = api === 'v1' ? 'n, u, ms, s, m or h' : 'ns, us, ms or s';
    opts.metrics.requests.inc({ format: FORMAT, outcome: 'bad_request' });
    return sendError(reply, api, 400, 'API_ERR_BAD_PARAM', `cannot read parameter precision=${JSON.stringify(query.precision)}: use ${valid}`, { where: { param: 'precision' } });
  }
  let body: Buffer;
  try {
    body = decodeBody(req.body, req.headers['content-encoding'], opts.bodyLimitBytes);
  } catch (err) {
    if (!(err instanceof HttpError)) throw err;
    opts.metrics.requests.inc({ format: FORMAT, outcome: 'bad_request' });
    return sendError(reply, api, err.status, err.code, err.message);
  }
  const result = parseInflux(body, { receivedAt: Date.now(), precision });
  const stored = await storeParsed(opts.sink, opts.metrics, FORMAT, result);
  if (stored.kind === 'unavailable') {
    const { error } = stored;
    return sendError(reply.header('retry-after', String(error.retryAfterSeconds)), api, 503, error.code, `${error.message}; nothing of the request was stored`);
  }
  const problems = stored.rejected.filter((r) => r.code !== IGNORED);
  if (problems.length === 0) return reply.code(204).send();
  const errors = listRejections(problems, MAX_LISTED);
  if (stored.kind === 'nothing_valid') {
    return sendError(reply, api, 400, 'INGEST_ERR_NOTHING_VALID', `unable to parse the body: nothing stored; ${describe(problems)}`, { errors });
  }
  const lines = new Set(problems.map((r) => r.line)).size;
  return sendError(
    reply,
    api,
    400,
    'INFLUX_ERR_PARTIAL_WRITE',
    `partial write: the valid lines were stored (${stored.accepted} values); refused ${plural(rejectedValues(problems), 'value')} of ${plural(lines, 'line')}: ${describe(problems)}`,
    { errors },
  );
}

/**
 * InfluxDB's write endpoints: `POST /write` (v1: `db`, `rp`, `u`, `p` are accepted and ignored;
 * `precision` n|u|ms|s|m|h) and `POST /api/v2/write` (`org`, `bucket` ignored; `precision`
 * ns|us|ms|s), bodies in line protocol, plain or gzip/deflate (`Content-Encoding`). Answers as
 * InfluxDB: 204 once stored; 400 `{"code":"invalid","message":…}` when lines were refused (after
 * storing the valid ones: a partial write) or nothing was valid; 413 beyond the body limit; 503 with
 * Retry-After when the pipeline is full or storage is failing. `GET`/`HEAD /ping` answer 204 for
 * clients that check the server first.
 */
export async function influxRoutes(app: FastifyInstance, opts: HttpFormatOptions): Promise<void> {
  rawBodies(app);
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const api = req.url.startsWith('/api/v2/') ? 'v2' : 'v1';
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      opts.metrics.requests.inc({ format: FORMAT, outcome: 'bad_request' });
      return sendError(reply, api, HTTP_ERRORS.INGEST_ERR_BODY_TOO_LARGE, 'INGEST_ERR_BODY_TOO_LARGE', `cannot accept a body over ${opts.bodyLimitBytes} bytes (ingest.bodyLimitBytes)`);
    }
    if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
      opts.metrics.requests.inc({ format: FORMAT, outcome: 'bad_request' });
      return sendError(reply, api, err.statusCode, 'API_ERR_BAD_PARAM', `cannot read the request: ${err.message}`);
    }
    req.log.error({ err }, 'influx write failed');
    return sendError(reply, api, 500, 'API_ERR_INTERNAL', `cannot write: ${err.message}`);
  });
  app.post('/write', (req, reply) => write(req, reply, opts, 'v1'));
  app.post('/api/v2/write', (req, reply) => write(req, reply, opts, 'v2'));
  // Fastify answers HEAD for every GET route (exposeHeadRoutes).
  app.get('/ping', (_req, reply) => reply.code(204).header('x-influxdb-version', 'fleetscope').header('x-influxdb-build', 'OSS').send());
}
