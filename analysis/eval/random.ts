import { mulberry32 } from '../../lib/random.ts';

/** A deterministic source of random numbers: the same seed gives the same sequence on every machine. */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number;
  /** Integer uniform in [lo, hi]. */
  int(lo: number, hi: number): number;
  /** Standard normal. */
  normal(): number;
  /** Student t with `df` degrees of freedom, scaled to unit variance (df > 2). */
  studentT(df: number): number;
  /** Poisson with mean `lambda` (normal approximation above 50). */
  poisson(lambda: number): number;
  /** One element of `xs`. */
  pick<T>(xs: readonly T[]): T;
}

/**
 * mulberry32 (32-bit state, period 2^32) with Box–Muller normals. For reproducible test data only.
 *
 * @example createRandom(7).next() === createRandom(7).next()
 */
export function createRandom(seed: number): Random {
  const next = mulberry32(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  const chi2 = (df: number): number => {
    let s = 0;
    for (let i = 0; i < df; i++) s += normal() ** 2;
    return s;
  };
  return {
    next,
    normal,
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    int: (lo, hi) => lo + Math.floor((hi - lo + 1) * next()),
    studentT: (df) => (normal() / Math.sqrt(chi2(df) / df)) * Math.sqrt((df - 2) / df),
    poisson: (lambda) => {
      if (lambda > 50) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * normal()));
      const l = Math.exp(-lambda);
      let k = 0;
      let p = 1;
      do {
        k += 1;
        p *= next();
      } while (p > l);
      return k - 1;
    },
    pick: (xs) => xs[Math.floor(next() * xs.length)],
  };
}
