import { median } from './robust.ts';

/**
 * Finds where the most recent level shift starts in a deseasonalized series `d`: for each candidate index
 * c it compares the median of the `window` points before c with the median of up to `window` points from
 * c on (at least `minAfter`), after taking out the trend `slope` (per step). A shift is a change larger
 * than 2·`sigma` and 6 standard errors of the difference of medians (1.2533·σ·√(1/a + 1/b)). Among the
 * last run of significant candidates the strongest wins. Returns that index, or 0 when there is no shift.
 * O(n/stride · window log window) with stride window/8.
 *
 * @example detectLevelShift([...Array(50).fill(0), ...Array(30).fill(10)], 10, 1, 0, 5) === 50
 */
export function detectLevelShift(d: readonly (number | null)[], window: number, sigma: number, slope: number, minAfter: number): number {
  const n = d.length;
  const s = sigma > 0 ? sigma : 1e-12;
  const stride = Math.max(1, Math.floor(window / 8));
  let best = 0;
  let bestZ = 0;
  let lastHit = -Infinity;
  const adjusted = (from: number, to: number, c: number): number[] => {
    const out: number[] = [];
    for (let i = from; i < to; i++) {
      const x = d[i];
      if (x !== null) out.push(x - slope * (i - c));
    }
    return out;
  };
  for (let c = window; c <= n - minAfter; c += stride) {
    const before = adjusted(c - window, c, c);
    const after = adjusted(c, Math.min(n, c + window), c);
    if (before.length < window / 2 || after.length < minAfter / 2) continue;
    const diff = median(after) - median(before);
    const z = Math.abs(diff) / (1.2533 * s * Math.sqrt(1 / before.length + 1 / after.length));
    if (z <= 6 || Math.abs(diff) <= 2 * s) continue;
    if (c - lastHit > window) bestZ = 0; // a new run: forget the older shift
    lastHit = c;
    if (z > bestZ) {
      bestZ = z;
      best = c;
    }
  }
  return best;
}
