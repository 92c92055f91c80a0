import type { MetricKind, MetricRecord } from '../../lib/record.ts';
import { seriesIdOfKey, seriesKey } from '../../lib/series-id.ts';

/** What the writer remembers of one series between batches. */
export interface SeriesState {
  /** Decimal series id. */
  readonly id: string;
  /** The metric name escaped for TabSeparated, with the id: `metric\tid\t`. */
  readonly rowPrefix: string;
  kind: MetricKind;
  interval: number;
  /** Last exact value and time, for rates of non-gauge kinds. */
  lastRaw: bigint | undefined;
  lastTs: number;
  /** Hour (ms) in which the series row was last written, -1 when never. */
  writtenHour: number;
}

/** Escapes a string for a ClickHouse TabSeparated field. */
export function escapeTsv(s: string): string {
  return /[\t\n\\\r]/.test(s) ? s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r') : s;
}

/**
 * Bounded map from series key to its state. When full, the least recently inserted series is
 * forgotten (its next rate is unknown, and its series row is written again): memory stays bounded
 * whatever the cardinality of the input.
 */
export class SeriesCache {
  readonly #map = new Map<string, SeriesState>();
  constructor(readonly capacity: number) {}

  get size(): number {
    return this.#map.size;
  }

  /** The state of the record's series, created when new. */
  stateOf(r: MetricRecord): SeriesState {
    const key = seriesKey(r.metric, r.host, r.labels);
    let s = this.#map.get(key);
    if (s === undefined) {
      if (this.#map.size >= this.capacity) {
        const oldest = this.#map.keys().next().value;
        if (oldest !== undefined) this.#map.delete(oldest);
      }
      const id = seriesIdOfKey(key);
      s = { id, rowPrefix: `${escapeTsv(r.metric)}\t${id}\t`, kind: r.kind, interval: r.interval, lastRaw: undefined, lastTs: -Infinity, writtenHour: -1 };
      this.#map.set(key, s);
    }
    return s;
  }
}
