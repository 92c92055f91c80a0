// Fisher's exact test of a 2×2 table: is the first row's rate higher (or lower, or different) than the
// second's, with the margins held fixed? Exact for any counts, so it stays honest for the small groups
// of hosts that change attribution compares.
import { logGamma } from './dist.ts';

/** Which alternative the p-value is for: the first row's rate greater, less, or either way. */
export type FisherAlternative = 'greater' | 'less' | 'two-sided';

/**
 * A 2×2 table of counts: `a` and `b` are the first row (e.g. changed hosts anomalous, not anomalous),
 * `c` and `d` the second (unchanged hosts anomalous, not anomalous).
 */
export interface Table2x2 {
  readonly a: number;
  readonly b: number;
  readonly c: number;
  readonly d: number;
}

const logChoose = (n: number, k: number) => logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);

/**
 * The p-value of Fisher's exact test. Under the null hypothesis `a` is hypergeometric (row 1 of size
 * a + b drawn from a + b + c + d, of which a + c are "successes"); `greater` sums P(X ≥ a), `less`
 * P(X ≤ a), `two-sided` every table no more likely than the observed one (as R's `fisher.test`, with a
 * relative tolerance of 1e-7). Returns 1 when a margin is zero (nothing to compare).
 * @throws RangeError when a count is negative or not an integer.
 */
export function fisherExact(t: Table2x2, alternative: FisherAlternative = 'greater'): number {
  for (const [k, v] of Object.entries(t)) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`cannot test a 2×2 table: count ${k} = ${v} is not a whole number ≥ 0`);
  }
  const r1 = t.a + t.b;
  const c1 = t.a + t.c;
  const n = r1 + t.c + t.d;
  const lo = Math.max(0, r1 + c1 - n);
  const hi = Math.min(r1, c1);
  if (lo === hi || (alternative === 'greater' && t.a <= lo) || (alternative === 'less' && t.a >= hi)) return 1;
  const logDenom = logChoose(n, r1);
  const prob = (x: number) => Math.exp(logChoose(c1, x) + logChoose(n - c1, r1 - x) - logDenom);
  let p = 0;
  if (alternative === 'greater') for (let x = t.a; x <= hi; x++) p += prob(x);
  else if (alternative === 'less') for (let x = lo; x <= t.a; x++) p += prob(x);
  else {
    const observed = prob(t.a) * (1 + 1e-7);
    for (let x = lo; x <= hi; x++) {
      const px = prob(x);
      if (px <= observed) p += px;
    }
  }
  return Math.min(1, p);
}
