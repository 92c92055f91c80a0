// The Graphite TCP listener's own logic over real loopback sockets, with a fake sink: framing across
// reads and connections, back-pressure while the sink is slow, retry of the same batch on a full
// pipeline, and what stop() stores or counts.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createRegistry, type Registry } from '../../lib/metrics.ts';
import type { EventRecord, MetricRecord } from '../../lib/record.ts';
import { createIngestMetrics } from '../metrics.ts';
import { OverloadedError, StorageUnavailableError, type RecordSink, type WriteOutcome } from '../writer/sink.ts';
import type { SocketListener } from './formats.ts';
import { createGraphiteTcpListener, type GraphiteTcpTuning } from './graphite.ts';

const log = { warn() {}, info() {} };
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const until = async (cond: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(5);
  }
};

/** Every write call's records, in order; `gate` (when set) is awaited before a write resolves. */
function recordingSink(behaviour: (call: number) => Promise<void> | void = () => {}) {
  const calls: MetricRecord[][] = [];
  const stored: MetricRecord[][] = [];
  const sink: RecordSink = {
    async write(records: MetricRecord[], _events: EventRecord[], format: string): Promise<WriteOutcome> {
      expect(format).toBe('graphite');
      calls.push(records);
      await behaviour(calls.length);
      stored.push(records);
      return { accepted: records.length, rejected: [] };
    },
  };
  return { sink, calls, stored, storedRecords: () => stored.flat() };
}

async function start(sink: RecordSink, tuning: GraphiteTcpTuning) {
  const registry = createRegistry();
  const metrics = createIngestMetrics(registry);
  const listener: SocketListener = createGraphiteTcpListener({ host: '127.0.0.1', port: 0 }, { sink, metrics, log }, tuning);
  const port = await listener.start();
  let stopped = false;
  cleanups.push(async () => {
    if (!stopped) await listener.stop();
  });
  const stop = async () => {
    stopped = true;
    await listener.stop();
  };
  return { port, metrics, registry, stop };
}

async function connect(port: number): Promise<net.Socket> {
  const s = net.connect(port, '127.0.0.1');
  s.on('error', () => {}); // the listener resets connections on stop
  await new Promise<void>((res, rej) => s.once('connect', res).once('error', rej));
  cleanups.push(async () => void s.destroy());
  return s;
}

const write = (s: net.Socket, text: string | Buffer) => new Promise<void>((res, rej) => s.write(text, (err) => (err ? rej(err) : res())));
const end = (s: net.Socket) => new Promise<void>((res) => s.end(res));

/** Sum of fleetscope_ingest_values_dropped_total over every label set, from the rendered registry. */
function droppedTotal(registry: Registry): number {
  return registry
    .render()
    .split('\n')
    .filter((l) => l.startsWith('fleetscope_ingest_values_dropped_total'))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

const key = (r: MetricRecord) => `${r.metric}=${r.value}@${r.ts}`;

describe('createGraphiteTcpListener', () => {
  it('hands every line, split across writes and connections, to the sink exactly once', async () => {
    const fake = recordingSink();
    const { port, registry } = await start(fake.sink, { batchLines: 7, batchMs: 20 });
    const CONNECTIONS = 4;
    const LINES = 25;
    const expected: string[] = [];
    const clients = await Promise.all(Array.from({ length: CONNECTIONS }, () => connect(port)));
    const texts = clients.map((_, c) => {
      let text = '';
      for (let i = 0; i < LINES; i++) {
        // \r\n on some lines, and a tagged path now and then; the last line has no newline (the sender closes).
        const eol = i === LINES - 1 ? '' : i % 3 === 0 ? '\r\n' : '\n';
        const path = i % 5 === 0 ? `conn${c}.line${i};host=web-${c};dc=eu` : `conn${c}.line${i}`;
        text += `${path} ${c * 1000 + i} ${1_700_000_000 + i}${eol}`;
        expected.push(`conn${c}.line${i}=${c * 1000 + i}@${(1_700_000_000 + i) * 1000}`);
      }
      return Buffer.from(text);
    });
    // Interleave the connections, each cut into pieces of 1..13 bytes: lines and even "\r\n" are split.
    const offsets = texts.map(() => 0);
    for (let step = 0; offsets.some((o, c) => o < texts[c].length); step++) {
      for (let c = 0; c < CONNECTIONS; c++) {
        if (offsets[c] >= texts[c].length) continue;
        const n = 1 + ((step * 7 + c * 3) % 13);
        await write(clients[c], texts[c].subarray(offsets[c], offsets[c] + n));
        offsets[c] += n;
      }
      if (step % 10 === 0) await sleep(2); // let reads happen between pieces
    }
    await Promise.all(clients.map(end));
    await until(() => fake.storedRecords().length >= expected.length);
    await sleep(100); // nothing more comes
    const got = fake.storedRecords().map(key);
    expect(got.length).toBe(expected.length);
    expect(new Set(got).size).toBe(got.length);
    expect(got.sort()).toEqual([...expected].sort());
    const tagged = fake.storedRecords().find((r) => r.metric === 'conn2.line5');
    expect(tagged).toMatchObject({ host: 'web-2', labels: { dc: 'eu' }, kind: 'gauge' });
    expect(fake.calls.length).toBe(fake.stored.length);
    expect(droppedTotal(registry)).toBe(0);
  });

  it('pauses the socket while the sink is slow: the sender backs up and the listener reads no more', async () => {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const fake = recordingSink(() => released);
    const batchLines = 500;
    const { port, registry } = await start(fake.sink, { batchLines, batchMs: 10 });
    const client = await connect(port);

    const LINE = 100;
    const line = (i: number) => `fleet.host${String(i % 250).padStart(4, '0')}.cpu.user ${i} 1700000000`.padEnd(LINE - 1, ' ') + '\n';
    const CHUNK_LINES = 10_000; // 1 MB per write
    let sentLines = 0;
    const nextChunk = () => {
      let text = '';
      for (let i = 0; i < CHUNK_LINES; i++) text += line(sentLines + i);
      sentLines += CHUNK_LINES;
      return text;
    };

    // Write 1 MB at a time until 4 MB wait in the client's own buffer: the kernel's buffers on both
    // sides are full, so the listener has stopped reading.
    const BACKLOG = 4 << 20;
    while (client.writableLength < BACKLOG) {
      if (sentLines * LINE > 256 << 20) throw new Error('256 MB were taken without back-pressure');
      client.write(nextChunk());
      if (client.writableLength < BACKLOG) await sleep(5);
    }
    await until(() => fake.calls.length === 1);
    expect(fake.stored.length).toBe(0);

    // Nothing moves while the write is pending: the client's backlog does not drain, no other batch is written.
    await sleep(100); // the kernel's buffers settle
    const backlog = client.writableLength;
    await sleep(300);
    expect(client.writableLength).toBe(backlog);
    expect(fake.calls.length).toBe(1);
    expect(fake.calls[0].length).toBeLessThanOrEqual(batchLines + Math.ceil(65536 / LINE));

    release();
    await end(client);
    await until(() => fake.storedRecords().length >= sentLines, 60_000);
    expect(client.writableLength).toBe(0);
    const values = fake.storedRecords().map((r) => r.value);
    expect(values.length).toBe(sentLines);
    expect(values.every((v, i) => v === i)).toBe(true); // in order, once each
    // Bounded memory: a batch never holds more than batchLines plus the lines of one socket read (64 KiB).
    const biggest = Math.max(...fake.calls.map((c) => c.length));
    expect(biggest).toBeLessThanOrEqual(batchLines + Math.ceil(65536 / LINE));
    expect(droppedTotal(registry)).toBe(0);
  }, 90_000);

  it.each([
    ['OverloadedError', () => new OverloadedError(0.001)],
    ['StorageUnavailableError', () => new StorageUnavailableError('storage down', 0.001)],
  ])('writes the same batch again after %s twice, without loss or duplicate', async (_name, error) => {
    const fake = recordingSink((call) => {
      if (call <= 2) throw error();
    });
    const { port, metrics, registry } = await start(fake.sink, { batchLines: 1000, batchMs: 10, maxRetryMs: 20 });
    const client = await connect(port);
    const lines = Array.from({ length: 50 }, (_, i) => `retry.m${i} ${i} 1700000000`);
    await write(client, `${lines.join('\n')}\n`);
    await until(() => fake.stored.length === 1);
    await end(client);
    await sleep(100);
    expect(fake.calls.length).toBe(3);
    // The same records, in the same order, all three times; stored once.
    const keys = fake.calls.map((c) => c.map(key));
    expect(keys[0]).toHaveLength(50);
    expect(keys[1]).toEqual(keys[0]);
    expect(keys[2]).toEqual(keys[0]);
    expect(fake.stored).toHaveLength(1);
    expect(fake.storedRecords().map((r) => r.value)).toEqual(lines.map((_, i) => i));
    expect(droppedTotal(registry)).toBe(0);
    expect(metrics.dropped.get({ format: 'graphite', reason: 'overload' })).toBe(0);
    expect(metrics.requests.get({ format: 'graphite', outcome: 'ok' })).toBe(1);
  });

  it('on stop, also stores the lines that were buffered in the paused socket while a batch was written', async () => {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const fake = recordingSink((call) => (call === 1 ? released : undefined));
    const { port, registry, stop } = await start(fake.sink, { batchLines: 2, batchMs: 60_000 });
    const client = await connect(port);
    await write(client, 'a 1 1700000000\nb 2 1700000000\n');
    await until(() => fake.calls.length === 1);
    // The socket is paused while a and b are written: these lines wait in its read buffer.
    await write(client, 'c 3 1700000000\nd 4 1700000000\ne 5 1700000000\n');
    await sleep(50);
    const stopping = stop();
    await sleep(20);
    release();
    await stopping;
    expect(fake.storedRecords().map((r) => r.metric)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(droppedTotal(registry)).toBe(0);
  });

  it('stores the lines already read on stop and counts a cut last line as incomplete_line', async () => {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    // The first batch is still being written when stop() is called: stop waits for it.
    const fake = recordingSink((call) => (call === 1 ? released : undefined));
    const { port, metrics, registry, stop } = await start(fake.sink, { batchLines: 2, batchMs: 60_000 });
    const client = await connect(port);
    const closed = new Promise<void>((r) => client.once('close', () => r()));
    // a and b fill a batch (written at once); c waits for more lines or the 60 s timer; "partial" has no end.
    await write(client, 'a 1 1700000000\nb 2 1700000000\nc 3 1700000000\npartial 4 17000');
    await until(() => fake.calls.length === 1);
    await sleep(50); // the rest of the bytes, if they came in a second read
    expect(fake.stored).toHaveLength(0);

    const stopping = stop();
    await sleep(20);
    release();
    await stopping;
    expect(fake.storedRecords().map((r) => [r.metric, r.value])).toEqual([
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ]);
    expect(metrics.dropped.get({ format: 'graphite', reason: 'incomplete_line' })).toBe(1);
    expect(droppedTotal(registry)).toBe(1);
    await closed; // the listener closed the connection
    // A stopped listener accepts nothing more.
    await expect(
      new Promise<void>((res, rej) => {
        const s = net.connect(port, '127.0.0.1');
        s.once('connect', () => {
          s.destroy();
          res();
        });
        s.once('error', rej);
      }),
    ).rejects.toThrow(/ECONNREFUSED/);
  });
});
