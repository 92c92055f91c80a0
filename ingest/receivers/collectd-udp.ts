import type { IngestMetrics } from '../metrics.ts';
import { parseCollectdPacket } from '../parsers/collectd-binary/parse.ts';
import type { TypesDb } from '../parsers/collectd-common/types-db.ts';
import { ParseError } from '../parsers/types.ts';
import type { RecordSink } from '../writer/sink.ts';

/** Options of {@link createCollectdPacketHandler}. */
export interface CollectdPacketOptions {
  readonly sink: RecordSink;
  readonly typesDb: TypesDb;
  readonly metrics: IngestMetrics;
  readonly securityLevel: 'none' | 'sign' | 'encrypt';
  readonly lookupUser?: (username: string) => string | undefined;
  /** Label for metrics and logs, such as the listener's address. */
  readonly listener: string;
  readonly log?: { warn(obj: object, msg: string): void };
}

const FORMAT = 'collectd_binary';
const LOG_EVERY_MS = 10_000;

/**
 * Returns the datagram handler of a collectd binary-protocol listener: parse, count, hand to the
 * sink. UDP has no answer channel, so everything refused or lost is counted (and logged at most once
 * per reason every 10 s), never silently discarded.
 */
export function createCollectdPacketHandler(opts: CollectdPacketOptions): (msg: Buffer, from: string) => void {
  const { metrics } = opts;
  const lastLog = new Map<string, number>();

  function note(reason: string, n: number, detail: object): void {
    metrics.dropped.inc({ format: FORMAT, reason }, n);
    const t = Date.now();
    if ((lastLog.get(reason) ?? 0) + LOG_EVERY_MS < t) {
      lastLog.set(reason, t);
      opts.log?.warn({ listener: opts.listener, reason, ...detail }, 'collectd datagram refused in part or whole');
    }
  }

  return (msg, from) => {
    let result;
    try {
      result = parseCollectdPacket(msg, { typesDb: opts.typesDb, securityLevel: opts.securityLevel, lookupUser: opts.lookupUser });
    } catch (err) {
      metrics.requests.inc({ format: FORMAT, outcome: 'bad_datagram' });
      if (err instanceof ParseError) note(err.code, 1, { from, message: err.message, offset: err.offset });
      else note('internal', 1, { from, message: String(err) });
      return;
    }
    for (const r of result.rejected) note(r.code, r.values ?? 1, { from, message: r.message, offset: r.offset });
    const taken = result.records.length + result.events.length;
    metrics.requests.inc({ format: FORMAT, outcome: result.rejected.length === 0 ? 'ok' : taken > 0 ? 'partial' : 'rejected' });
    if (result.records.length === 0 && result.events.length === 0) return;
    opts.sink.write(result.records, result.events, FORMAT).then(
      (outcome) => {
        for (const r of outcome.rejected) note(r.code, r.values ?? 1, { from, message: r.message });
      },
      (err: Error & { code?: string }) => {
        note(err.code === 'INGEST_ERR_OVERLOADED' ? 'overload' : err.code === 'INGEST_ERR_QUEUE' ? 'queue' : 'storage', result.records.length, { from, message: err.message });
      },
    );
  };
}
