// Distribution functions for the few p-values and quantiles computed in JS after ClickHouse has aggregated
// (reference/query-language.md §5.6, §6.6). Shared conventions: NaN in → NaN out; df ≤ 0 → NaN; an
// infinite statistic gives a p-value of 0; probabilities are clamped to [0, 1].

const EPS = 4e-16; // two ulps of 1: the stopping test of the series and continued fractions
const TINY = 1e-300;
const LN_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * From this size of the large parameter, with the other ≤ 1, the incomplete beta uses the asymptotic expansion
 * (checked against mpmath: the continued fraction is better below, the expansion above).
 */
const BGRAT_MIN = 100;

/**
 * Stirling correction lgamma(x) − ((x − ½)·ln x − x + ½·ln 2π) for x ≥ 10, from the Bernoulli series up to
 * x⁻¹⁵; the first omitted term is below 3e-17 at x = 10.
 */
function stirlingCorrection(x: number): number {
  const r = 1 / (x * x);
  const series = 1 / 12 - r * (1 / 360 - r * (1 / 1260 - r * (1 / 1680 - r * (1 / 1188 - r * (691 / 360360 - r * (1 / 156 - r * (3617 / 122400)))))));
  return series / x;
}

/**
 * ln Γ(x) for x > 0: Stirling's series for x ≥ 10, shifted by the recurrence Γ(x) = Γ(x + k) / (x·…·(x + k − 1))
 * below. Absolute error about 1e-15 (so relative error grows near the zeros at x = 1 and x = 2).
 * Returns NaN for x ≤ 0 or NaN, and Infinity for x = Infinity.
 */
export function logGamma(x: number): number {
  if (!(x > 0)) return NaN;
  if (x === Infinity) return Infinity;
  let shift = 1;
  let y = x;
  while (y < 10) {
    shift *= y;
    y += 1;
  }
  return (y - 0.5) * Math.log(y) - y + LN_SQRT_2PI + stirlingCorrection(y) - Math.log(shift);
}

/**
 * ln B(a, b) for a, b > 0, written (as R's `lbeta`) so that large arguments do not cancel: with t distributions of
 * 10⁶ df, ln Γ(a) + ln Γ(b) − ln Γ(a + b) would lose nine digits.
 */
function logBeta(a: number, b: number): number {
  const p = Math.min(a, b);
  const q = Math.max(a, b);
  if (p >= 10) {
    const corr = stirlingCorrection(p) + stirlingCorrection(q) - stirlingCorrection(p + q);
    return -0.5 * Math.log(q) + LN_SQRT_2PI + corr + (p - 0.5) * Math.log(p / (p + q)) + q * Math.log1p(-p / (p + q));
  }
  if (q >= 10) {
    const corr = stirlingCorrection(q) - stirlingCorrection(p + q);
    return logGamma(p) + corr + p - p * Math.log(p + q) + (q - 0.5) * Math.log1p(-p / (p + q));
  }
  return logGamma(p) + logGamma(q) - logGamma(p + q);
}

/** Iteration cap for the series and continued fractions, which need O(√a) terms near the mode. */
function maxIterations(a: number): number {
  return 1000 + Math.ceil(50 * Math.sqrt(a));
}

/** Continued fraction for I_x(a, b) (Numerical Recipes `betacf`, modified Lentz). Converges for x < (a+1)/(a+b+2). */
function betaContinuedFraction(x: number, y: number, a: number, b: number): number {
  const qab = a + b;
  let c = 1;
  // 1 − (a+b)·x/(a+1), rewritten with y = 1 − x because it cancels when x is near 1 and a is large.
  let d = (1 - b + qab * y) / (a + 1);
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  const limit = maxIterations(Math.max(a, b));
  for (let m = 1; m <= limit; m++) {
    const m2 = 2 * m;
    for (const aa of [(m * (b - m) * x) / ((a - 1 + m2) * (a + m2)), (-(a + m) * (qab + m) * x) / ((a + m2) * (a + 1 + m2))]) {
      d = 1 + aa * d;
      if (Math.abs(d) < TINY) d = TINY;
      c = 1 + aa / c;
      if (Math.abs(c) < TINY) c = TINY;
      d = 1 / d;
      h *= d * c;
    }
    if (Math.abs(d * c - 1) < EPS) return h;
  }
  return NaN;
}

/**
 * I_x(a, b) for a ≥ 15 and b ≤ 1 by the asymptotic expansion of DiDonato & Morris (1992), TOMS 708 `bgrat`:
 * Q(b, z) with z = −(a + (b − 1)/2)·ln x plus up to 30 correction terms in 1/ν². Here the continued fraction's
 * terms cancel (it loses ~a·1e-16 relative), as in t tails with many df. NaN when the expansion fails.
 */
function betaLargeA(x: number, y: number, a: number, b: number): number {
  const bm1 = b - 1;
  const nu = a + bm1 / 2;
  const lnx = y > 0.375 ? Math.log(x) : Math.log1p(-y);
  const z = -nu * lnx;
  if (!(b * z > 0)) return NaN;
  const v = 0.25 / (nu * nu);
  const t2 = 0.25 * lnx * lnx;
  const c: number[] = [];
  const d: number[] = [];
  let j = gammaQOverFront(b, z);
  let sum = j;
  let t = 1;
  let cn = 1;
  let n2 = 0;
  for (let n = 1; n <= 30; n++) {
    const bp2n = b + n2;
    j = (bp2n * (bp2n + 1) * j + (z + bp2n + 1) * t) * v;
    n2 += 2;
    t *= t2;
    cn /= n2 * (n2 + 1);
    c.push(cn);
    let s = 0;
    let coef = b - n;
    for (let i = 1; i < n; i++) {
      s += coef * c[i - 1] * d[n - 1 - i];
      coef += b;
    }
    d.push(bm1 * cn + s / n);
    const dj = d[n - 1] * j;
    sum += dj;
    if (!(sum > 0)) return NaN;
    // I = e⁻ᶻ·zᵇ·ν⁻ᵇ / B(a, b) · Σ, the front being r·Γ(a+b)/(Γ(a)·νᵇ) with r = e⁻ᶻ·zᵇ/Γ(b).
    if (Math.abs(dj) <= 1e-15 * sum) return Math.exp(-z + b * Math.log(z / nu) - logBeta(a, b)) * sum;
  }
  return NaN;
}

/**
 * Both tails of the regularized incomplete beta, [I_x(a, b), 1 − I_x(a, b)], with y = 1 − x passed in by the
 * caller so that neither tail is computed as 1 minus a number near 1 when it can be avoided.
 */
function betaTails(x: number, y: number, a: number, b: number): [number, number] {
  if (x <= 0) return [0, 1];
  if (y <= 0) return [1, 0];
  if (b <= 1 && a >= BGRAT_MIN) {
    const lower = betaLargeA(x, y, a, b);
    if (!Number.isNaN(lower)) return [clamp01(lower), 1 - clamp01(lower)];
  } else if (a <= 1 && b >= BGRAT_MIN) {
    const upper = betaLargeA(y, x, b, a);
    if (!Number.isNaN(upper)) return [1 - clamp01(upper), clamp01(upper)];
  }
  // ln x from whichever of x, y is small: with a = 5e8 (t, 10⁹ df) a rounding of x near 1 would cost 8 digits.
  const lnx = x < 0.5 ? Math.log(x) : Math.log1p(-y);
  const lny = y < 0.5 ? Math.log(y) : Math.log1p(-x);
  const front = Math.exp(a * lnx + b * lny - logBeta(a, b));
  if (x < (a + 1) / (a + b + 2)) {
    const lower = clamp01((front * betaContinuedFraction(x, y, a, b)) / a);
    return [lower, 1 - lower];
  }
  const upper = clamp01((front * betaContinuedFraction(y, x, b, a)) / b);
  return [1 - upper, upper];
}

/**
 * Regularized incomplete beta I_x(a, b) = B(x; a, b) / B(a, b), for 0 ≤ x ≤ 1 and a, b > 0 (continued fraction,
 * modified Lentz), or the DiDonato–Morris asymptotic expansion when one parameter is ≥ 100 and the other ≤ 1.
 * Relative error below 2e-12 against mpmath for a, b in [0.5, 10⁶] when one of them is ≤ 1 or both are ≤ 10⁴;
 * with both parameters large it grows about linearly (1e-11 at 10⁵, 3e-9 at 10⁸ near x = a/(a + b)).
 * Returns NaN for NaN input, x outside [0, 1], or a, b ≤ 0.
 */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (!(a > 0 && b > 0 && x >= 0 && x <= 1) || a === Infinity || b === Infinity) return NaN;
  return betaTails(x, 1 - x, a, b)[0];
}

/**
 * ln(xᵃ·e⁻ˣ / Γ(a)). For a ≥ 10 it is written as a·(ln(1 + δ) − δ) + ½·ln(a / 2π) − stirlingCorrection(a) with
 * δ = (x − a)/a, because the naive sum of terms of size a·ln a loses digits: 2e-9 relative at a = 10⁶.
 */
function gammaLogFront(a: number, x: number): number {
  if (a < 10) return -x + a * Math.log(x) - logGamma(a);
  const delta = (x - a) / a;
  let log1pmx: number; // ln(1 + δ) − δ
  if (Math.abs(delta) < 0.1) {
    // −δ²/2 + δ³/3 − …; 30 terms reach 0.1³⁰.
    let term = delta;
    log1pmx = 0;
    for (let k = 2; k < 32; k++) {
      term *= -delta;
      log1pmx += term / k;
    }
  } else {
    log1pmx = Math.log(x / a) - delta;
  }
  return a * log1pmx + 0.5 * Math.log(a) - LN_SQRT_2PI - stirlingCorrection(a);
}

/** Series for P(a, x) / front (Numerical Recipes `gser`); converges for x < a + 1. NaN when the cap is reached. */
function gammaSeries(a: number, x: number): number {
  let term = 1 / a;
  let sum = term;
  const limit = maxIterations(a);
  for (let n = 1; n <= limit; n++) {
    term *= x / (a + n);
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * EPS) return sum;
  }
  return NaN;
}

/** Continued fraction for Q(a, x) / front (Numerical Recipes `gcf`, modified Lentz); for x ≥ a + 1. */
function gammaFraction(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  const limit = maxIterations(a);
  for (let i = 1; i <= limit; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    if (Math.abs(d * c - 1) < EPS) return h;
  }
  return NaN;
}

/** Both tails of the regularized incomplete gamma, [P(a, x), Q(a, x)], for a > 0. */
function gammaTails(a: number, x: number): [number, number] {
  if (x <= 0) return [0, 1];
  if (x === Infinity) return [1, 0];
  const front = Math.exp(gammaLogFront(a, x));
  if (x < a + 1) {
    const lower = clamp01(front * gammaSeries(a, x));
    return [lower, 1 - lower];
  }
  const upper = clamp01(front * gammaFraction(a, x));
  return [1 - upper, upper];
}

/** Q(a, x) / (xᵃ·e⁻ˣ / Γ(a)) without underflow when both are tiny; x > 0. */
function gammaQOverFront(a: number, x: number): number {
  if (x >= a + 1) return gammaFraction(a, x);
  const front = Math.exp(gammaLogFront(a, x));
  return (1 - front * gammaSeries(a, x)) / front;
}

/**
 * Regularized lower incomplete gamma P(a, x) = γ(a, x) / Γ(a), for a > 0 and x ≥ 0 (x < 0 is treated as 0).
 * Relative error below 1e-12 for a ≤ 10⁶ (checked against mpmath); the series and continued fraction take O(√a)
 * terms. Returns NaN for NaN input, a ≤ 0 or a = Infinity.
 */
export function regularizedGammaP(a: number, x: number): number {
  if (!(a > 0) || a === Infinity || Number.isNaN(x)) return NaN;
  return gammaTails(a, x)[0];
}

/** Regularized upper incomplete gamma Q(a, x) = 1 − P(a, x), computed directly in the upper tail. Same domain as P. */
export function regularizedGammaQ(a: number, x: number): number {
  if (!(a > 0) || a === Infinity || Number.isNaN(x)) return NaN;
  return gammaTails(a, x)[1];
}

/**
 * Standard normal CDF Φ(z), from Q(½, z²/2) so that the lower tail keeps full relative precision down to ~1e-300.
 * Φ(±Infinity) = 1 or 0; NaN gives NaN.
 */
export function normalCdf(z: number): number {
  if (Number.isNaN(z)) return NaN;
  const tail = 0.5 * gammaTails(0.5, 0.5 * z * z)[1];
  return z < 0 ? tail : 1 - tail;
}

// Acklam's rational approximation of the normal quantile (relative error < 1.15e-9), refined below by one Halley step.
const ACKLAM_A = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
const ACKLAM_B = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
const ACKLAM_C = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
const ACKLAM_D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];

/** Horner evaluation of a polynomial whose coefficients run from the highest power down. */
function poly(coef: readonly number[], x: number): number {
  let s = 0;
  for (const c of coef) s = s * x + c;
  return s;
}

/**
 * Standard normal quantile Φ⁻¹(p): Acklam's approximation plus one Halley step on {@link normalCdf}, accurate to
 * about 1e-15 relative. p = 0 → −Infinity, p = 1 → Infinity; p outside [0, 1] or NaN → NaN.
 */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  if (p > 0.5) return -normalQuantile(1 - p); // 1 − p is exact for p in [0.5, 1]
  let x: number;
  if (p < 0.02425) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = poly(ACKLAM_C, q) / (poly(ACKLAM_D, q) * q + 1);
  } else {
    const q = p - 0.5;
    const r = q * q;
    x = (poly(ACKLAM_A, r) * q) / (poly(ACKLAM_B, r) * r + 1);
  }
  // Halley: e / φ(x), corrected for the curvature of Φ.
  const u = (normalCdf(x) - p) * Math.sqrt(2 * Math.PI) * Math.exp(0.5 * x * x);
  return x - u / (1 + 0.5 * x * u);
}

/** Checks shared by the t functions: NaN for NaN input or df that is not > 0. */
function badDf(df: number): boolean {
  return !(df > 0);
}

/**
 * Student t CDF P(T ≤ t) with df degrees of freedom; df may be fractional (Welch) and Infinity means the normal.
 * Computed as ½·I_{df/(df+t²)}(df/2, ½), so the lower tail keeps relative precision. t = ±Infinity → 1 or 0;
 * NaN t or df → NaN; df ≤ 0 → NaN.
 */
export function tCdf(t: number, df: number): number {
  if (Number.isNaN(t) || badDf(df)) return NaN;
  if (df === Infinity) return normalCdf(t);
  const tail = 0.5 * tTwoSidedP(t, df);
  return t < 0 ? tail : 1 - tail;
}

/**
 * Two-sided p-value P(|T| ≥ |t|) of a t statistic with df (possibly fractional) degrees of freedom, equal to
 * I_{df/(df+t²)}(df/2, ½). Relative error below 2e-13 against mpmath for df from 0.3 to 10⁹ and |t| ≤ 100;
 * p-values below ~1e-300 underflow to 0.
 * |t| = Infinity → 0; t = 0 → 1; NaN t or df → NaN; df ≤ 0 → NaN. df = Infinity uses the normal.
 */
export function tTwoSidedP(t: number, df: number): number {
  if (Number.isNaN(t) || badDf(df)) return NaN;
  if (!Number.isFinite(t)) return 0;
  if (df === Infinity) return 2 * normalCdf(-Math.abs(t));
  // x = df / (df + t²) and y = t² / (df + t²), written through s = √df/|t| so that neither overflows.
  if (t === 0) return 1;
  const s = Math.sqrt(df) / Math.abs(t);
  const s2 = s * s;
  if (s2 === Infinity) return 1; // |t| < ~1e-154·√df
  return betaTails(s2 / (1 + s2), 1 / (1 + s2), df / 2, 0.5)[0];
}

/** Density of Student's t, via the cancellation-free ln B(df/2, ½). */
function tDensity(t: number, df: number): number {
  return Math.exp(-0.5 * Math.log(df) - logBeta(df / 2, 0.5) - ((df + 1) / 2) * Math.log1p((t * t) / df));
}

/**
 * Student t quantile: the t with P(T ≤ t) = p for df (possibly fractional) degrees of freedom. Closed forms for
 * df = 1 and 2; otherwise Newton on ln CDF from a Cornish–Fisher start, safeguarded by bisection within a bracket,
 * to a relative tolerance of 1e-13: within 1e-13 relative of mpmath for df from 0.3 to 10⁹ and p down to 1e-12.
 * p = 0 → −Infinity, p = 1 → Infinity; p outside [0, 1], NaN, or df ≤ 0 → NaN. df = Infinity uses the normal.
 */
export function tQuantile(p: number, df: number): number {
  if (!(p >= 0 && p <= 1) || badDf(df)) return NaN;
  if (df === Infinity) return normalQuantile(p);
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  if (p === 0.5) return 0;
  if (p > 0.5) return -tQuantile(1 - p, df);
  if (df === 1) return -1 / Math.tan(Math.PI * p);
  if (df === 2) return (2 * p - 1) / Math.sqrt(2 * p * (1 - p));
  return lowerTailTQuantile(p, df);
}

/** The t quantile for 0 < p < ½ (so t < 0) and df ∉ {1, 2, ∞}. */
function lowerTailTQuantile(p: number, df: number): number {
  const z = normalQuantile(p);
  const z2 = z * z;
  let x = z + (z * (z2 + 1)) / (4 * df) + (z * (5 * z2 * z2 + 16 * z2 + 3)) / (96 * df * df);
  if (!(x < 0) || !Number.isFinite(x)) x = -1;
  // Bracket [lo, hi] with CDF(lo) ≤ p < CDF(hi); hi = 0 has CDF ½ > p.
  let hi = 0;
  let lo = Math.min(x, -1);
  while (tCdf(lo, df) > p) {
    hi = lo;
    lo *= 2;
    if (!Number.isFinite(lo)) return -Infinity;
  }
  if (!(x > lo && x < hi)) x = 0.5 * (lo + hi);
  const logP = Math.log(p);
  for (let i = 0; i < 300; i++) {
    const cdf = tCdf(x, df);
    if (cdf > p) hi = x;
    else lo = x;
    let next = x - ((Math.log(cdf) - logP) * cdf) / tDensity(x, df);
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (Math.abs(next - x) <= 1e-13 * Math.abs(x) || hi - lo <= 1e-13 * Math.abs(lo)) return next;
    x = next;
  }
  return x;
}

/**
 * Survival P(F ≥ f) of the F distribution with df1, df2 degrees of freedom: the p-value of an F statistic.
 * Computed as I_{df2/(df2+df1·f)}(df2/2, df1/2), with the accuracy of {@link regularizedBeta} at those arguments.
 * f ≤ 0 → 1; f = Infinity → 0; NaN or df ≤ 0 → NaN.
 * An infinite df is the chi-square limit (both infinite: the point mass at 1).
 */
export function fSurvival(f: number, df1: number, df2: number): number {
  if (Number.isNaN(f) || badDf(df1) || badDf(df2)) return NaN;
  if (f <= 0) return 1;
  if (f === Infinity) return 0;
  if (df1 === Infinity && df2 === Infinity) return f >= 1 ? 0 : 1;
  if (df2 === Infinity) return regularizedGammaQ(df1 / 2, (df1 * f) / 2);
  if (df1 === Infinity) return regularizedGammaP(df2 / 2, df2 / (2 * f));
  const r = (df1 * f) / df2; // x = 1/(1 + r), y = r/(1 + r): r = Infinity gives x = 0 and p = 0
  return betaTails(1 / (1 + r), r / (1 + r), df2 / 2, df1 / 2)[0];
}

/**
 * Survival P(X ≥ x) of the chi-square distribution with df (possibly fractional) degrees of freedom, i.e. Q(df/2, x/2).
 * x ≤ 0 → 1; x = Infinity → 0; NaN, df ≤ 0 or df = Infinity → NaN.
 */
export function chiSquareSurvival(x: number, df: number): number {
  if (Number.isNaN(x) || badDf(df) || df === Infinity) return NaN;
  return gammaTails(df / 2, x / 2)[1];
}

function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}
