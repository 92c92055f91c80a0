import type { IngestMetrics } from '../metrics.ts';
import { parseCollectdPacket } from '../parsers/collectd-binary/parse.ts';
import type { TypesDb } from '../parsers/collectd-common/types-db.ts';
import type { RecordSink } from '../writer/sink.ts';
import { createDatagramHandler } from './datagram.ts';

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

/** Returns the datagram handler of a collectd binary-protocol listener (see {@link createDatagramHandler}). */
export function createCollectdPacketHandler(opts: CollectdPacketOptions): (msg: Buffer, from: string) => void {
  return createDatagramHandler({
    format: 'collectd_binary',
    parse: (msg) => parseCollectdPacket(msg, { typesDb: opts.typesDb, securityLevel: opts.securityLevel, lookupUser: opts.lookupUser }),
    sink: opts.sink,
    metrics: opts.metrics,
    listener: opts.listener,
    log: opts.log,
  });
}
