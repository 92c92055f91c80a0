import { describe, expect, it } from 'vitest';
import {
  benjaminiHochberg,
  cohensD,
  correlationP,
  crossingTime,
  holm,
  kruskalWallisP,
  linearFit,
  meanCi,
  oneWayAnova,
  welch,
  type GroupSummary,
} from './tests.ts';

/** Asserts |got − want| ≤ rel·|want| + abs. */
function close(got: number, want: number, rel: number, abs = 0): void {
  if (!(Math.abs(got - want) <= rel * Math.abs(want) + abs)) expect.fail(`got ${got}, want ${want} (off by ${Math.abs(got - want)})`);
}

/** n, mean and sample variance (n − 1) of raw values, as ClickHouse `count`, `avg`, `varSamp` would return them. */
function summarize(values: readonly number[]): GroupSummary {
  const n = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  return { n, mean, variance: values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1) };
}

const A = summarize([19.1, 21.3, 20.4, 22.8, 18.9]); // mean 20.5, variance 2.615
const B = summarize([24.2, 22.1, 25.9, 23.4, 26.8, 24.0]); // mean 24.4, variance 2.9
const C = summarize([20.5, 23.3, 21.1, 22.0]); // mean 21.725, variance 1.4825

// Reference p-values and intervals: ClickHouse 26.7 (chDB) welchTTest / studentTTest / analysisOfVariance on the
// raw samples above, which agree with mpmath at 30 digits to every printed digit.
describe('welch', () => {
  it('matches the Welch–Satterthwaite formulas on a hand-computed pair', () => {
    const se2 = 2.615 / 5 + 2.9 / 6;
    const df = se2 ** 2 / ((2.615 / 5) ** 2 / 4 + (2.9 / 6) ** 2 / 5);
    const r = welch(A, B);
    close(r.diff, -3.9, 1e-14);
    close(r.t, -3.9 / Math.sqrt(se2), 1e-13);
    close(r.df, df, 1e-13);
    close(r.df, 8.798153175339987, 1e-12);
    close(r.p, 0.0038511522835764428, 1e-10);
    close(r.ciLow, -6.177270361298653, 1e-12);
    close(r.ciHigh, -1.6227296387013368, 1e-12);
  });

  it('widens the interval with the level, not the test', () => {
    const r = welch(A, B, 0.99);
    close(r.ciLow, -7.179131854220396, 1e-12);
    close(r.ciHigh, -0.6208681457795944, 1e-12);
    expect(r.p).toBe(welch(A, B).p);
  });

  it('is antisymmetric in its arguments', () => {
    const ab = welch(A, B);
    const ba = welch(B, A);
    expect(ba.t).toBe(-ab.t);
    expect(ba.p).toBe(ab.p);
    close(ba.ciLow, -ab.ciHigh, 1e-14);
  });

  it('gives df = n − 1 of the noisy group when the other has no variance', () => {
    const r = welch({ n: 4, mean: 10, variance: 0 }, { n: 7, mean: 12, variance: 3 });
    close(r.df, 6, 1e-14);
  });

  it.each<[string, GroupSummary, GroupSummary]>([
    ['a single observation', { n: 1, mean: 3, variance: NaN }, B],
    ['no variance at all', { n: 5, mean: 3, variance: 0 }, { n: 5, mean: 4, variance: 0 }],
  ])('is NaN with %s', (_name, a, b) => {
    const r = welch(a, b);
    expect(r.diff).toBe(a.mean - b.mean);
    for (const v of [r.t, r.df, r.p, r.ciLow, r.ciHigh]) expect(v).toBeNaN();
  });

  it.each([0, 1, 95, -0.5, NaN])('refuses level %s', (level) => {
    expect(() => welch(A, B, level)).toThrow(RangeError);
    expect(() => welch(A, B, level)).toThrow(/cannot compute a confidence interval: level .* is outside \(0, 1\)/);
  });
});

describe('oneWayAnova', () => {
  it('matches analysisOfVariance on three groups', () => {
    const r = oneWayAnova([A, B, C]);
    close(r.f, 8.950743857859148, 1e-12);
    expect([r.df1, r.df2]).toEqual([2, 12]);
    close(r.p, 0.004177636953221042, 1e-10);
    close(r.etaSquared, 0.598682175479457, 1e-12);
  });

  it('with two groups is the pooled t test: F = t², same p', () => {
    // studentTTest(v, g) on A and B: t = −3.8674780366067703, p = 0.0038033826535315697.
    const r = oneWayAnova([A, B]);
    close(r.f, 3.8674780366067703 ** 2, 1e-12);
    close(r.p, 0.0038033826535315697, 1e-10);
  });

  it('skips empty groups and ignores the undefined variance of a single observation', () => {
    const r = oneWayAnova([A, { n: 0, mean: NaN, variance: NaN }, B, { n: 1, mean: 22, variance: NaN }]);
    const grand = (5 * 20.5 + 6 * 24.4 + 22) / 12; // 22.575
    const ssb = 5 * (20.5 - grand) ** 2 + 6 * (24.4 - grand) ** 2 + (22 - grand) ** 2;
    const ssw = 4 * 2.615 + 5 * 2.9;
    expect([r.df1, r.df2]).toEqual([2, 9]);
    close(r.f, ssb / 2 / (ssw / 9), 1e-12);
    close(r.etaSquared, ssb / (ssb + ssw), 1e-12);
  });

  it('gives F = ∞ and p = 0 when groups differ without any spread', () => {
    const r = oneWayAnova([{ n: 3, mean: 1, variance: 0 }, { n: 3, mean: 2, variance: 0 }]);
    expect(r.f).toBe(Infinity);
    expect(r.p).toBe(0);
  });

  it.each<[string, GroupSummary[]]>([
    ['no groups', []],
    ['one group', [A]],
    ['no residual df', [{ n: 1, mean: 1, variance: NaN }, { n: 1, mean: 2, variance: NaN }]],
    ['identical constant groups', [{ n: 3, mean: 1, variance: 0 }, { n: 3, mean: 1, variance: 0 }]],
  ])('is NaN with %s', (_name, groups) => {
    expect(oneWayAnova(groups).p).toBeNaN();
  });
});

describe('cohensD and meanCi', () => {
  it('uses the pooled standard deviation', () => {
    close(cohensD(A, B), -3.9 / Math.sqrt((4 * 2.615 + 5 * 2.9) / 9), 1e-14);
    close(cohensD(A, B), -2.341874249399399, 1e-12);
  });

  it.each<[string, GroupSummary, GroupSummary, number]>([
    ['too few observations', { n: 1, mean: 1, variance: NaN }, { n: 1, mean: 2, variance: NaN }, NaN],
    ['no spread', { n: 3, mean: 1, variance: 0 }, { n: 3, mean: 2, variance: 0 }, -Infinity],
  ])('cohensD with %s', (_name, a, b, want) => expect(cohensD(a, b)).toBe(want));

  it('builds the t interval of a mean (qt(0.975, 4) = 2.776445)', () => {
    const { low, high } = meanCi(5, 20.5, 2.615);
    close(low, 20.5 - 2.776445105197793 * Math.sqrt(2.615 / 5), 1e-13);
    close(high, 22.50789008708108, 1e-13);
  });

  it('has NaN bounds for one observation and refuses a bad level', () => {
    expect(meanCi(1, 3, NaN).low).toBeNaN();
    expect(() => meanCi(5, 1, 1, 1.5)).toThrow(RangeError);
  });
});

describe('correlationP', () => {
  /** Closed form for even n − 2 = 2k: p = 1 − |r|·Σ_{j<k} C(2j, j)/4ʲ·(1 − r²)ʲ. */
  function evenDfP(r: number, n: number): number {
    let term = 1;
    let sum = 0;
    for (let j = 0; j < (n - 2) / 2; j++) {
      sum += term;
      term *= ((2 * j + 1) / (2 * j + 2)) * (1 - r * r);
    }
    return 1 - Math.abs(r) * sum;
  }

  it.each([
    [0.5, 10],
    [-0.3, 12],
    [0.05, 4],
    [0.9, 22],
    [-0.71, 32],
  ])('r = %s, n = %s matches the even-df closed form', (r, n) => close(correlationP(r, n), evenDfP(r, n), 1e-12, 1e-15));
  // (The closed form subtracts from 1, so it is only good to ~1e-15 absolute; p itself keeps relative precision.)

  it('r = 0.5 over 10 pairs is 289/2048', () => close(correlationP(0.5, 10), 289 / 2048, 1e-13));

  it('the tabulated critical r for n = 10 gives p = 0.05', () => {
    const t = 2.306004135204166; // qt(0.975, 8)
    close(correlationP(t / Math.sqrt(8 + t * t), 10), 0.05, 1e-12);
  });

  it.each([
    ['r = 1', 1, 10, 0],
    ['r = −1', -1, 10, 0],
    ['r rounded past 1', 1 + 1e-12, 10, 0],
    ['r = 0', 0, 10, 1],
    ['r > 1', 1.01, 10, NaN],
    ['n = 2', 0.5, 2, NaN],
    ['NaN r', NaN, 10, NaN],
    ['NaN n', 0.5, NaN, NaN],
  ])('%s', (_name, r, n, want) => expect(correlationP(r, n)).toBe(want));
});

describe('holm and benjaminiHochberg', () => {
  it.each([
    ['textbook four', [0.01, 0.04, 0.03, 0.005], [0.03, 0.06, 0.06, 0.02], [0.02, 0.04, 0.04, 0.02]],
    ['capped at 1', [0.5, 0.9, 0.01], [1, 1, 0.03], [0.75, 0.9, 0.03]],
    ['ties', [0.02, 0.02, 0.5], [0.06, 0.06, 0.5], [0.03, 0.03, 0.5]],
    ['one value', [0.2], [0.2], [0.2]],
    ['empty', [], [], []],
  ])('%s', (_name, p, wantHolm, wantBh) => {
    holm(p).forEach((v, i) => close(v, wantHolm[i], 1e-14));
    benjaminiHochberg(p).forEach((v, i) => close(v, wantBh[i], 1e-14));
    expect(holm(p)).toHaveLength(p.length);
  });

  it('keeps NaN in place and leaves it out of m', () => {
    const h = holm([0.01, NaN, 0.04]);
    expect(h[1]).toBeNaN();
    close(h[0], 0.02, 1e-14);
    close(h[2], 0.04, 1e-14);
    expect(benjaminiHochberg([NaN, 0.01])[1]).toBeCloseTo(0.01, 15);
  });

  it('is monotone in p, never below p, never above 1, and Holm ≥ BH (random vectors, fixed seed)', () => {
    let seed = 12345;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let trial = 0; trial < 50; trial++) {
      const p = Array.from({ length: 1 + Math.floor(rand() * 20) }, () => rand() ** 3);
      const h = holm(p);
      const bh = benjaminiHochberg(p);
      const order = p.map((_v, i) => i).sort((i, j) => p[i] - p[j]);
      for (let k = 0; k < order.length; k++) {
        const i = order[k];
        expect(h[i]).toBeGreaterThanOrEqual(p[i]);
        expect(bh[i]).toBeGreaterThanOrEqual(p[i]);
        expect(h[i]).toBeLessThanOrEqual(1);
        expect(h[i]).toBeGreaterThanOrEqual(bh[i]);
        if (k > 0) {
          expect(h[i]).toBeGreaterThanOrEqual(h[order[k - 1]]);
          expect(bh[i]).toBeGreaterThanOrEqual(bh[order[k - 1]]);
        }
      }
    }
  });

  it.each([[[0.1, -0.01]], [[1.2]]])('refuses p-values outside [0, 1]: %j', (p) => {
    expect(() => holm(p)).toThrow(/cannot adjust p-values: p\[\d\] = .* is outside \[0, 1\]/);
    expect(() => benjaminiHochberg(p)).toThrow(RangeError);
  });
});

describe('linearFit', () => {
  it('fits 1..5 → [2, 4, 5, 4, 5] as worked by hand', () => {
    // x̄ = 3, ȳ = 4, Sxx = 10, Sxy = 6, Syy = 6, SSE = 6 − 0.6·6 = 2.4.
    const fit = linearFit([1, 2, 3, 4, 5], [2, 4, 5, 4, 5]);
    close(fit.slope, 0.6, 1e-14);
    close(fit.intercept, 2.2, 1e-14);
    close(fit.r2, 0.6, 1e-14);
    expect(fit.n).toBe(5);
    close(fit.residualSd, Math.sqrt(2.4 / 3), 1e-14);
    close(fit.slopeSe, Math.sqrt(2.4 / 3) / Math.sqrt(10), 1e-14);
    expect(fit.xMean).toBe(3);
  });

  it('recovers an exact line on epoch-millisecond x without losing digits', () => {
    const x0 = 1_795_303_190_484;
    const xs = Array.from({ length: 500 }, (_v, i) => x0 + i * 60_000);
    const fit = linearFit(xs, xs.map((x) => 40 + 2.5e-9 * (x - x0)));
    close(fit.slope, 2.5e-9, 1e-9);
    close(fit.intercept + fit.slope * x0, 40, 1e-9);
    close(fit.r2, 1, 1e-12);
    expect(fit.residualSd).toBeLessThan(1e-9);
  });

  it('skips pairs with a non-finite coordinate', () => {
    const fit = linearFit([1, 2, NaN, 3, 4, 5], [2, 4, 7, 5, Infinity, 4]);
    expect(fit.n).toBe(4);
    close(fit.slope, linearFit([1, 2, 3, 5], [2, 4, 5, 4]).slope, 1e-15);
  });

  it.each([
    ['one point', [1], [2]],
    ['no x spread', [3, 3, 3], [1, 2, 3]],
    ['empty', [], []],
  ])('has a NaN slope with %s', (_name, xs, ys) => expect(linearFit(xs, ys).slope).toBeNaN());

  it('has NaN r² for constant y and NaN errors for two points', () => {
    expect(linearFit([1, 2, 3], [5, 5, 5]).r2).toBeNaN();
    const two = linearFit([1, 2], [1, 3]);
    expect(two.slope).toBe(2);
    expect(two.slopeSe).toBeNaN();
  });

  it('refuses arrays of different length', () => {
    expect(() => linearFit([1, 2, 3], [1, 2])).toThrow('cannot fit a line: 3 x values but 2 y values');
  });
});

describe('crossingTime', () => {
  const xs = [0, 1, 2, 3, 4, 5];
  const ys = [2.1, 3.9, 6.2, 7.8, 10.1, 12.0];
  const fit = linearFit(xs, ys);

  it('estimates where the line reaches the threshold, with the Fieller interval', () => {
    // slope 697/350, intercept 214/105; values from exact fractions and mpmath.
    const c = crossingTime(fit, 20);
    if (!c) return expect.fail('expected a crossing');
    close(c.x, (20 - 214 / 105) / (697 / 350), 1e-12);
    close(c.low, 8.670536352604451, 1e-10);
    close(c.high, 9.407554479969073, 1e-10);
  });

  it('puts the threshold exactly on the confidence band of the line at both ends', () => {
    const q = 2.776445105197793; // qt(0.975, 4)
    const yMean = ys.reduce((s, v) => s + v, 0) / 6;
    for (const level of [0.8, 0.95]) {
      const c = crossingTime(fit, 20, level);
      if (!c) return expect.fail('expected a crossing');
      expect(c.low).toBeLessThan(c.x);
      expect(c.high).toBeGreaterThan(c.x);
      if (level !== 0.95) continue;
      for (const x of [c.low, c.high]) {
        const gap = Math.abs(yMean + fit.slope * (x - 2.5) - 20);
        const band = q * Math.sqrt(fit.residualSd ** 2 / 6 + fit.slopeSe ** 2 * (x - 2.5) ** 2);
        close(gap, band, 1e-9);
      }
    }
  });

  it('is a point for a perfect fit', () => {
    const c = crossingTime(linearFit([0, 1, 2, 3], [1, 3, 5, 7]), 11);
    expect(c).toEqual({ x: 5, low: 5, high: 5 });
  });

  it.each([
    ['a falling line', linearFit([0, 1, 2, 3], [9, 7, 6, 4])],
    ['a flat line', linearFit([0, 1, 2, 3], [5, 5, 5, 5])],
    ['a slope whose CI includes 0', linearFit([1, 2, 3, 4, 5], [2, 4, 5, 4, 5])], // t = 2.12 < qt(0.975, 3) = 3.18
    ['two points', linearFit([0, 1], [0, 1])],
    ['no points', linearFit([], [])],
  ])('is undefined for %s', (_name, f) => expect(crossingTime(f, 100)).toBeUndefined());

  it('refuses a bad level', () => expect(() => crossingTime(fit, 20, 0)).toThrow(RangeError));
});

describe('kruskalWallisP', () => {
  it.each([
    [5.991465, 3, 0.05], // qchisq(0.95, 2)
    [7.814728, 4, 0.05], // qchisq(0.95, 3)
    [0, 3, 1],
  ])('H = %s over %s groups', (h, k, want) => close(kruskalWallisP(h, k), want, 1e-6));

  it.each([[1], [0], [2.5], [NaN]])('is NaN for %s groups', (k) => expect(kruskalWallisP(3, k)).toBeNaN());
});
