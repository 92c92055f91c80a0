import type { MetricKind } from '../../lib/record.ts';

const TWO_32 = 1n << 32n;
const TWO_64 = 1n << 64n;
const TWO_31 = 1n << 31n;
const TWO_63 = 1n << 63n;

/**
 * Increase of a collectd COUNTER from `prev` to `cur`. A counter that went down wrapped at 2^32 (when
 * the previous value fit in 32 bits) or at 2^64, as collectd's own rate computation assumes; when the
 * wrapped increase would be more than half the counter's range, the drop is read as a reset (the
 * device restarted) and the increase is unknown.
 *
 * @example counterIncrease(4294967290n, 5n) === 11n
 */
export function counterIncrease(prev: bigint, cur: bigint): bigint | undefined {
  if (cur >= prev) return cur - prev;
  if (prev < TWO_32) {
    const d = TWO_32 - prev + cur;
    return d < TWO_31 ? d : undefined;
  }
  const d = TWO_64 - prev + cur;
  return d < TWO_63 ? d : undefined;
}

/** Last stored point of a series, used to compute the next rate. */
export interface RateState {
  raw: bigint;
  ts: number;
}

/**
 * Per-second rate of a non-gauge sample given the previous sample of the same series (or none):
 * counter — wrap-aware increase over elapsed time; derive — difference over elapsed time, a decrease is
 * a reset (unknown); absolute — the value is the count since the previous reading, divided by the
 * elapsed time (or by the interval for the first reading). Unknown rates are NaN. Samples not newer than
 * the previous one give NaN.
 */
export function rateOf(kind: MetricKind, prev: RateState | undefined, raw: bigint, ts: number, intervalMs: number): number {
  if (kind === 'absolute') {
    const dt = prev && ts > prev.ts ? ts - prev.ts : intervalMs;
    return dt > 0 ? (Number(raw) * 1000) / dt : NaN;
  }
  if (!prev || ts <= prev.ts) return NaN;
  const dt = (ts - prev.ts) / 1000;
  if (kind === 'counter') {
    const inc = counterIncrease(prev.raw, raw);
    return inc === undefined ? NaN : Number(inc) / dt;
  }
  if (kind === 'derive') {
    const d = raw - prev.raw;
    return d < 0n ? NaN : Number(d) / dt;
  }
  return NaN;
}
