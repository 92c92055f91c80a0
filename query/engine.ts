// Runs a query: parse, read the catalog, compile to one statement, check its cost, run it, and add the
// few numbers only JavaScript computes (./compile/post.ts).
import type { Storage } from '../lib/clickhouse/client.ts';
import { loadCatalog } from './catalog.ts';
import { apiType, compile, type CompiledQuery } from './compile/compiler.ts';
import { applyPost } from './compile/post.ts';
import type { Query } from './lang/ast.ts';
import { QueryError } from './lang/errors.ts';
import { parseQuery } from './lang/parser.ts';
import { DEFAULT_LIMITS, type ExplainResult, type QueryLimits, type QueryOptions, type QueryResult } from './result.ts';

export interface EngineOptions extends QueryOptions {
  /** Retention of raw samples, days (ranges older than this read rollups). */
  readonly samplesDays?: number;
}

/** Metric names every pipeline of a query names. */
function metricPatterns(q: Query): string[] {
  const out: string[] = [];
  for (const p of [...q.bindings.map((b) => b.pipeline), q.pipeline]) {
    if (p.source.kind === 'metric') out.push(...p.source.metrics.map((m) => m.name));
  }
  return out;
}

/** Parses and compiles a query against what storage holds now. */
export async function prepare(storage: Storage, text: string, opts: EngineOptions = {}): Promise<{ query: Query; compiled: CompiledQuery; limits: QueryLimits }> {
  const query = parseQuery(text);
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const catalog = await loadCatalog(storage, metricPatterns(query), opts.samplesDays ?? 30);
  const compiled = compile(query, catalog, storage.database, { now: opts.now ?? Date.now(), maxResultRows: limits.maxResultRows });
  return { query, compiled, limits };
}

/** Settings that make the engine itself stop a query beyond the limits, with an error, never a partial result. */
function guardSettings(limits: QueryLimits): Record<string, string | number> {
  return {
    max_rows_to_read: limits.maxRowsToRead,
    read_overflow_mode: 'throw',
    max_execution_time: limits.maxExecutionSeconds,
    timeout_overflow_mode: 'throw',
    max_memory_usage: limits.maxMemoryBytes,
    readonly: 2,
    // Rows of a left join without a partner get null, not 0 or empty text.
    join_use_nulls: 1,
  };
}

interface EstimateRow {
  database: string;
  table: string;
  parts: string | number;
  rows: string | number;
  marks: string | number;
}

async function estimate(storage: Storage, c: CompiledQuery): Promise<ExplainResult['estimate']> {
  const rows = await storage.query<EstimateRow>(`EXPLAIN ESTIMATE ${c.sql}`, c.params);
  return rows.map((r) => ({ table: r.table, parts: Number(r.parts), rows: Number(r.rows), marks: Number(r.marks) }));
}

function tooCostly(c: CompiledQuery, rows: number, limits: QueryLimits): QueryError {
  const days = c.range ? ((c.range.to - c.range.from) / 86_400_000).toFixed(1) : undefined;
  return new QueryError(
    'QUERY_ERR_TOO_COSTLY',
    `the query would read about ${rows.toLocaleString('en-US')} rows${days ? ` over ${days} days` : ''}, more than the limit of ${limits.maxRowsToRead.toLocaleString('en-US')}`,
    {
      hint:
        c.range && c.range.to - c.range.from > 86_400_000
          ? 'shorten the range, filter hosts or labels in the source, or aggregate with "stats every 1h" so rollups can answer'
          : 'shorten the range, or filter hosts or labels in the source',
    },
  );
}

/** Maps an engine error to a query error the user can act on. */
function runtimeError(err: Error, c: CompiledQuery, limits: QueryLimits): QueryError {
  const msg = err.message;
  if (/TOO_MANY_ROWS|Limit for rows|code: 158/i.test(msg)) return tooCostly(c, limits.maxRowsToRead + 1, limits);
  if (/TIMEOUT_EXCEEDED|Timeout exceeded|code: 159/i.test(msg)) {
    return new QueryError('QUERY_ERR_TOO_COSTLY', `the query ran longer than ${limits.maxExecutionSeconds} s and was stopped`, { hint: 'shorten the range or aggregate with coarser buckets' });
  }
  if (/MEMORY_LIMIT_EXCEEDED|Memory limit|code: 241/i.test(msg)) {
    return new QueryError('QUERY_ERR_TOO_COSTLY', 'the query needs more memory than allowed', { hint: 'use fewer "by" keys or coarser buckets' });
  }
  return new QueryError('QUERY_ERR_RUNTIME', `the engine could not run the query: ${msg.split('\n')[0].slice(0, 500)}`);
}

/** Runs a compiled query: pre-flight estimate, the statement under the guard, then the JS post-steps. */
export async function execute(storage: Storage, c: CompiledQuery, limits: QueryLimits): Promise<QueryResult> {
  const t0 = performance.now();
  let est: ExplainResult['estimate'];
  try {
    est = await estimate(storage, c);
  } catch (err) {
    throw runtimeError(err as Error, c, limits);
  }
  const rowsToRead = est.reduce((n, e) => n + e.rows, 0);
  if (rowsToRead > limits.maxRowsToRead) throw tooCostly(c, rowsToRead, limits);
  let raw: Record<string, unknown>[];
  try {
    raw = await storage.query<Record<string, unknown>>(c.sql, c.params, guardSettings(limits));
  } catch (err) {
    throw runtimeError(err as Error, c, limits);
  }
  if (raw.length > limits.maxResultRows) {
    throw new QueryError('QUERY_ERR_TOO_COSTLY', `the result has more than ${limits.maxResultRows.toLocaleString('en-US')} rows`, {
      hint: 'aggregate with "stats", keep the largest with "top", or cut with "head"',
    });
  }
  const post = applyPost(c, raw);
  return {
    columns: post.columns.map((col) => ({ name: col.name, type: apiType(col.type) })),
    rows: post.rows,
    view: c.view,
    warnings: [...c.warnings, ...post.warnings],
    ...(post.details ? { details: post.details } : {}),
    sql: c.sql,
    params: c.params,
    source: c.source,
    elapsedMs: Math.round((performance.now() - t0) * 10) / 10,
  };
}

/** Parses, compiles and runs a query. */
export async function runQuery(storage: Storage, text: string, opts: EngineOptions = {}): Promise<QueryResult> {
  const { compiled, limits } = await prepare(storage, text, opts);
  return execute(storage, compiled, limits);
}

/** What a query would do: its SQL, parameters, the engine's estimate, and where each stage runs. */
export async function explainQuery(storage: Storage, text: string, opts: EngineOptions = {}): Promise<ExplainResult> {
  const { compiled, limits } = await prepare(storage, text, opts);
  let est: ExplainResult['estimate'];
  try {
    est = await estimate(storage, compiled);
  } catch (err) {
    throw runtimeError(err as Error, compiled, limits);
  }
  const rows = est.reduce((n, e) => n + e.rows, 0);
  const warnings = [...compiled.warnings];
  if (rows > limits.maxRowsToRead) warnings.push(tooCostly(compiled, rows, limits).message);
  return {
    sql: compiled.sql,
    params: compiled.params,
    estimate: est,
    stages: compiled.stages,
    source: compiled.source,
    limits: { ...limits },
    warnings,
  };
}
