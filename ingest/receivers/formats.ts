// What the receivers of the application push formats get from the process (ingest/app.ts wires them).
import type { IngestMetrics } from '../metrics.ts';
import type { RecordSink } from '../writer/sink.ts';

/** Options of an HTTP push format's route plugin (InfluxDB, remote write, OpenTSDB, OTLP). */
export interface HttpFormatOptions {
  readonly sink: RecordSink;
  readonly metrics: IngestMetrics;
  /** Largest body accepted, before and after decompression (ingest.bodyLimitBytes). */
  readonly bodyLimitBytes: number;
  readonly log: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
}

/** A socket listener (Graphite TCP or UDP, StatsD UDP). */
export interface SocketListener {
  /** Binds; resolves with the port (useful when 0 was asked for). */
  start(): Promise<number>;
  /** Stops accepting, hands over or stores what was accepted, closes. */
  stop(): Promise<void>;
}

/** What a socket listener factory gets. */
export interface SocketListenerDeps {
  readonly sink: RecordSink;
  readonly metrics: IngestMetrics;
  readonly log: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
}
