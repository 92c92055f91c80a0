// HTTP interface of the query language: run, explain, and live queries streamed as server-sent events.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { Storage } from '../lib/clickhouse/client.ts';
import { HTTP_ERRORS, HttpError } from '../lib/http-errors.ts';
import { eventStreams } from '../lib/sse.ts';
import { execute, explainQuery, prepare } from './engine.ts';
import { QueryError } from './lang/errors.ts';
import type { QueryLimits, QueryResult } from './result.ts';

export interface QueryApiOptions {
  readonly storage: Storage;
  readonly samplesDays: number;
  readonly limits?: Partial<QueryLimits>;
  /** Live queries open at once, over all clients. */
  readonly maxLiveQueries?: number;
  readonly now?: () => number;
}

const MAX_QUERY_BYTES = 64 * 1024;

const bodySchema = z.object({
  query: z.string().min(1, 'the query is empty').max(MAX_QUERY_BYTES, `a query is at most ${MAX_QUERY_BYTES} bytes`),
  now: z.union([z.number().int(), z.string()]).optional(),
});

function readBody(body: unknown): { query: string; now: number | undefined } {
  const parsed = bodySchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new HttpError('API_ERR_BAD_PARAM', `cannot read the request: ${issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''}${issue.message}; send {"query": "metric \\"…\\" last 1h | …"}`, {
      field: issue.path.join('.') || 'body',
    });
  }
  const raw = parsed.data.now;
  const now = raw === undefined ? undefined : typeof raw === 'number' ? raw : /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (now !== undefined && !Number.isFinite(now)) throw new HttpError('API_ERR_BAD_PARAM', 'cannot read "now": use epoch milliseconds or ISO 8601', { field: 'now' });
  return { query: parsed.data.query, now };
}

function sendQueryError(reply: FastifyReply, err: QueryError, text: string) {
  const body = err.toJSON(text);
  const { code, message, ...where } = body;
  return reply.code(HTTP_ERRORS[err.code]).send({ error: { code, message, where } });
}

/**
 * What changed from answer `a` to answer `b`, keyed by every non-numeric column: rows that are new or
 * changed, and the keys of rows that are gone (they left the window).
 */
export function diffRows(a: QueryResult | undefined, b: QueryResult): { rows: unknown[][]; removed: unknown[][] } {
  const keyIdx = b.columns.map((c, i) => (c.type === 'number' ? -1 : i)).filter((i) => i >= 0);
  const keyOf = (r: readonly unknown[]) => keyIdx.map((i) => r[i]);
  const before = new Map<string, { row: string; key: unknown[] }>();
  for (const r of a?.rows ?? []) before.set(JSON.stringify(keyOf(r)), { row: JSON.stringify(r), key: keyOf(r) });
  const rows: unknown[][] = [];
  const seen = new Set<string>();
  for (const r of b.rows) {
    const k = JSON.stringify(keyOf(r));
    seen.add(k);
    if (before.get(k)?.row !== JSON.stringify(r)) rows.push(r as unknown[]);
  }
  const removed = [...before].filter(([k]) => !seen.has(k)).map(([, v]) => v.key);
  return { rows, removed };
}

/** Routes `POST /api/v1/query`, `POST /api/v1/query/explain` and `GET /api/v1/query/live`. */
export async function queryApiRoutes(app: FastifyInstance, opts: QueryApiOptions): Promise<void> {
  const clock = opts.now ?? Date.now;
  const maxLive = opts.maxLiveQueries ?? 50;
  let live = 0;
  const openStream = eventStreams(app);
  const engine = (now: number | undefined) => ({ now: now ?? clock(), samplesDays: opts.samplesDays, limits: opts.limits });

  app.post('/api/v1/query', async (req, reply) => {
    const { query, now } = readBody(req.body);
    try {
      const { query: ast, compiled, limits } = await prepare(opts.storage, query, engine(now));
      if (ast.explain) return await explainQuery(opts.storage, query, engine(now));
      return await execute(opts.storage, compiled, limits);
    } catch (err) {
      if (err instanceof QueryError) return sendQueryError(reply, err, query);
      throw err;
    }
  });

  app.post('/api/v1/query/explain', async (req, reply) => {
    const { query, now } = readBody(req.body);
    try {
      return await explainQuery(opts.storage, query, engine(now));
    } catch (err) {
      if (err instanceof QueryError) return sendQueryError(reply, err, query);
      throw err;
    }
  });

  app.get('/api/v1/query/live', async (req, reply) => {
    const q = req.query as Record<string, string | undefined>;
    const text = q.query ?? '';
    if (text.length === 0 || text.length > MAX_QUERY_BYTES) throw new HttpError('API_ERR_BAD_PARAM', `parameter query must hold a query of 1 to ${MAX_QUERY_BYTES} bytes`, { param: 'query' });
    const every = q.interval === undefined ? undefined : Number(q.interval);
    if (every !== undefined && !(every >= 1000 && every <= 3_600_000)) throw new HttpError('API_ERR_BAD_PARAM', 'parameter interval is milliseconds between updates, 1000 to 3600000', { param: 'interval' });
    let first: QueryResult;
    let tickMs: number;
    try {
      const { compiled, limits } = await prepare(opts.storage, text, engine(undefined));
      if (!compiled.live) {
        throw new QueryError('QUERY_ERR_SEMANTIC', 'a live query ends its range with "live", such as: metric "cpu.percent" last 15m live | stats every 10s avg(value) by host');
      }
      first = await execute(opts.storage, compiled, limits);
      tickMs = every ?? Math.min(10_000, Math.max(1000, compiled.bucketMs ?? 5000));
    } catch (err) {
      if (err instanceof QueryError) return sendQueryError(reply, err, text);
      throw err;
    }
    if (live >= maxLive) throw new HttpError('QUERY_ERR_TOO_MANY_LIVE', `${maxLive} live queries are open; close one first`, { limit: maxLive });
    live++;
    let prev = first;
    // Each tick runs the query again over its moving window and sends the rows that are new or changed
    // (a late sample corrects its bucket) and the keys of rows that left it.
    const stream = openStream(req, reply, {
      everyMs: tickMs,
      onEnd: () => live--,
      tick: async (s) => {
        try {
          const { compiled, limits } = await prepare(opts.storage, text, engine(undefined));
          const next = await execute(opts.storage, compiled, limits);
          const { rows, removed } = diffRows(prev, next);
          prev = next;
          s.send('update', { columns: next.columns, rows, removed, key: next.columns.filter((c) => c.type !== 'number').map((c) => c.name), at: clock() });
        } catch (err) {
          s.send('error', err instanceof QueryError ? err.toJSON(text) : { code: 'QUERY_ERR_RUNTIME', message: (err as Error).message });
        }
      },
    });
    stream.send('result', first);
  });
}
