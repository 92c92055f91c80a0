import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { createRegistry } from '../../lib/metrics.ts';
import type { EventRecord, MetricRecord } from '../../lib/record.ts';
import { createIngestMetrics } from '../metrics.ts';
import { OverloadedError, type RecordSink, type WriteOutcome } from '../writer/sink.ts';
import type { SocketListener } from './formats.ts';
import { createStatsdListener, MAX_RETAINED_INTERVALS } from './statsd.ts';
import { createStatsdAggregator, type StatsdAggregator } from './statsd-aggregate.ts';

const log = { warn() {}, info() {} };
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/** A sink that refuses the first `failures` writes (overloaded), then stores. */
function fakeSink(failures: number) {
  const written: MetricRecord[][] = [];
  let calls = 0;
  const sink: RecordSink = {
    async write(records: MetricRecord[], _events: EventRecord[]): Promise<WriteOutcome> {
      calls++;
      if (calls <= failures) throw new OverloadedError(1);
      written.push(records);
      return { accepted: records.length, rejected: [] };
    },
  };
  return { sink, written, calls: () => calls };
}

async function start(flushIntervalMs: number, sink: RecordSink, aggregator?: StatsdAggregator) {
  const metrics = createIngestMetrics(createRegistry());
  const listener: SocketListener = createStatsdListener({ udp: { host: '127.0.0.1', port: 0 }, flushIntervalMs, percentiles: [90], host: 'h' }, { sink, metrics, log }, { aggregator });
  const port = await listener.start();
  let stopped = false;
  cleanups.push(async () => {
    if (!stopped) await listener.stop();
  });
  const send = async (text: string) => {
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((res, rej) => sock.send(text, port, '127.0.0.1', (err) => (err ? rej(err) : res())));
    sock.close();
    await new Promise((r) => setTimeout(r, 50)); // loopback delivery
  };
  const stop = async () => {
    stopped = true;
    await listener.stop();
  };
  return { metrics, send, stop };
}

const until = async (cond: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('createStatsdListener', () => {
  it('flushes on the interval, keeps the records of a refused flush and stores them at the next one', async () => {
    const fake = fakeSink(1);
    const { send } = await start(100, fake.sink);
    await send('a:1|c\na:2|c');
    await until(() => fake.written.length > 0);
    expect(fake.calls()).toBeGreaterThanOrEqual(2);
    const a = fake.written.flat().filter((r) => r.metric === 'a.count');
    expect(a.map((r) => [r.value, r.host])).toEqual([[3, 'h']]);
  });

  it('counts lines it cannot parse as dropped, with their reason', async () => {
    const fake = fakeSink(0);
    const { send, stop, metrics } = await start(60_000, fake.sink);
    await send('bad line\nx:1|zz\ny:1|c');
    await stop();
    expect(metrics.dropped.get({ format: 'statsd', reason: 'PARSE_ERR_STATSD_SYNTAX' })).toBe(1);
    expect(metrics.dropped.get({ format: 'statsd', reason: 'PARSE_ERR_STATSD_TYPE' })).toBe(1);
    expect(fake.written.flat().find((r) => r.metric === 'y.count')?.value).toBe(1);
  });

  it('stores the last interval on stop', async () => {
    const fake = fakeSink(0);
    const { send, stop } = await start(60_000, fake.sink);
    await send('b:2|c|@0.5');
    expect(fake.written).toEqual([]);
    await stop();
    expect(fake.written.flat().find((r) => r.metric === 'b.count')?.value).toBe(4);
  });

  it(`keeps at most ${MAX_RETAINED_INTERVALS} refused intervals and counts every record finally lost`, async () => {
    const fake = fakeSink(Infinity);
    let flushed = 0;
    const real = createStatsdAggregator({ flushIntervalMs: 20, percentiles: [], host: 'h', now: Date.now });
    const counting: StatsdAggregator = {
      add: (s, f) => real.add(s, f),
      flush: () => {
        const r = real.flush();
        flushed += r.length;
        return r;
      },
    };
    const { send, stop, metrics } = await start(20, fake.sink, counting);
    await send('g:1|g'); // a gauge is stored again at every flush
    await until(() => flushed > MAX_RETAINED_INTERVALS + 3);
    expect(metrics.dropped.get({ format: 'statsd', reason: 'overload' })).toBeGreaterThan(0);
    await stop();
    expect(fake.written).toEqual([]);
    expect(metrics.dropped.get({ format: 'statsd', reason: 'overload' })).toBe(flushed);
  });
});
