// StatsD's aggregation: samples of one flush interval in, records out, the way the etsy StatsD server
// computes them (statsd/lib/process_metrics.js). Pure logic: the clock and the random source of the
// timer reservoir are injected.
import type { MetricRecord } from '../../lib/record.ts';
import type { StatsdSample } from '../parsers/statsd/parse.ts';

/** Options of {@link createStatsdAggregator}. */
export interface StatsdAggregatorOptions {
  /** Length of an interval; rates are per second over it, and it is the records' `interval`. */
  readonly flushIntervalMs: number;
  /** Percentiles of timers and histograms, each stored as `<name>.p<N>` (`p99_9` for 99.9). */
  readonly percentiles: readonly number[];
  /**
   * `host` of records whose samples have no `host` tag (config `formats.statsd.host`); null: the
   * sender's address. A `host` tag always wins.
   */
  readonly host: string | null;
  /** Most distinct counter, timer and set keys per interval, and most gauges kept. @default 100000 */
  readonly maxKeys?: number;
  /** Timer values kept per key and interval for percentiles, and set members per key. @default 10000 */
  readonly maxSamplesPerKey?: number;
  /** Time of a flush, ms since the epoch. */
  readonly now: () => number;
  /** Random numbers in [0, 1) for the timer reservoir. @default Math.random */
  readonly random?: () => number;
}

/** Samples refused by {@link StatsdAggregator.add}, by reason (the `reason` of metrics.dropped). */
export interface AddOutcome {
  /** A new key beyond `maxKeys`. */
  too_many_keys: number;
  /** A new set member beyond `maxSamplesPerKey`. */
  too_many_set_members: number;
}

/** Aggregates StatsD samples; not shared between listeners. */
export interface StatsdAggregator {
  /** Adds the samples of one datagram from `from` (the sender's address). */
  add(samples: readonly StatsdSample[], from: string): AddOutcome;
  /**
   * Ends the interval: returns its records (all `gauge` kind, at `now()`), forgets counters, timers and
   * sets, and keeps gauges, which are stored again at every flush with their last value.
   */
  flush(): MetricRecord[];
}

interface Identity {
  readonly name: string;
  readonly host: string;
  readonly labels: Readonly<Record<string, string>>;
}
interface Counter extends Identity {
  sum: number;
}
interface Gauge extends Identity {
  value: number;
}
interface Timer extends Identity {
  /** Samples scaled by 1/sampleRate. */
  count: number;
  /** Samples received. */
  seen: number;
  sum: number;
  min: number;
  max: number;
  readonly reservoir: number[];
}
interface SetKey extends Identity {
  readonly members: Set<string>;
}

/** `p90`, `p99_9`: the suffix of a percentile. */
export function percentileSuffix(p: number): string {
  return `p${String(p).replace('.', '_')}`;
}

/** Nearest-rank percentile of an ascending array: the smallest value with at least p% at or below it. */
export function nearestRank(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Median as StatsD computes it: the middle value, or the mean of the two middle values. */
export function median(sorted: readonly number[]): number {
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function keyOf(kind: string, id: Identity): string {
  const labels = Object.keys(id.labels)
    .sort()
    .map((k) => [k, id.labels[k]]);
  return JSON.stringify([kind, id.name, id.host, labels]);
}

/**
 * Creates an aggregator. Per interval it produces, for each key (name, host and tags):
 * - counter `c`: `<name>.count` (sum of value/sampleRate) and `<name>.rate` (count per second);
 * - gauge `g`: `<name>`, the last value set, with `+N`/`-N` deltas applied to it (from 0 when unknown);
 * - timer `ms`, histogram `h`, distribution `d`: `<name>.count` (scaled by 1/sampleRate), `.rate`,
 *   `.sum`, `.mean`, `.min`, `.max`, `.median` and `.p<N>` for each configured percentile;
 * - set `s`: `<name>.count`, the number of distinct members.
 * Keys without samples in an interval give nothing, except gauges. Memory is bounded by `maxKeys` and
 * `maxSamplesPerKey`: beyond them samples are refused and counted (timer values beyond the reservoir
 * still count in count, sum, mean, min and max; only percentiles and median are estimated then).
 */
export function createStatsdAggregator(opts: StatsdAggregatorOptions): StatsdAggregator {
  const maxKeys = opts.maxKeys ?? 100_000;
  const maxSamples = opts.maxSamplesPerKey ?? 10_000;
  const random = opts.random ?? Math.random;
  const seconds = opts.flushIntervalMs / 1000;
  let counters = new Map<string, Counter>();
  let timers = new Map<string, Timer>();
  let sets = new Map<string, SetKey>();
  const gauges = new Map<string, Gauge>();
  const intervalKeys = () => counters.size + timers.size + sets.size;

  function addTimer(t: Timer, s: StatsdSample): void {
    t.count += 1 / s.sampleRate;
    t.seen++;
    t.sum += s.value;
    if (s.value < t.min) t.min = s.value;
    if (s.value > t.max) t.max = s.value;
    // Algorithm R: every value seen has the same chance to be in the reservoir.
    if (t.reservoir.length < maxSamples) t.reservoir.push(s.value);
    else {
      const j = Math.floor(random() * t.seen);
      if (j < maxSamples) t.reservoir[j] = s.value;
    }
  }

  function add(samples: readonly StatsdSample[], from: string): AddOutcome {
    const out: AddOutcome = { too_many_keys: 0, too_many_set_members: 0 };
    for (const s of samples) {
      const id: Identity = { name: s.name, host: s.host ?? opts.host ?? from, labels: s.labels };
      if (s.type === 'g') {
        const k = keyOf('g', id);
        let g = gauges.get(k);
        if (!g) {
          if (gauges.size >= maxKeys) {
            out.too_many_keys++;
            continue;
          }
          g = { ...id, value: 0 };
          gauges.set(k, g);
        }
        g.value = s.delta ? g.value + s.value : s.value;
        continue;
      }
      const kind = s.type === 'c' ? 'c' : s.type === 's' ? 's' : 't';
      const k = keyOf(kind, id);
      const map: Map<string, Identity> = kind === 'c' ? counters : kind === 's' ? sets : timers;
      let e = map.get(k);
      if (!e) {
        if (intervalKeys() >= maxKeys) {
          out.too_many_keys++;
          continue;
        }
        const created: Counter | SetKey | Timer =
          kind === 'c' ? { ...id, sum: 0 } : kind === 's' ? { ...id, members: new Set<string>() } : { ...id, count: 0, seen: 0, sum: 0, min: Infinity, max: -Infinity, reservoir: [] };
        map.set(k, created);
        e = created;
      }
      if (kind === 'c') (e as Counter).sum += s.value / s.sampleRate;
      else if (kind === 's') {
        const m = (e as SetKey).members;
        if (m.has(s.member!)) continue;
        if (m.size >= maxSamples) out.too_many_set_members++;
        else m.add(s.member!);
      } else addTimer(e as Timer, s);
    }
    return out;
  }

  function flush(): MetricRecord[] {
    const ts = opts.now();
    const out: MetricRecord[] = [];
    const rec = (id: Identity, suffix: string, value: number) =>
      out.push({ metric: suffix === '' ? id.name : `${id.name}.${suffix}`, host: id.host, labels: id.labels, kind: 'gauge', ts, value, interval: opts.flushIntervalMs });
    for (const c of counters.values()) {
      rec(c, 'count', c.sum);
      rec(c, 'rate', c.sum / seconds);
    }
    for (const t of timers.values()) {
      const sorted = t.reservoir.slice().sort((a, b) => a - b);
      rec(t, 'count', t.count);
      rec(t, 'rate', t.count / seconds);
      rec(t, 'sum', t.sum);
      rec(t, 'mean', t.sum / t.seen);
      rec(t, 'min', t.min);
      rec(t, 'max', t.max);
      rec(t, 'median', median(sorted));
      for (const p of opts.percentiles) rec(t, percentileSuffix(p), nearestRank(sorted, p));
    }
    for (const s of sets.values()) rec(s, 'count', s.members.size);
    for (const g of gauges.values()) rec(g, '', g.value);
    counters = new Map();
    timers = new Map();
    sets = new Map();
    return out;
  }

  return { add, flush };
}
