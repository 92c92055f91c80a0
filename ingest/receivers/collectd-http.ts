import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorBody } from '../../lib/http-errors.ts';
import type { IngestMetrics } from '../metrics.ts';
import { isJsonBody, parseCollectdCommand } from '../parsers/collectd-command/parse.ts';
import type { TypesDb } from '../parsers/collectd-common/types-db.ts';
import { parseCollectdJson } from '../parsers/collectd-json/parse.ts';
import { ParseError, type ParseResult } from '../parsers/types.ts';
import type { RecordSink } from '../writer/sink.ts';
import { listRejections, rejectedValues, rejectionWhere, storeParsed } from './store.ts';

/** Options of {@link collectdHttpRoutes}. */
export interface CollectdHttpOptions {
  readonly sink: RecordSink;
  readonly typesDb: TypesDb;
  readonly metrics: IngestMetrics;
  /** HTTP Basic credentials required on POST /collectd, or null for none. */
  readonly auth: { readonly user: string; readonly password: string; readonly realm: string } | null;
  readonly now?: () => number;
}

const MAX_LISTED_ERRORS = 20;

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function authorized(req: FastifyRequest, auth: NonNullable<CollectdHttpOptions['auth']>): boolean {
  const h = req.headers.authorization;
  if (!h || !/^basic /i.test(h)) return false;
  const decoded = Buffer.from(h.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  return sameSecret(decoded.slice(0, colon), auth.user) && sameSecret(decoded.slice(colon + 1), auth.password);
}

function parseBody(body: string, contentType: string, req: FastifyRequest, opts: CollectdHttpOptions): { format: string; result: ParseResult } {
  const storeRates = /^(1|true|yes)$/i.test(String(req.headers['x-collectd-storerates'] ?? ''));
  if (contentType === 'application/json' || isJsonBody(body)) {
    return { format: 'collectd_json', result: parseCollectdJson(body, { storeRates }) };
  }
  return { format: 'collectd_command', result: parseCollectdCommand(body, { typesDb: opts.typesDb, receivedAt: (opts.now ?? Date.now)() }) };
}

/**
 * `POST /collectd`: collectd's write_http plugin, Format JSON (`application/json`) or Command
 * (`text/plain` PUTVAL/PUTNOTIF lines; notification JSON that collectd sends as text/plain is
 * recognised by shape). Answers 200 once the values are stored, with counts and the first problems;
 * 400 when nothing in the body was usable; 401 with a Basic challenge when credentials are required
 * (collectd sends them only after one); 503 with Retry-After when the pipeline is full or storage is
 * failing. A node using StoreRates says so with the header `X-Collectd-StoreRates: true`.
 */
export async function collectdHttpRoutes(app: FastifyInstance, opts: CollectdHttpOptions): Promise<void> {
  const { metrics } = opts;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  app.post('/collectd', async (req: FastifyRequest, reply: FastifyReply) => {
    if (opts.auth && !authorized(req, opts.auth)) {
      metrics.requests.inc({ format: 'collectd_http', outcome: 'unauthorized' });
      return reply
        .code(401)
        .header('www-authenticate', `Basic realm="${opts.auth.realm}", charset="UTF-8"`)
        .send(errorBody('INGEST_ERR_UNAUTHORIZED', 'cannot accept collectd data: valid HTTP Basic credentials are required'));
    }
    const contentType = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (contentType !== 'application/json' && contentType !== 'text/plain' && contentType !== '') {
      metrics.requests.inc({ format: 'collectd_http', outcome: 'bad_content_type' });
      return reply
        .code(415)
        .send(errorBody('INGEST_ERR_CONTENT_TYPE', `cannot read collectd data sent as "${contentType}": use application/json (Format JSON) or text/plain (Format Command)`));
    }
    const body = typeof req.body === 'string' ? req.body : '';
    let parsed: { format: string; result: ParseResult };
    try {
      parsed = parseBody(body, contentType, req, opts);
    } catch (err) {
      if (!(err instanceof ParseError)) throw err;
      const format = contentType === 'text/plain' ? 'collectd_command' : 'collectd_json';
      metrics.requests.inc({ format, outcome: 'bad_request' });
      metrics.rejected.inc({ format, reason: err.code });
      return reply.code(400).send(errorBody('PARSE_ERR_BODY', err.message, { code: err.code, offset: err.offset }));
    }
    const { format, result } = parsed;
    const stored = await storeParsed(opts.sink, metrics, format, result);
    if (stored.kind === 'nothing_valid') {
      const first = stored.rejected[0];
      return reply.code(400).send({
        ...errorBody('INGEST_ERR_NOTHING_VALID', `cannot store anything of the body: ${first.message}`, rejectionWhere(first)),
        rejected: listRejections(stored.rejected, MAX_LISTED_ERRORS),
      });
    }
    if (stored.kind === 'unavailable') {
      return reply.code(503).header('retry-after', String(stored.error.retryAfterSeconds)).send(errorBody(stored.error.code, stored.error.message));
    }
    return reply.code(200).send({
      accepted: stored.accepted,
      events: stored.events,
      rejected: rejectedValues(stored.rejected),
      errors: listRejections(stored.rejected, MAX_LISTED_ERRORS),
    });
  });
}
