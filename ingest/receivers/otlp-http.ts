import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorBody, HttpError } from '../../lib/http-errors.ts';
import { ProtoWriter, WIRE } from '../../lib/protobuf.ts';
import { parseOtlpJson, parseOtlpProtobuf } from '../parsers/otlp/parse.ts';
import { ParseError, type ParseResult, type Rejection } from '../parsers/types.ts';
import { decodeBody, rawBodies } from './body.ts';
import type { HttpFormatOptions } from './formats.ts';
import { rejectedValues, storeParsed } from './store.ts';

const FORMAT = 'otlp';
const PROTOBUF = 'application/x-protobuf';
const JSON_TYPE = 'application/json';
/** google.rpc.Code values used in Status bodies. */
const RPC = { INVALID_ARGUMENT: 3, RESOURCE_EXHAUSTED: 8, UNAVAILABLE: 14 } as const;
const MAX_MESSAGES = 5;

type Encoding = typeof PROTOBUF | typeof JSON_TYPE;

/** ExportMetricsServiceResponse, with partial_success when points were refused. */
function exportResponse(enc: Encoding, rejected: readonly Rejection[]): Buffer | object {
  const n = rejectedValues(rejected);
  const message = rejected
    .slice(0, MAX_MESSAGES)
    .map((r) => `${r.code}: ${r.message}`)
    .join('; ');
  if (enc === JSON_TYPE) return rejected.length === 0 ? {} : { partialSuccess: { rejectedDataPoints: String(n), errorMessage: message } };
  if (rejected.length === 0) return Buffer.alloc(0);
  const partial = new ProtoWriter().tag(1, WIRE.VARINT).varint(n).bytes(2, message).finish();
  return new ProtoWriter().bytes(1, partial).finish();
}

/**
 * google.rpc.Status for a 4xx/5xx answer, in the request's encoding. The JSON form also carries
 * fleetscope's usual `error` object (OTLP clients ignore unknown fields).
 */
function statusBody(enc: Encoding, rpcCode: number, code: string, message: string, where?: Record<string, unknown>): Buffer | object {
  if (enc === JSON_TYPE) return { code: rpcCode, message: `${code}: ${message}`, details: [], ...errorBody(code, message, where) };
  return new ProtoWriter().tag(1, WIRE.VARINT).varint(rpcCode).bytes(2, `${code}: ${message}`).finish();
}

function parse(enc: Encoding, body: Buffer, receivedAt: number): ParseResult {
  return enc === PROTOBUF ? parseOtlpProtobuf(body, { receivedAt }) : parseOtlpJson(body.toString('utf8'), { receivedAt });
}

/**
 * `POST /v1/metrics`: OTLP/HTTP metrics (https://opentelemetry.io/docs/specs/otlp/#otlphttp), protobuf
 * (`application/x-protobuf`) or JSON (`application/json`), plain or gzip. Answers, in the request's
 * encoding: 200 with an ExportMetricsServiceResponse once the points are stored, with `partial_success`
 * counting refused points; 400 with a google.rpc.Status for a body that cannot be decoded or holds
 * nothing usable (not retried by clients); 413 over the body limit; 415 for another content type or
 * encoding; 503 with Retry-After (retried) when the pipeline is full or storage is down.
 */
export async function otlpRoutes(app: FastifyInstance, opts: HttpFormatOptions): Promise<void> {
  const { metrics } = opts;
  rawBodies(app);
  app.post('/v1/metrics', { bodyLimit: opts.bodyLimitBytes }, async (req: FastifyRequest, reply: FastifyReply) => {
    const type = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== PROTOBUF && type !== JSON_TYPE) {
      metrics.requests.inc({ format: FORMAT, outcome: 'bad_content_type' });
      return reply.code(415).send(errorBody('INGEST_ERR_CONTENT_TYPE', `cannot read OTLP data sent as "${type}": use application/x-protobuf or application/json`));
    }
    const enc: Encoding = type;
    const send = (status: number, body: Buffer | object): FastifyReply => reply.code(status).type(enc).send(body);
    let result: ParseResult;
    try {
      result = parse(enc, decodeBody(req.body, req.headers['content-encoding'], opts.bodyLimitBytes), Date.now());
    } catch (err) {
      if (err instanceof HttpError) {
        metrics.requests.inc({ format: FORMAT, outcome: 'bad_request' });
        return send(err.status, statusBody(enc, RPC.INVALID_ARGUMENT, err.code, err.message, err.where));
      }
      if (!(err instanceof ParseError)) throw err;
      metrics.requests.inc({ format: FORMAT, outcome: 'bad_request' });
      metrics.rejected.inc({ format: FORMAT, reason: err.code });
      return send(400, statusBody(enc, RPC.INVALID_ARGUMENT, 'PARSE_ERR_BODY', err.message, { code: err.code, offset: err.offset }));
    }
    const stored = await storeParsed(opts.sink, metrics, FORMAT, result);
    if (stored.kind === 'unavailable') {
      reply.header('retry-after', String(stored.error.retryAfterSeconds));
      return send(503, statusBody(enc, RPC.UNAVAILABLE, stored.error.code, stored.error.message));
    }
    if (stored.kind === 'nothing_valid') {
      const first = stored.rejected[0];
      return send(400, statusBody(enc, RPC.INVALID_ARGUMENT, 'INGEST_ERR_NOTHING_VALID', `cannot store anything of the request: ${first.message}`, { rejected: rejectedValues(stored.rejected) }));
    }
    return send(200, exportResponse(enc, stored.rejected));
  });
}
