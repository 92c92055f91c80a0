import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorBody } from '../../lib/http-errors.ts';
import { parsePrometheusRemoteWrite } from '../parsers/prometheus/parse.ts';
import { ParseError, type ParseResult } from '../parsers/types.ts';
import { rawBodies } from './body.ts';
import type { HttpFormatOptions } from './formats.ts';
import { listRejections, rejectedValues, rejectionWhere, storeParsed } from './store.ts';

const FORMAT = 'prometheus';
const MAX_LISTED_ERRORS = 20;

/**
 * Why a request is not remote write 1.0 as this receiver reads it, or undefined when it is. Remote
 * write 2.0 senders (`proto=io.prometheus.write.v2.Request`) get 415, which the 2.0 spec defines as
 * "fall back to 1.0".
 */
function unsupported(req: FastifyRequest): string | undefined {
  const [type, ...params] = String(req.headers['content-type'] ?? '').split(';').map((s) => s.trim());
  if (type.toLowerCase() !== 'application/x-protobuf') return `cannot read remote write data sent as "${type}": use Content-Type application/x-protobuf`;
  const proto = params.find((p) => /^proto=/i.test(p))?.slice(6).replace(/"/g, '');
  if (proto !== undefined && proto !== 'prometheus.WriteRequest') {
    return `cannot read remote write message "${proto}": only remote write 1.0 (prometheus.WriteRequest) is supported`;
  }
  const enc = String(req.headers['content-encoding'] ?? '').trim().toLowerCase();
  if (enc !== 'snappy') return `cannot read remote write data with Content-Encoding "${enc}": remote write bodies are snappy (block format)`;
  const version = req.headers['x-prometheus-remote-write-version'];
  if (version !== undefined && !/^0\.1(\.|$)/.test(String(version))) {
    return `cannot read remote write version ${String(version)}: only 0.1.0 (remote write 1.0) is supported`;
  }
  return undefined;
}

/**
 * `POST /api/v1/write`: Prometheus remote write 1.0. Answers 204 once every sample is stored; 400
 * (which senders do not retry) for a body that cannot be read, or when some series were refused (the
 * others are stored; the body says why); 413 when the body or its declared uncompressed size is over
 * the limit; 415 for a body that is not snappy protobuf remote write 1.0; 503 with Retry-After (which
 * senders retry) when the pipeline is full or storage is down.
 */
export async function prometheusRemoteWriteRoutes(app: FastifyInstance, opts: HttpFormatOptions): Promise<void> {
  const { metrics } = opts;
  rawBodies(app);
  app.post('/api/v1/write', { bodyLimit: opts.bodyLimitBytes }, async (req: FastifyRequest, reply: FastifyReply) => {
    const why = unsupported(req);
    if (why !== undefined) {
      metrics.requests.inc({ format: FORMAT, outcome: 'bad_content_type' });
      return reply.code(415).send(errorBody(/encoding/i.test(why) ? 'INGEST_ERR_ENCODING' : 'INGEST_ERR_CONTENT_TYPE', why));
    }
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    let result: ParseResult;
    try {
      result = parsePrometheusRemoteWrite(body, { maxBytes: opts.bodyLimitBytes });
    } catch (err) {
      if (!(err instanceof ParseError)) throw err;
      metrics.requests.inc({ format: FORMAT, outcome: 'bad_request' });
      metrics.rejected.inc({ format: FORMAT, reason: err.code });
      if (err.code === 'PARSE_ERR_TOO_LARGE') return reply.code(413).send(errorBody('INGEST_ERR_BODY_TOO_LARGE', err.message));
      return reply.code(400).send(errorBody('PARSE_ERR_BODY', err.message, { code: err.code, offset: err.offset }));
    }
    const stored = await storeParsed(opts.sink, metrics, FORMAT, result);
    if (stored.kind === 'unavailable') {
      return reply.code(503).header('retry-after', String(stored.error.retryAfterSeconds)).send(errorBody(stored.error.code, stored.error.message));
    }
    if (stored.kind === 'nothing_valid') {
      const first = stored.rejected[0];
      return reply.code(400).send({
        ...errorBody('INGEST_ERR_NOTHING_VALID', `cannot store anything of the request: ${first.message}`, rejectionWhere(first)),
        rejected: listRejections(stored.rejected, MAX_LISTED_ERRORS),
      });
    }
    if (stored.rejected.length > 0) {
      const first = stored.rejected[0];
      const lost = rejectedValues(stored.rejected);
      opts.log.warn({ format: FORMAT, accepted: stored.accepted, rejected: lost, first: first.message }, 'remote write: samples refused');
      return reply.code(400).send({
        ...errorBody('INGEST_ERR_PARTIAL', `stored ${stored.accepted} samples, refused ${lost}: ${first.message}`, rejectionWhere(first)),
        accepted: stored.accepted,
        rejected: listRejections(stored.rejected, MAX_LISTED_ERRORS),
      });
    }
    return reply.code(204).send();
  });
}
