import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { errorBody, HttpError } from '../../lib/http-errors.ts';
import { createRegistry } from '../../lib/metrics.ts';
import type { MetricRecord } from '../../lib/record.ts';
import { createIngestMetrics } from '../metrics.ts';
import { OverloadedError, type RecordSink, type WriteOutcome } from '../writer/sink.ts';
import { openTsdbRoutes } from './opentsdb-http.ts';

async function app(write: (records: MetricRecord[]) => Promise<WriteOutcome>) {
  const a = Fastify();
  a.setErrorHandler((err, _req, reply) => {
    if (err instanceof HttpError) return reply.code(err.status).send(errorBody(err.code, err.message, err.where));
    return reply.code(500).send(String(err));
  });
  const sink: RecordSink = { write: (records) => write(records) };
  await a.register(openTsdbRoutes, { sink, metrics: createIngestMetrics(createRegistry()), bodyLimitBytes: 1 << 20, log: { warn() {}, info() {} } });
  return a;
}

const T = 1795303190;
const dp = (value: unknown) => ({ metric: 'm', timestamp: T, value, tags: { host: 'h' } });
const stored = async (records: MetricRecord[]) => ({ accepted: records.length, rejected: [] });

describe('POST /api/put answers', () => {
  it('503 with Retry-After when the pipeline is full', async () => {
    const a = await app(async () => {
      throw new OverloadedError(7);
    });
    const res = await a.inject({ method: 'POST', url: '/api/put', payload: dp(1) });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('7');
    expect(res.json().error.code).toBe('INGEST_ERR_OVERLOADED');
  });

  it('408 INGEST_ERR_SYNC_TIMEOUT when storage takes longer than sync_timeout', async () => {
    const a = await app((records) => new Promise((res) => setTimeout(() => res({ accepted: records.length, rejected: [] }), 300)));
    const res = await a.inject({ method: 'POST', url: '/api/put?sync&sync_timeout=20', payload: dp(1) });
    expect(res.statusCode).toBe(408);
    expect(res.json().error.code).toBe('INGEST_ERR_SYNC_TIMEOUT');
    const ok = await a.inject({ method: 'POST', url: '/api/put?sync&sync_timeout=2000', payload: dp(1) });
    expect(ok.statusCode).toBe(204);
    const bad = await a.inject({ method: 'POST', url: '/api/put?sync_timeout=soon', payload: dp(1) });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('API_ERR_BAD_PARAM');
  });

  it('counts values the sink refuses (too old) as failed, with their error in details', async () => {
    const a = await app(async (records) => ({ accepted: records.length - 1, rejected: [{ code: 'INGEST_ERR_TOO_OLD', message: 'cannot store 1 value(s): too old', values: 1 }] }));
    const res = await a.inject({ method: 'POST', url: '/api/put?details', payload: [dp(1), dp(2), dp('x')] });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      failed: 2,
      success: 1,
      errors: [
        { datapoint: dp('x'), error: expect.stringMatching(/^cannot /), code: 'PARSE_ERR_BAD_VALUE' },
        { datapoint: null, error: 'cannot store 1 value(s): too old', code: 'INGEST_ERR_TOO_OLD', values: 1 },
      ],
    });
  });

  it('200 with summary and details when all is stored; 400 with only bad points; 415 for an unknown encoding', async () => {
    const a = await app(stored);
    const sum = await a.inject({ method: 'POST', url: '/api/put?summary&details', payload: [dp(1)] });
    expect(sum.statusCode).toBe(200);
    expect(sum.json()).toEqual({ failed: 0, success: 1, errors: [] });
    const none = await a.inject({ method: 'POST', url: '/api/put?summary', payload: [dp('x'), dp(null)] });
    expect(none.statusCode).toBe(400);
    expect(none.json()).toEqual({ failed: 2, success: 0 });
    const enc = await a.inject({ method: 'POST', url: '/api/put', payload: JSON.stringify(dp(1)), headers: { 'content-encoding': 'br' } });
    expect(enc.statusCode).toBe(415);
  });
});
