// What every receiver does with a parse result: count rejections, hand the records to the sink, and
// classify what happened so the receiver can answer in its own protocol's terms (collectd's JSON
// answer, InfluxDB's 204, remote write's retryable 5xx, OTLP's partial success, …).
import type { IngestMetrics } from '../metrics.ts';
import type { ParseResult, Rejection } from '../parsers/types.ts';
import { OverloadedError, UnavailableError, type RecordSink } from '../writer/sink.ts';

/** What became of one request's parse result. */
export type StoreOutcome =
  /** Stored (all of it, or the valid part: `rejected` lists the rest). */
  | { readonly kind: 'stored'; readonly accepted: number; readonly events: number; readonly rejected: readonly Rejection[] }
  /** The request held items and none was usable: a client error, not worth retrying. */
  | { readonly kind: 'nothing_valid'; readonly rejected: readonly Rejection[] }
  /** The pipeline is full or a dependency is down: nothing was acknowledged, retry after a while. */
  | { readonly kind: 'unavailable'; readonly error: OverloadedError | UnavailableError };

/** Number of values a list of rejections stands for. */
export function rejectedValues(rejected: readonly Rejection[]): number {
  return rejected.reduce((n, r) => n + (r.values ?? 1), 0);
}

/** Where a rejection is, as the `where` of an error body. */
export function rejectionWhere(r: Rejection): Record<string, unknown> {
  const w: Record<string, unknown> = {};
  if (r.index !== undefined) w.index = r.index;
  if (r.line !== undefined) w.line = r.line;
  if (r.offset !== undefined) w.offset = r.offset;
  return w;
}

/** The first `n` rejections as `{code, message, where…}` objects for an answer body. */
export function listRejections(rejected: readonly Rejection[], n = 20): Record<string, unknown>[] {
  return rejected.slice(0, n).map((r) => ({ code: r.code, message: r.message, ...rejectionWhere(r) }));
}

/**
 * Stores a parse result of `format` through the sink and counts it in the ingest metrics (rejections
 * by reason, the request by outcome). An empty request (nothing parsed, nothing refused) is stored as
 * nothing. Errors other than overload and unavailability propagate.
 */
export async function storeParsed(sink: RecordSink, metrics: IngestMetrics, format: string, result: ParseResult): Promise<StoreOutcome> {
  for (const r of result.rejected) metrics.rejected.inc({ format, reason: r.code }, r.values ?? 1);
  if (result.records.length === 0 && result.events.length === 0 && result.rejected.length > 0) {
    metrics.requests.inc({ format, outcome: 'bad_request' });
    return { kind: 'nothing_valid', rejected: result.rejected };
  }
  try {
    const outcome = await sink.write(result.records, result.events, format);
    for (const r of outcome.rejected) metrics.rejected.inc({ format, reason: r.code }, r.values ?? 1);
    const rejected = [...result.rejected, ...outcome.rejected];
    metrics.requests.inc({ format, outcome: rejected.length > 0 ? 'partial' : 'ok' });
    return { kind: 'stored', accepted: outcome.accepted, events: result.events.length, rejected };
  } catch (err) {
    if (err instanceof OverloadedError || err instanceof UnavailableError) {
      metrics.requests.inc({ format, outcome: 'unavailable' });
      const reason = err instanceof OverloadedError ? 'overload' : err.code === 'INGEST_ERR_QUEUE' ? 'queue' : 'storage';
      metrics.rejected.inc({ format, reason }, result.records.length);
      return { kind: 'unavailable', error: err };
    }
    throw err;
  }
}
