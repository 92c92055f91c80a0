// Graphite plaintext listeners. TCP: lines are framed per connection, batched, and the socket is paused
// while its batch is written, so memory stays bounded and a full pipeline slows the sender down instead
// of losing its data. Neither transport has an answer channel: what is refused or lost is counted in
// fleetscope_ingest_values_dropped_total{format="graphite"} and logged at most once per reason every 10 s.
import net from 'node:net';
import { parseGraphite } from '../parsers/graphite/parse.ts';
import { createDatagramHandler } from './datagram.ts';
import type { SocketListener, SocketListenerDeps } from './formats.ts';
import { createUdpReceiver } from './udp.ts';
import { OverloadedError, UnavailableError } from '../writer/sink.ts';

const FORMAT = 'graphite';
const LOG_EVERY_MS = 10_000;

/** Tuning of the TCP listener; the defaults suit production, tests shrink them. */
export interface GraphiteTcpTuning {
  /** Longest line in bytes; a longer one is skipped up to its end and counted. @default 65536 */
  readonly maxLineBytes?: number;
  /** Lines after which a connection's batch is written at once. @default 5000 */
  readonly batchLines?: number;
  /** Longest time a read line waits before its batch is written. @default 200 */
  readonly batchMs?: number;
  /** Longest wait before a batch refused by a full pipeline is tried again. @default 5000 */
  readonly maxRetryMs?: number;
  readonly now?: () => number;
}

/** One accepted connection: its partial line, its batch, and the write in progress. */
interface Connection {
  readonly socket: net.Socket;
  readonly from: string;
  lines: string[];
  partial: Buffer[];
  partialBytes: number;
  /** Inside an over-long line: drop bytes up to the next newline. */
  skipping: boolean;
  timer: NodeJS.Timeout | undefined;
  writing: Promise<void> | undefined;
}

/**
 * Graphite plaintext over TCP (carbon's line receiver, port 2003). Each connection's lines
 * (`\n` or `\r\n`, split across reads as they may be) are batched up to `batchLines` lines or
 * `batchMs`, parsed, and handed to the sink; the socket is paused until the sink has them. When the
 * pipeline is full or storage is down, the same batch is tried again after a delay with the socket
 * still paused, so TCP flow control holds the sender back and nothing it sent is lost.
 * `stop()` stops accepting, writes what was read, and closes the connections.
 */
export function createGraphiteTcpListener(cfg: { host: string; port: number }, deps: SocketListenerDeps, tuning: GraphiteTcpTuning = {}): SocketListener {
  const maxLine = tuning.maxLineBytes ?? 64 * 1024;
  const batchLines = tuning.batchLines ?? 5000;
  const batchMs = tuning.batchMs ?? 200;
  const maxRetryMs = tuning.maxRetryMs ?? 5000;
  const now = tuning.now ?? Date.now;
  const { metrics, sink } = deps;
  const connections = new Set<Connection>();
  const lastLog = new Map<string, number>();
  const wakers = new Set<() => void>();
  let stopping = false;

  function note(reason: string, n: number, detail: object): void {
    if (n > 0) metrics.dropped.inc({ format: FORMAT, reason }, n);
    throttledLog(reason, detail, 'graphite lines refused or lost');
  }

  function throttledLog(reason: string, detail: object, msg: string): void {
    const t = Date.now();
    if ((lastLog.get(reason) ?? 0) + LOG_EVERY_MS >= t) return;
    lastLog.set(reason, t);
    deps.log.warn({ listener: `${cfg.host}:${cfg.port}`, format: FORMAT, reason, ...detail }, msg);
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      wakers.add(wake);
    });
  }

  /** Parses and stores one batch, retrying while the pipeline is full and the listener runs. */
  async function deliver(lines: string[], from: string): Promise<void> {
    const result = parseGraphite(lines.join('\n'), { receivedAt: now() });
    for (const r of result.rejected) note(r.code, r.values ?? 1, { from, message: r.message });
    const n = result.records.length;
    metrics.requests.inc({ format: FORMAT, outcome: result.rejected.length === 0 ? 'ok' : n > 0 ? 'partial' : 'rejected' });
    if (n === 0) return;
    for (;;) {
      try {
        const outcome = await sink.write(result.records, [], FORMAT);
        for (const r of outcome.rejected) note(r.code, r.values ?? 1, { from, message: r.message });
        return;
      } catch (err) {
        if (!(err instanceof OverloadedError || err instanceof UnavailableError)) {
          note('internal', n, { from, message: String(err) });
          return;
        }
        const reason = err instanceof OverloadedError ? 'overload' : err.code === 'INGEST_ERR_QUEUE' ? 'queue' : 'storage';
        if (stopping) {
          note(reason, n, { from, message: `${err.message}; shutting down` });
          return;
        }
        throttledLog(`retry_${reason}`, { from, message: err.message, values: n }, 'graphite batch not taken, connection paused, retrying');
        await sleep(Math.min(maxRetryMs, Math.max(100, err.retryAfterSeconds * 1000)));
      }
    }
  }

  function flush(c: Connection): void {
    if (c.timer !== undefined) clearTimeout(c.timer);
    c.timer = undefined;
    if (c.writing !== undefined || c.lines.length === 0) return;
    const batch = c.lines;
    c.lines = [];
    c.socket.pause();
    c.writing = deliver(batch, c.from).finally(() => {
      c.writing = undefined;
      if (stopping) return;
      if (!c.socket.destroyed) c.socket.resume();
      schedule(c);
    });
  }

  function schedule(c: Connection): void {
    if (c.lines.length >= batchLines) flush(c);
    else if (c.lines.length > 0 && c.timer === undefined && c.writing === undefined) c.timer = setTimeout(() => flush(c), batchMs);
  }

  /** Adds the bytes of `chunk[start, end)` to the partial line, or starts skipping an over-long one. */
  function keep(c: Connection, chunk: Buffer, start: number, end: number): void {
    if (c.skipping || end === start) return;
    if (c.partialBytes + end - start > maxLine) {
      note('PARSE_ERR_GRAPHITE_LINE_TOO_LONG', 1, { from: c.from, message: `cannot read a line longer than ${maxLine} bytes: skipped` });
      c.partial = [];
      c.partialBytes = 0;
      c.skipping = true;
      return;
    }
    c.partial.push(chunk.subarray(start, end));
    c.partialBytes += end - start;
  }

  function onData(c: Connection, chunk: Buffer): void {
    let start = 0;
    for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10, start)) {
      keep(c, chunk, start, nl);
      if (!c.skipping) {
        c.lines.push(c.partial.length === 1 ? c.partial[0].toString('utf8') : Buffer.concat(c.partial).toString('utf8'));
      }
      c.partial = [];
      c.partialBytes = 0;
      c.skipping = false;
      start = nl + 1;
    }
    // A copy, so that the kernel's read buffer is not kept alive by a small remainder.
    if (start < chunk.length) keep(c, Buffer.from(chunk.subarray(start)), 0, chunk.length - start);
    schedule(c);
  }

  function onEnd(c: Connection): void {
    // The sender closed: its last line is complete even without a newline.
    if (!c.skipping && c.partialBytes > 0) c.lines.push(Buffer.concat(c.partial).toString('utf8'));
    c.partial = [];
    c.partialBytes = 0;
    flush(c);
  }

  const server = net.createServer((socket) => {
    const c: Connection = { socket, from: socket.remoteAddress ?? '', lines: [], partial: [], partialBytes: 0, skipping: false, timer: undefined, writing: undefined };
    connections.add(c);
    socket.on('data', (chunk: Buffer) => onData(c, chunk));
    socket.on('end', () => onEnd(c));
    socket.on('error', () => {}); // a reset connection: 'close' follows
    socket.on('close', () => {
      // Lines read before a reset are still stored; the connection is forgotten once they are.
      flush(c);
      void (c.writing ?? Promise.resolve()).then(() => connections.delete(c));
    });
    if (stopping) socket.destroy();
  });

  return {
    start: () =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(cfg.port, cfg.host, () => {
          server.off('error', reject);
          const addr = server.address();
          resolve(typeof addr === 'object' && addr !== null ? addr.port : cfg.port);
        });
      }),
    async stop() {
      stopping = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const wake of [...wakers]) wake();
      await Promise.all(
        [...connections].map(async (c) => {
          c.socket.pause();
          // Bytes Node already read into the paused socket's buffer are lines we took: read them now
          // (each read() emits them to the 'data' handler) instead of letting destroy() drop them.
          while (c.socket.readableLength > 0 && c.socket.read() !== null);
          if (c.partialBytes > 0) note('incomplete_line', 1, { from: c.from, message: 'cannot store a line cut by shutdown' });
          c.partial = [];
          c.partialBytes = 0;
          await c.writing;
          flush(c);
          await c.writing;
          c.socket.destroy();
        }),
      );
      await closed;
    },
  };
}

/** Graphite plaintext over UDP: each datagram holds whole lines; best-effort, losses are counted. */
export function createGraphiteUdpListener(cfg: { host: string; port: number }, deps: SocketListenerDeps): SocketListener {
  const handler = createDatagramHandler({
    format: FORMAT,
    parse: (msg) => parseGraphite(msg, { receivedAt: Date.now() }),
    sink: deps.sink,
    metrics: deps.metrics,
    listener: `${cfg.host}:${cfg.port}`,
    log: deps.log,
  });
  return createUdpReceiver({ host: cfg.host, port: cfg.port }, handler);
}
