// StatsD over UDP: each datagram is parsed and fed to the aggregator; a timer ends an interval every
// flushIntervalMs and hands its records to the sink. UDP has no answer channel: refused lines, keys
// over the cap and records that could not be stored are counted in metrics.dropped{format="statsd"}.
import type { MetricRecord } from '../../lib/record.ts';
import type { FormatsConfig } from '../config.ts';
import { parseStatsd } from '../parsers/statsd/parse.ts';
import type { SocketListener, SocketListenerDeps } from './formats.ts';
import { createStatsdAggregator, type StatsdAggregator } from './statsd-aggregate.ts';
import { createUdpReceiver } from './udp.ts';

const FORMAT = 'statsd';
const LOG_EVERY_MS = 10_000;
/** Intervals of records kept for a retry while the sink refuses them; older ones are dropped. */
export const MAX_RETAINED_INTERVALS = 5;

/** Test seams of {@link createStatsdListener}. */
export interface StatsdListenerHooks {
  readonly now?: () => number;
  /** Replaces the aggregator (tests). */
  readonly aggregator?: StatsdAggregator;
}

function reasonOf(err: unknown): string {
  const code = (err as { code?: string } | undefined)?.code;
  return code === 'INGEST_ERR_OVERLOADED' ? 'overload' : code === 'INGEST_ERR_QUEUE' ? 'queue' : 'storage';
}

/**
 * Creates the StatsD listener. `start` binds and starts the flush timer; `stop` closes the socket (no
 * datagram arrives after the last flush), flushes the last interval, tries once more to store what is
 * retained, counts what is still not stored as dropped, and resolves.
 *
 * When the sink refuses a flush (overloaded, storage or Kafka down), its records are kept and sent
 * again, oldest first, at the next flushes; at most {@link MAX_RETAINED_INTERVALS} intervals are kept,
 * and the records of older ones are counted as dropped with the reason `overload`, `queue` or `storage`.
 */
export function createStatsdListener(
  cfg: FormatsConfig['statsd'] & { udp: { host: string; port: number } },
  deps: SocketListenerDeps,
  hooks: StatsdListenerHooks = {},
): SocketListener {
  const { metrics } = deps;
  const now = hooks.now ?? Date.now;
  const aggregator = hooks.aggregator ?? createStatsdAggregator({ flushIntervalMs: cfg.flushIntervalMs, percentiles: cfg.percentiles, host: cfg.host, now });
  const lastLog = new Map<string, number>();
  /** Records of intervals not stored yet, oldest first. */
  const retained: MetricRecord[][] = [];
  let lastError: unknown;
  let writing: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;

  function drop(reason: string, n: number, detail: object): void {
    if (n === 0) return;
    metrics.dropped.inc({ format: FORMAT, reason }, n);
    const t = Date.now();
    if ((lastLog.get(reason) ?? 0) + LOG_EVERY_MS < t) {
      lastLog.set(reason, t);
      deps.log.warn({ listener: `${cfg.udp.host}:${cfg.udp.port}`, format: FORMAT, reason, ...detail }, 'StatsD values dropped');
    }
  }

  const receiver = createUdpReceiver({ host: cfg.udp.host, port: cfg.udp.port }, (msg, from) => {
    const { samples, rejected } = parseStatsd(msg);
    for (const r of rejected) drop(r.code, r.values ?? 1, { from, message: r.message, line: r.line });
    metrics.requests.inc({ format: FORMAT, outcome: rejected.length === 0 ? 'ok' : samples.length > 0 ? 'partial' : 'rejected' });
    const refused = aggregator.add(samples, from);
    for (const [reason, n] of Object.entries(refused)) drop(reason, n, { from });
  });

  /** Writes the retained intervals, oldest first, until one is refused. */
  async function writeRetained(): Promise<void> {
    while (retained.length > 0) {
      const records = retained[0];
      try {
        const outcome = await deps.sink.write(records, [], FORMAT);
        for (const r of outcome.rejected) drop(r.code, r.values ?? 1, { message: r.message });
      } catch (err) {
        lastError = err;
        return;
      }
      retained.shift();
    }
  }

  function flushInterval(): Promise<void> {
    const records = aggregator.flush();
    if (records.length > 0) retained.push(records);
    while (retained.length > MAX_RETAINED_INTERVALS) {
      const lost = retained.shift()!;
      drop(reasonOf(lastError), lost.length, { message: `cannot store StatsD records after ${MAX_RETAINED_INTERVALS} flushes: ${String((lastError as Error)?.message)}` });
    }
    // One write at a time: a flush while the previous write is pending only queues its records.
    writing = writing.then(writeRetained);
    return writing;
  }

  return {
    async start() {
      const port = await receiver.start();
      timer = setInterval(() => void flushInterval(), cfg.flushIntervalMs);
      timer.unref();
      return port;
    },
    async stop() {
      clearInterval(timer);
      await receiver.stop();
      await flushInterval();
      const left = retained.splice(0).reduce((n, r) => n + r.length, 0);
      drop(reasonOf(lastError), left, { message: `cannot store StatsD records at shutdown: ${String((lastError as Error)?.message)}` });
    },
  };
}
