/**
 * mulberry32: a small seeded generator of floats in [0, 1), the same sequence for a seed on every machine
 * (32-bit state, period 2^32). For reproducible test data, demo data and bootstraps; never for secrets.
 *
 * @example mulberry32(1)() === mulberry32(1)()
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
