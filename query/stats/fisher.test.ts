import { describe, expect, it } from 'vitest';
import { fisherExact, type FisherAlternative, type Table2x2 } from './fisher.ts';

/** Asserts |got − want| ≤ rel·|want|. */
function close(got: number, want: number, rel: number): void {
  if (!(Math.abs(got - want) <= rel * Math.abs(want))) expect.fail(`got ${got}, want ${want}`);
}

describe('fisherExact', () => {
  // Known values: R `fisher.test(matrix(c(a, c, b, d), 2), alternative = …)$p.value`, or exact fractions.
  it.each<[string, Table2x2, FisherAlternative, number]>([
    ['tea tasting, one-sided (Fisher 1935)', { a: 3, b: 1, c: 1, d: 3 }, 'greater', 17 / 70],
    ['tea tasting, two-sided', { a: 3, b: 1, c: 1, d: 3 }, 'two-sided', 34 / 70],
    ['tea tasting, less', { a: 3, b: 1, c: 1, d: 3 }, 'less', 69 / 70],
    ['8 of 8 vs 0 of 8: 1 / C(16, 8)', { a: 8, b: 0, c: 0, d: 8 }, 'greater', 1 / 12870],
    ['7 of 8 vs 0 of 8: (C(7,7)·C(9,1)) / C(16, 8)', { a: 7, b: 1, c: 0, d: 8 }, 'greater', 9 / 12870],
    ['7 of 7 vs 2 of 8: C(9,7) / C(15,7)', { a: 7, b: 0, c: 2, d: 6 }, 'greater', 36 / 6435],
    ['0 of 7 vs 8 of 8: the wrong way round', { a: 0, b: 7, c: 8, d: 0 }, 'greater', 1],
  ])('%s', (_name, table, alternative, want) => {
    close(fisherExact(table, alternative), want, 1e-3);
  });

  // Larger tables against the same sum in exact rational arithmetic (BigInt binomials).
  const choose = (n: number, k: number): bigint => {
    let r = 1n;
    for (let i = 1; i <= k; i++) r = (r * BigInt(n - k + i)) / BigInt(i);
    return r;
  };
  const exactGreater = (t: Table2x2): number => {
    const r1 = t.a + t.b;
    const c1 = t.a + t.c;
    const n = r1 + t.c + t.d;
    let num = 0n;
    for (let x = t.a; x <= Math.min(r1, c1); x++) num += choose(c1, x) * choose(n - c1, r1 - x);
    const scale = 10n ** 30n;
    return Number((num * scale) / choose(n, r1)) / 1e30;
  };
  it.each<[Table2x2]>([[{ a: 10, b: 2, c: 3, d: 15 }], [{ a: 300, b: 700, c: 250, d: 750 }], [{ a: 40, b: 10, c: 20, d: 30 }]])('%o agrees with exact arithmetic', (t) => {
    close(fisherExact(t, 'greater'), exactGreater(t), 1e-9);
  });

  it('is 1 when a margin is empty (nothing to compare)', () => {
    expect(fisherExact({ a: 3, b: 0, c: 5, d: 0 })).toBe(1);
    expect(fisherExact({ a: 0, b: 0, c: 0, d: 0 })).toBe(1);
  });

  it.each<[string, Table2x2]>([
    ['a negative count', { a: -1, b: 2, c: 3, d: 4 }],
    ['a fraction', { a: 1.5, b: 2, c: 3, d: 4 }],
  ])('rejects %s', (_name, table) => {
    expect(() => fisherExact(table)).toThrow(RangeError);
  });
});
