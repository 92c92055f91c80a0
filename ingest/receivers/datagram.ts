// The handler of a UDP listener of any format: parse the datagram, count, hand to the sink. UDP has no
// answer channel, so everything refused or lost is counted in fleetscope_ingest_values_dropped_total
// (and logged at most once per reason every 10 s), never silently discarded.
import type { IngestMetrics } from '../metrics.ts';
import { ParseError, type ParseResult } from '../parsers/types.ts';
import type { RecordSink } from '../writer/sink.ts';

export interface DatagramHandlerOptions {
  /** The `format` label: collectd_binary, graphite, statsd, … */
  readonly format: string;
  /** Parses one datagram; may throw {@link ParseError} when the whole datagram is unusable. */
  readonly parse: (msg: Buffer) => ParseResult;
  readonly sink: RecordSink;
  readonly metrics: IngestMetrics;
  /** Label for logs, such as the listener's address. */
  readonly listener: string;
  readonly log?: { warn(obj: object, msg: string): void };
}

const LOG_EVERY_MS = 10_000;

export function createDatagramHandler(opts: DatagramHandlerOptions): (msg: Buffer, from: string) => void {
  const { metrics, format } = opts;
  const lastLog = new Map<string, number>();

  function note(reason: string, n: number, detail: object): void {
    metrics.dropped.inc({ format, reason }, n);
    const t = Date.now();
    if ((lastLog.get(reason) ?? 0) + LOG_EVERY_MS < t) {
      lastLog.set(reason, t);
      opts.log?.warn({ listener: opts.listener, format, reason, ...detail }, 'datagram refused in part or whole');
    }
  }

  return (msg, from) => {
    let result: ParseResult;
    try {
      result = opts.parse(msg);
    } catch (err) {
      metrics.requests.inc({ format, outcome: 'bad_datagram' });
      if (err instanceof ParseError) note(err.code, 1, { from, message: err.message, offset: err.offset });
      else note('internal', 1, { from, message: String(err) });
      return;
    }
    for (const r of result.rejected) note(r.code, r.values ?? 1, { from, message: r.message, offset: r.offset, line: r.line });
    const taken = result.records.length + result.events.length;
    metrics.requests.inc({ format, outcome: result.rejected.length === 0 ? 'ok' : taken > 0 ? 'partial' : 'rejected' });
    if (taken === 0) return;
    opts.sink.write(result.records, result.events, format).then(
      (outcome) => {
        for (const r of outcome.rejected) note(r.code, r.values ?? 1, { from, message: r.message });
      },
      (err: Error & { code?: string }) => {
        note(err.code === 'INGEST_ERR_OVERLOADED' ? 'overload' : err.code === 'INGEST_ERR_QUEUE' ? 'queue' : 'storage', result.records.length, { from, message: err.message });
      },
    );
  };
}
