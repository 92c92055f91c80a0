import { describe, expect, it } from 'vitest';
import type { MetricRecord } from '../../lib/record.ts';
import { mulberry32 } from '../../lib/random.ts';
import { parseStatsd, type StatsdSample } from '../parsers/statsd/parse.ts';
import { createStatsdAggregator, type StatsdAggregatorOptions } from './statsd-aggregate.ts';

const INTERVAL = 10_000;
const T0 = 1_795_303_190_000;

function setup(over: Partial<StatsdAggregatorOptions> = {}) {
  let t = T0;
  const agg = createStatsdAggregator({ flushIntervalMs: INTERVAL, percentiles: [50, 90, 99.9], host: null, now: () => t, ...over });
  return {
    agg,
    add: (text: string, from = '10.0.0.1') => agg.add(lines(text), from),
    /** Advances the fake clock by one interval and flushes. */
    flush: () => {
      t += INTERVAL;
      return agg.flush();
    },
    now: () => t,
  };
}

function lines(text: string): StatsdSample[] {
  const r = parseStatsd(text);
  expect(r.rejected).toEqual([]);
  return r.samples;
}

/** metric → value of the records of one flush (one host and label set expected per metric). */
function byMetric(records: MetricRecord[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of records) {
    expect(out, `one ${r.metric}`).not.toHaveProperty(r.metric);
    out[r.metric] = r.value;
  }
  return out;
}

describe('StatsD aggregation: counters', () => {
  it('sums value/sampleRate and gives the per-second rate over the interval', () => {
    const sent: [number, number][] = [
      [1, 0.5],
      [1, 0.5],
      [1, 0.5],
      [2, 1],
      [5, 0.1],
      [-1, 1],
    ];
    const { add, flush } = setup();
    add(sent.map(([v, r]) => `hits:${v}|c${r < 1 ? `|@${r}` : ''}`).join('\n'));
    const count = sent.reduce((n, [v, r]) => n + v / r, 0);
    expect(byMetric(flush())).toEqual({ 'hits.count': count, 'hits.rate': count / (INTERVAL / 1000) });
  });

  it('forgets counters after a flush (an idle counter gives nothing)', () => {
    const { add, flush } = setup();
    add('hits:3|c');
    expect(flush()).toHaveLength(2);
    expect(flush()).toEqual([]);
  });

  it('timestamps every record at the flush time, as a gauge with the interval', () => {
    const { add, flush, now } = setup({ host: 'cfg-host' });
    add('hits:3|c|#env:prod');
    const records = flush();
    for (const r of records) expect(r).toMatchObject({ kind: 'gauge', ts: now(), interval: INTERVAL, host: 'cfg-host', labels: { env: 'prod' } });
  });
});

describe('StatsD aggregation: gauges', () => {
  it('applies deltas to the last value and keeps the value across flushes', () => {
    const { add, flush } = setup();
    add('q:10|g\nq:+5|g\nq:-3|g');
    expect(byMetric(flush())).toEqual({ q: 10 + 5 - 3 });
    const again = flush();
    expect(byMetric(again)).toEqual({ q: 12 });
    add('q:-2|g');
    expect(byMetric(flush())).toEqual({ q: 12 - 2 });
    add('q:4|g');
    expect(byMetric(flush())).toEqual({ q: 4 });
  });

  it('starts a delta on an unknown gauge from 0, and ignores the sample rate', () => {
    const { add, flush } = setup();
    add('fresh:-7|g\nrated:3|g|@0.5');
    expect(byMetric(flush())).toEqual({ fresh: -7, rated: 3 });
  });
});

function reference(values: number[]) {
  const sorted = values.slice().sort((a, b) => a - b);
  const n = sorted.length;
  const rank = (p: number) => sorted[Math.ceil((p / 100) * n) - 1];
  const sum = values.reduce((a, b) => a + b, 0);
  return { sorted, sum, rank, median: n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2 };
}

describe('StatsD aggregation: timers and histograms', () => {
  it.each([
    ['ms', 101],
    ['h', 100],
    ['d', 7],
  ])('type %s, %i values: count, rate, sum, mean, min, max, median and percentiles match a sorted-array reference', (type, n) => {
    const rng = mulberry32(n);
    const values = Array.from({ length: n }, () => Math.round(rng() * 100_000) / 100);
    const rates = values.map(() => (rng() < 0.3 ? 0.25 : 1));
    const { add, flush } = setup();
    add(values.map((v, i) => `lat:${v}|${type}${rates[i] < 1 ? `|@${rates[i]}` : ''}`).join('\n'));
    const ref = reference(values);
    const count = rates.reduce((a, r) => a + 1 / r, 0);
    const got = byMetric(flush());
    expect(got).toEqual({
      'lat.count': count,
      'lat.rate': count / (INTERVAL / 1000),
      'lat.sum': ref.sum,
      'lat.mean': ref.sum / n,
      'lat.min': ref.sorted[0],
      'lat.max': ref.sorted[n - 1],
      'lat.median': ref.median,
      'lat.p50': ref.rank(50),
      'lat.p90': ref.rank(90),
      'lat.p99_9': ref.rank(99.9),
    });
  });

  it('keeps a reservoir of maxSamplesPerKey values but counts every value for count, sum, min and max', () => {
    const rng = mulberry32(7);
    const values = Array.from({ length: 5000 }, () => Math.floor(rng() * 1e6));
    const { agg, flush } = setup({ maxSamplesPerKey: 100, random: mulberry32(8) });
    for (const v of values) agg.add([{ name: 't', type: 'ms', value: v, delta: false, sampleRate: 1, labels: {} }], 'h');
    const ref = reference(values);
    const got = byMetric(flush());
    expect(got['t.count']).toBe(values.length);
    expect(got['t.sum']).toBe(ref.sum);
    expect(got['t.min']).toBe(ref.sorted[0]);
    expect(got['t.max']).toBe(ref.sorted[values.length - 1]);
    expect(values).toContain(got['t.p90']);
    // A uniform reservoir of 100 puts p90 near the true one; 0.1 of the range is a loose bound.
    expect(Math.abs(got['t.p90'] - ref.rank(90))).toBeLessThan(1e5);
  });
});

describe('StatsD aggregation: sets, keys and hosts', () => {
  it('counts distinct set members per interval', () => {
    const members = ['alice', 'bob', 'alice', 'carol', 'bob', '765'];
    const { add, flush } = setup();
    add(members.map((m) => `users:${m}|s`).join('\n'));
    expect(byMetric(flush())).toEqual({ 'users.count': new Set(members).size });
    add('users:dave|s');
    expect(byMetric(flush())).toEqual({ 'users.count': 1 });
  });

  it('refuses new keys beyond maxKeys per interval and counts them; the next interval takes them', () => {
    const { add, flush } = setup({ maxKeys: 3 });
    const out = add('a:1|c\nb:1|c\nb:1|c\nc:1|ms\nd:1|s\ne:1|c');
    expect(out).toEqual({ too_many_keys: 2, too_many_set_members: 0 });
    expect(Object.keys(byMetric(flush())).sort()).toEqual(['a.count', 'a.rate', 'b.count', 'b.rate', 'c.count', 'c.max', 'c.mean', 'c.median', 'c.min', 'c.p50', 'c.p90', 'c.p99_9', 'c.rate', 'c.sum']);
    expect(add('d:1|s\ne:1|c')).toEqual({ too_many_keys: 0, too_many_set_members: 0 });
  });

  it('caps the gauges kept and the members of a set', () => {
    const { add } = setup({ maxKeys: 2, maxSamplesPerKey: 2 });
    expect(add('g1:1|g\ng2:1|g\ng3:1|g\ng1:2|g')).toEqual({ too_many_keys: 1, too_many_set_members: 0 });
    expect(add('s:a|s\ns:b|s\ns:c|s\ns:a|s')).toEqual({ too_many_keys: 0, too_many_set_members: 1 });
  });

  it('takes the host from the host tag, else the configured host, else the sender; labels split keys', () => {
    const records = (host: string | null) => {
      const { add, flush } = setup({ host });
      add('x:1|c|#host:tagged\nx:2|c\nx:4|c|#env:a', '192.0.2.9');
      return flush()
        .filter((r) => r.metric === 'x.count')
        .map((r) => [r.host, r.labels, r.value]);
    };
    expect(records(null)).toEqual([
      ['tagged', {}, 1],
      ['192.0.2.9', {}, 2],
      ['192.0.2.9', { env: 'a' }, 4],
    ]);
    expect(records('cfg')).toEqual([
      ['tagged', {}, 1],
      ['cfg', {}, 2],
      ['cfg', { env: 'a' }, 4],
    ]);
  });
});
