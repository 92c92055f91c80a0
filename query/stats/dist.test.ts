import { describe, expect, it } from 'vitest';
import {
  chiSquareSurvival,
  fSurvival,
  logGamma,
  normalCdf,
  normalQuantile,
  regularizedBeta,
  regularizedGammaP,
  regularizedGammaQ,
  tCdf,
  tQuantile,
  tTwoSidedP,
} from './dist.ts';

/** Asserts |got − want| ≤ rel·|want| + abs. */
function close(got: number, want: number, rel: number, abs = 0): void {
  const tol = rel * Math.abs(want) + abs;
  if (!(Math.abs(got - want) <= tol)) expect.fail(`got ${got}, want ${want} within ${rel} relative + ${abs} (off by ${Math.abs(got - want)})`);
}

/** Standard normal density. */
const phi = (z: number) => Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);

const T_GRID = [-40, -8, -3, -1.5, -0.4, 0, 0.25, 1, 2.2, 6, 50];
const P_GRID = [1e-12, 1e-6, 0.001, 0.025, 0.2, 0.5, 0.7, 0.975, 0.999, 1 - 1e-9];
const DF_GRID = [0.3, 1, 1.7, 2, 3, 4.5, 10, 29.3, 120, 1e4, 1e6, 5e7];

// Reference values: the R outputs quoted in the brief (pt, qt, pchisq, pnorm) at the digits quoted, and
// otherwise mpmath 1.3 at 40 digits (betainc / gammainc / ncdf / loggamma), which agrees with printed t, F and χ²
// tables to their 3–4 digits. Relative tolerance 1e-9 unless the quoted value is shorter.
describe('reference values', () => {
  const f = (name: string, got: () => number, want: number, rel = 1e-9) => it(name, () => close(got(), want, rel));
  f('pt(2, 10) (R)', () => tCdf(2, 10), 0.963306, 1e-6);
  f('pt(2, 10)', () => tCdf(2, 10), 0.9633059826146298);
  f('pt(-3, 5)', () => tCdf(-3, 5), 0.01504962394873129);
  f('pt(1.5, 2.5), fractional df', () => tCdf(1.5, 2.5), 0.8760817734568519);
  f('pt(-10, 3), lower tail', () => tCdf(-10, 3), 0.001064199529207075);
  f('pt(0.7, 100)', () => tCdf(0.7, 100), 0.7572236967728133);
  f('qt(0.975, 10) (R)', () => tQuantile(0.975, 10), 2.228139, 1e-6);
  f('qt(0.975, 1) (R)', () => tQuantile(0.975, 1), 12.7062, 1e-5);
  f('qt(0.975, 1)', () => tQuantile(0.975, 1), 12.70620473617469);
  f('qt(0.975, 2)', () => tQuantile(0.975, 2), 4.302652729749462);
  f('qt(0.975, 3)', () => tQuantile(0.975, 3), 3.182446305283708);
  f('qt(0.975, 4)', () => tQuantile(0.975, 4), 2.776445105197793);
  f('qt(0.975, 5)', () => tQuantile(0.975, 5), 2.570581835636315);
  f('qt(0.975, 30)', () => tQuantile(0.975, 30), 2.042272456301238);
  f('qt(0.995, 10)', () => tQuantile(0.995, 10), 3.169272672616951);
  f('qt(0.95, 20)', () => tQuantile(0.95, 20), 1.724718242920787);
  f('qt(0.975, 2.5), fractional df', () => tQuantile(0.975, 2.5), 3.574654842003682);
  // The brief quotes 0.04657; the exact value is (1 + 2·4/12)⁻⁶ = (5/3)⁻⁶ = 729/15625 = 0.046656 (R prints 0.046656).
  f('pf(4, 2, 12, lower = FALSE) = (5/3)⁻⁶', () => fSurvival(4, 2, 12), 729 / 15625, 1e-14);
  f('pf(3.5, 3, 20, lower = FALSE)', () => fSurvival(3.5, 3, 20), 0.03449310388512439);
  f('pf(2.5, 4, 10, lower = FALSE)', () => fSurvival(2.5, 4, 10), 0.109375);
  f('pf(10, 1, 5, lower = FALSE)', () => fSurvival(10, 1, 5), 0.02503101581845295);
  f('pchisq(3.841459, 1, lower = FALSE) (R)', () => chiSquareSurvival(3.841459, 1), 0.05, 1e-6);
  f('pchisq(3.841459, 1, lower = FALSE)', () => chiSquareSurvival(3.841459, 1), 0.04999999465319577);
  f('pchisq(5.991465, 2, lower = FALSE)', () => chiSquareSurvival(5.991465, 2), 0.04999998867770084);
  f('pchisq(7.814728, 3, lower = FALSE)', () => chiSquareSurvival(7.814728, 3), 0.04999999783196614);
  f('pchisq(10, 3, lower = FALSE)', () => chiSquareSurvival(10, 3), 0.01856613546304323);
  f('pchisq(30, 10, lower = FALSE)', () => chiSquareSurvival(30, 10), 0.0008566412107753004);
  f('pchisq(100, 50, lower = FALSE)', () => chiSquareSurvival(100, 50), 3.454931382984864e-5);
  f('pnorm(1.959964) (R)', () => normalCdf(1.959964), 0.975, 1e-6);
  f('pnorm(1.959964)', () => normalCdf(1.959964), 0.9750000009035576);
  f('pnorm(-3)', () => normalCdf(-3), 0.001349898031630095);
  f('pnorm(-10), deep tail', () => normalCdf(-10), 7.619853024160526e-24);
  f('pnorm(0.5)', () => normalCdf(0.5), 0.6914624612740131);
  f('qnorm(0.975)', () => normalQuantile(0.975), 1.959963984540054);
  f('qnorm(0.995)', () => normalQuantile(0.995), 2.5758293035489);
  f('qnorm(1e-10)', () => normalQuantile(1e-10), -6.361340902404056);
  f('lgamma(0.1)', () => logGamma(0.1), 2.252712651734206);
  f('lgamma(100)', () => logGamma(100), 359.1342053695754);
  f('lgamma(1e-8)', () => logGamma(1e-8), 18.42068073818021);
  f('lgamma(1e6)', () => logGamma(1e6), 12815504.56914761166);
  f('pbeta(0.3, 2.5, 3.5)', () => regularizedBeta(0.3, 2.5, 3.5), 0.2967529892956664);
  f('pbeta(0.2, 0.5, 0.5)', () => regularizedBeta(0.2, 0.5, 0.5), 0.2951672353008666);
  f('pgamma(1.5, 2.5)', () => regularizedGammaP(2.5, 1.5), 0.3000141641213725);
  f('pgamma(2, 0.5, lower = FALSE)', () => regularizedGammaQ(0.5, 2), 0.04550026389635841);
});

describe('closed forms', () => {
  // The closed forms below subtract from ½, so they are only good to an absolute 1e-16 in the far tails.
  it.each(T_GRID)('Cauchy: tCdf(%s, 1) = ½ + atan(t)/π', (t) => close(tCdf(t, 1), 0.5 + Math.atan(t) / Math.PI, 1e-13, 1e-16));

  it.each(T_GRID)('tCdf(%s, 2) = ½ + t / (2√(2 + t²))', (t) => close(tCdf(t, 2), 0.5 + t / (2 * Math.sqrt(2 + t * t)), 1e-13, 1e-16));

  it.each(T_GRID)('tCdf(%s, 4) = ½ + ¾·(x − x³/3)', (t) => {
    // For ν = 4: F(t) = ½ + (3/8)·(t/√(1 + t²/4))·(1 − t²/(12·(1 + t²/4))) = ½ + ¾·(x − x³/3), x = t/√(4 + t²).
    const x = t / Math.sqrt(4 + t * t);
    close(tCdf(t, 4), 0.5 + (3 / 4) * (x - (x * x * x) / 3), 1e-13, 1e-16);
  });

  it.each([0.1, 1, 4, 30, 300])('F(2, d2) survival at %s is (1 + 2f/d2)^(−d2/2)', (f) => {
    for (const d2 of [1, 3, 12, 40]) close(fSurvival(f, 2, d2), (1 + (2 * f) / d2) ** (-d2 / 2), 1e-13);
  });

  it.each([0.01, 1, 5.991465, 40, 600])('chi-square(2) survival at %s is e^(−x/2)', (x) => close(chiSquareSurvival(x, 2), Math.exp(-x / 2), 1e-13));

  it.each([1, 2, 5, 12])('Q(%s, x) is the Poisson sum e⁻ˣ Σₖ₍ₙ xᵏ/k!', (n) => {
    for (const x of [0.1, 1, n, 3 * n + 5]) {
      let term = Math.exp(-x);
      let sum = 0;
      for (let k = 0; k < n; k++) {
        sum += term;
        term *= x / (k + 1);
      }
      close(regularizedGammaQ(n, x), sum, 1e-12);
    }
  });

  it.each([
    [1, 1],
    [2, 3],
    [5, 2],
    [7, 9],
  ])('I_x(%s, %s) is the binomial tail P(Bin(a+b−1, x) ≥ a)', (a, b) => {
    const n = a + b - 1;
    for (const x of [0.05, 0.3, 0.5, 0.9]) {
      let sum = 0;
      let choose = 1; // C(n, k)
      for (let k = 0; k <= n; k++) {
        if (k >= a) sum += choose * x ** k * (1 - x) ** (n - k);
        choose = (choose * (n - k)) / (k + 1);
      }
      close(regularizedBeta(x, a, b), sum, 1e-12);
    }
  });

  it.each([1, 2, 3, 7, 20, 171])('logGamma(%s) is ln((n − 1)!)', (n) => {
    let lf = 0;
    for (let k = 2; k < n; k++) lf += Math.log(k);
    expect(Math.abs(logGamma(n) - lf)).toBeLessThan(1e-13 * Math.max(1, lf));
  });

  it('logGamma(½) is ln √π', () => close(logGamma(0.5), 0.5 * Math.log(Math.PI), 1e-14));
});

describe('cross-checks', () => {
  it.each(DF_GRID)('tQuantile inverts tCdf with %s df', (df) => {
    for (const p of P_GRID) {
      const q = tQuantile(p, df);
      close(tCdf(q, df), p, 1e-11);
    }
  });

  it.each(DF_GRID)('tCdf inverts tQuantile with %s df, to 1e-8', (df) => {
    for (const t of [-7, -2.5, -1, -0.1, 0.3, 1.96, 4]) {
      const p = tCdf(t, df);
      if (p > 1e-15 && p < 1 - 1e-15) close(tQuantile(p, df), t, 1e-8);
    }
  });

  it('normalQuantile inverts normalCdf', () => {
    for (const p of [1e-300, 1e-100, 1e-20, ...P_GRID]) close(normalCdf(normalQuantile(p)), p, 1e-13);
    // Above z ≈ 5, Φ(z) is within a few ulps of 1 and no longer determines z.
    for (const z of [-37, -20, -5, -1.2, 0.01, 2.5, 5]) close(normalQuantile(normalCdf(z)), z, 1e-10);
  });

  it('t with 10¹² df is the normal', () => {
    for (const t of T_GRID.filter((v) => Math.abs(v) <= 10)) close(tCdf(t, 1e12), normalCdf(t), 1e-8, 1e-300);
    for (const p of P_GRID) close(tQuantile(p, 1e12), normalQuantile(p), 1e-8);
  });

  it('t with 10⁶ df follows the first-order expansion Φ(t) − φ(t)·(t³ + t)/(4ν)', () => {
    // At t = −8 this correction is 1e-3 of the tail, so a plain normal would fail; the next term is below 1e-6.
    const nu = 1e6;
    for (const t of [-8, -5, -3, -1, 0.5, 2, 4]) {
      const want = normalCdf(t) - (phi(t) * (t ** 3 + t)) / (4 * nu);
      const got = tCdf(t, nu);
      close(Math.min(got, 1 - got), Math.min(want, 1 - want), 1e-6);
    }
  });

  it.each([1, 2.5, 7, 40, 1000])('F(1, %s) survival equals the two-sided t p-value', (df) => {
    for (const t of [0.1, 1, 2.2, 5, 30]) close(fSurvival(t * t, 1, df), tTwoSidedP(t, df), 1e-12);
  });

  it.each([0.5, 1, 3, 10])('chi-square(%s) survival is the F(df, ∞) survival', (df) => {
    for (const x of [0.2, 1, 5, 20]) close(chiSquareSurvival(x, df), fSurvival(x / df, df, Infinity), 1e-13);
  });

  it('chi-square(1) survival is 2Φ(−√x)', () => {
    for (const x of [0.01, 1, 3.841459, 25, 400]) close(chiSquareSurvival(x, 1), 2 * normalCdf(-Math.sqrt(x)), 1e-13);
  });

  it('the F survival with a huge df2 approaches the chi-square', () => {
    close(fSurvival(2.5, 3, 1e9), chiSquareSurvival(7.5, 3), 1e-7);
  });

  it('I_x(a, b) = 1 − I_{1−x}(b, a), and P(a, x) + Q(a, x) = 1', () => {
    for (const [a, b] of [[0.5, 2], [3.3, 7.1], [40, 15]]) {
      for (const x of [0.125, 0.5, 0.75]) close(regularizedBeta(x, a, b) + regularizedBeta(1 - x, b, a), 1, 1e-13);
      for (const x of [0.1, a, 3 * a]) close(regularizedGammaP(a, x) + regularizedGammaQ(a, x), 1, 1e-14);
    }
  });

  it('tCdf is symmetric and its tails add to the two-sided p-value', () => {
    for (const df of DF_GRID) {
      for (const t of T_GRID) {
        close(tCdf(t, df) + tCdf(-t, df), 1, 1e-14);
        if (t !== 0) close(tCdf(-Math.abs(t), df) * 2, tTwoSidedP(t, df), 1e-14);
      }
    }
  });

  it('every probability lies in [0, 1] and CDFs do not decrease', () => {
    for (const df of DF_GRID) {
      let prev = 0;
      for (const t of [-1e300, ...T_GRID, 1e300]) {
        const c = tCdf(t, df);
        expect(c).toBeGreaterThanOrEqual(prev);
        expect(c).toBeLessThanOrEqual(1);
        prev = c;
      }
    }
    for (const x of [0, 1e-300, 0.5, 3, 1e6, 1e300]) {
      for (const p of [chiSquareSurvival(x, 4), fSurvival(x, 3, 7), regularizedGammaP(2, x), regularizedBeta(Math.min(1, x), 2, 3)]) {
        expect(p).toBeGreaterThanOrEqual(0);
        expect(p).toBeLessThanOrEqual(1);
      }
    }
  });
});

describe('edge cases', () => {
  it.each([
    ['tCdf NaN t', () => tCdf(NaN, 5), NaN],
    ['tCdf NaN df', () => tCdf(1, NaN), NaN],
    ['tCdf df 0', () => tCdf(1, 0), NaN],
    ['tCdf df < 0', () => tCdf(1, -2), NaN],
    ['tCdf +∞', () => tCdf(Infinity, 3), 1],
    ['tCdf −∞', () => tCdf(-Infinity, 3), 0],
    ['tCdf df ∞ is Φ', () => tCdf(-3, Infinity), normalCdf(-3)],
    ['tTwoSidedP ∞ statistic', () => tTwoSidedP(Infinity, 4), 0],
    ['tTwoSidedP −∞ statistic', () => tTwoSidedP(-Infinity, 4.5), 0],
    ['tTwoSidedP 0', () => tTwoSidedP(0, 4), 1],
    ['tTwoSidedP tiny t', () => tTwoSidedP(1e-200, 4), 1],
    ['tTwoSidedP NaN', () => tTwoSidedP(NaN, 4), NaN],
    ['tTwoSidedP df 0', () => tTwoSidedP(2, 0), NaN],
    ['tQuantile p 0', () => tQuantile(0, 3), -Infinity],
    ['tQuantile p 1', () => tQuantile(1, 3), Infinity],
    ['tQuantile p ½', () => tQuantile(0.5, 3.7), 0],
    ['tQuantile p < 0', () => tQuantile(-0.1, 3), NaN],
    ['tQuantile p > 1', () => tQuantile(1.1, 3), NaN],
    ['tQuantile NaN p', () => tQuantile(NaN, 3), NaN],
    ['tQuantile df 0', () => tQuantile(0.9, 0), NaN],
    ['fSurvival ∞', () => fSurvival(Infinity, 2, 3), 0],
    ['fSurvival 0', () => fSurvival(0, 2, 3), 1],
    ['fSurvival negative', () => fSurvival(-1, 2, 3), 1],
    ['fSurvival overflowing df1·f', () => fSurvival(1e308, 10, 3), 0],
    ['fSurvival NaN', () => fSurvival(NaN, 2, 3), NaN],
    ['fSurvival df1 0', () => fSurvival(1, 0, 3), NaN],
    ['fSurvival df2 < 0', () => fSurvival(1, 2, -3), NaN],
    ['chiSquareSurvival ∞', () => chiSquareSurvival(Infinity, 2), 0],
    ['chiSquareSurvival 0', () => chiSquareSurvival(0, 2), 1],
    ['chiSquareSurvival NaN', () => chiSquareSurvival(NaN, 2), NaN],
    ['chiSquareSurvival df 0', () => chiSquareSurvival(1, 0), NaN],
    ['chiSquareSurvival df ∞', () => chiSquareSurvival(1, Infinity), NaN],
    ['normalCdf NaN', () => normalCdf(NaN), NaN],
    ['normalCdf +∞', () => normalCdf(Infinity), 1],
    ['normalCdf −∞', () => normalCdf(-Infinity), 0],
    ['normalQuantile 0', () => normalQuantile(0), -Infinity],
    ['normalQuantile 1', () => normalQuantile(1), Infinity],
    ['normalQuantile ½', () => normalQuantile(0.5), 0],
    ['normalQuantile NaN', () => normalQuantile(NaN), NaN],
    ['normalQuantile 2', () => normalQuantile(2), NaN],
    ['logGamma 0', () => logGamma(0), NaN],
    ['logGamma negative', () => logGamma(-1.5), NaN],
    ['logGamma ∞', () => logGamma(Infinity), Infinity],
    ['regularizedBeta x 0', () => regularizedBeta(0, 2, 3), 0],
    ['regularizedBeta x 1', () => regularizedBeta(1, 2, 3), 1],
    ['regularizedBeta x > 1', () => regularizedBeta(1.5, 2, 3), NaN],
    ['regularizedBeta a 0', () => regularizedBeta(0.5, 0, 3), NaN],
    ['regularizedBeta NaN', () => regularizedBeta(NaN, 2, 3), NaN],
    ['regularizedGammaP x 0', () => regularizedGammaP(2, 0), 0],
    ['regularizedGammaQ x ∞', () => regularizedGammaQ(2, Infinity), 0],
    ['regularizedGammaP a 0', () => regularizedGammaP(0, 1), NaN],
    ['regularizedGammaQ NaN x', () => regularizedGammaQ(2, NaN), NaN],
  ])('%s', (_name, run, want) => {
    expect(run()).toBe(want);
  });

  it('tiny tails keep relative precision instead of rounding to 0', () => {
    close(tTwoSidedP(50, 10), 2 * tCdf(-50, 10), 1e-14);
    expect(tTwoSidedP(50, 10)).toBeGreaterThan(0);
    expect(tTwoSidedP(50, 10)).toBeLessThan(1e-12);
    close(normalCdf(-37), 5.725571222524e-300, 1e-9);
  });

  it('gives the same answer when called twice', () => {
    expect(tQuantile(0.01, 7.3)).toBe(tQuantile(0.01, 7.3));
    expect(tTwoSidedP(2.1, 7.3)).toBe(tTwoSidedP(2.1, 7.3));
  });
});
