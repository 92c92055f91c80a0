import { tTwoSidedP } from '../../query/stats/dist.ts';
import { ALERT_SURPRISE, scoreFromSurprise, surpriseFromP } from './calibration.ts';
import { median } from './online.ts';
import { AnomalyKind, type DetectorOutput } from './types.ts';

/** Options of {@link scorePeerGroup} and {@link scorePeers}. */
export interface PeerOptions {
  /** Groups with fewer values than this score 0 (too few peers to say what is normal). @default 5 */
  readonly minPeers?: number;
  /** Smallest spread, in the metric's unit (e.g. 1 for integer counts). @default 0 */
  readonly minSpread?: number;
  /** Smallest spread relative to |median|: hosts within 0.1 % of each other are alike. @default 0.001 */
  readonly relSpread?: number;
  /** Correct for the number of hosts compared (Bonferroni): in a group of n, one host at p = 1/n is expected. @default true */
  readonly correct?: boolean;
}

/** The score of one host at one moment, plus its robust z against its group. */
export interface PeerScore extends DetectorOutput {
  readonly z: number;
}

/**
 * Hosts unlike their peers at the same moment: each value of one group (same hardware model, role or
 * site) against the group's median and median absolute deviation.
 *
 * - Statistic: robust z = (v − median) / (1.4826 · MAD); when more than half the group is identical (MAD
 *   0) the mean absolute deviation from the median of all but the largest 10 % of deviations is used, then
 *   the floors `minSpread` and `relSpread · |median|`. Surprise: two-sided tail of Student's t with n − 1
 *   degrees of freedom (a spread estimated from 8 hosts is itself uncertain; from 100 it is nearly the
 *   normal tail), minus log10(n) when `correct`.
 * - Assumes: peers are exchangeable (a balanced pool); persistent per-host differences (a canary taking
 *   more traffic) score every time, so jobs should compare like with like or smooth over time. Feed it
 *   values aggregated over the same step (e.g. 1-minute averages) so one noisy sample does not count.
 * - Cost: O(n log n) per group and moment, no state. Null or non-finite values score 0.
 * - Reference: Hampel 1974 (the median absolute deviation); Datadog `outliers()` (MAD algorithm).
 *
 * @example scorePeerGroup([50, 52, 49, 51, 50, 48, 51, 50, 49, 95]): the last scores ≈ 0.99, the others ≈ 0.
 */
export function scorePeerGroup(values: readonly (number | null)[], opts: PeerOptions = {}): PeerScore[] {
  const minPeers = opts.minPeers ?? 5;
  const finite = values.filter((v): v is number => v !== null && Number.isFinite(v));
  const n = finite.length;
  if (n < minPeers) return values.map(() => ({ score: 0, z: 0 }));
  const m = median(finite);
  const dev = finite.map((v) => Math.abs(v - m));
  let spread = 1.4826 * median(dev);
  if (spread === 0) {
    // More than half the group is identical: the mean deviation of the rest, leaving out the largest 10 %
    // (at least one), so the outlier being judged does not widen its own yardstick.
    const kept = [...dev].sort((a, b) => a - b).slice(0, n - Math.max(1, Math.floor(n / 10)));
    spread = (1.2533 * kept.reduce((a, b) => a + b, 0)) / kept.length;
  }
  spread = Math.max(spread, opts.minSpread ?? 0, (opts.relSpread ?? 0.001) * Math.abs(m), 1e-300);
  const penalty = opts.correct === false ? 0 : Math.log10(n);
  const df = n - 1;
  const half = zAt(ALERT_SURPRISE + penalty, df) * spread;
  return values.map((v) => {
    if (v === null || !Number.isFinite(v)) return { score: 0, z: 0 };
    const z = (v - m) / spread;
    const surprise = Math.max(0, surpriseFromP(tTwoSidedP(z, df)) - penalty);
    return { score: scoreFromSurprise(surprise), z, expected: m, low: m - half, high: m + half, ...(surprise >= 2 ? { kind: AnomalyKind.peer } : {}) };
  });
}

/** |z| whose two-sided t tail (df degrees of freedom) has surprise `s` (bisection, for the band). */
function zAt(s: number, df: number): number {
  let lo = 0;
  let hi = 1e6;
  for (let i = 0; i < 80; i++) {
    const mid = (lo + hi) / 2;
    if (surpriseFromP(tTwoSidedP(mid, df)) < s) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** One host's value in a cross-section, with its peer group (e.g. its hardware model). */
export interface PeerSample {
  readonly id: string;
  readonly group: string;
  readonly value: number | null;
}

/**
 * Scores a cross-section of many hosts at one moment, each against the others of its group
 * ({@link scorePeerGroup}). Returns one score per sample, in input order.
 */
export function scorePeers(samples: readonly PeerSample[], opts: PeerOptions = {}): PeerScore[] {
  const groups = new Map<string, number[]>();
  samples.forEach((s, i) => {
    const g = groups.get(s.group);
    if (g) g.push(i);
    else groups.set(s.group, [i]);
  });
  const out = new Array<PeerScore>(samples.length);
  for (const idx of groups.values()) {
    const scores = scorePeerGroup(idx.map((i) => samples[i].value), opts);
    idx.forEach((i, k) => (out[i] = scores[k]));
  }
  return out;
}
