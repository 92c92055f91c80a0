import { describe, expect, it } from 'vitest';
import { ALERT_THRESHOLD, ALERT_Z, MAX_SURPRISE, scoreFromSurprise, surpriseFromP, surpriseFromScore, surpriseFromZ, zFromSurprise } from './calibration.ts';

describe('surpriseFromZ', () => {
  // Two-sided normal tails, −log10 P(|Z| ≥ z), from tables (scipy.stats.norm.sf × 2).
  it.each([
    [0, 0],
    [1, 0.4985],
    [1.959964, 1.30103],
    [3, 2.5687],
    [4.417173, 5.0],
    [6, 8.7048],
    [-6, 8.7048],
  ])('z = %f gives %f', (z, s) => {
    expect(surpriseFromZ(z)).toBeCloseTo(s, 3);
  });

  it('is capped and total', () => {
    expect(surpriseFromZ(40)).toBe(MAX_SURPRISE);
    expect(surpriseFromZ(Infinity)).toBe(MAX_SURPRISE);
    expect(surpriseFromZ(NaN)).toBe(0);
  });
});

describe('scores', () => {
  it('put the alert threshold at p = 1e-5', () => {
    expect(scoreFromSurprise(5)).toBeCloseTo(ALERT_THRESHOLD, 12);
    expect(surpriseFromScore(ALERT_THRESHOLD)).toBeCloseTo(5, 12);
    expect(ALERT_Z).toBeCloseTo(4.4172, 3);
  });

  it('are monotone in [0, 1] and invert', () => {
    let prev = -1;
    for (let s = 0; s <= MAX_SURPRISE; s += 0.25) {
      const score = scoreFromSurprise(s);
      expect(score).toBeGreaterThan(prev);
      expect(score).toBeGreaterThanOrEqual(0);
      expect(score).toBeLessThanOrEqual(1);
      if (s > 0 && score < 1) expect(surpriseFromScore(score)).toBeCloseTo(s, 6);
      prev = score;
    }
    expect(scoreFromSurprise(NaN)).toBe(0);
    expect(scoreFromSurprise(-3)).toBe(0);
  });

  it('read probabilities and invert z', () => {
    expect(surpriseFromP(1e-3)).toBeCloseTo(3, 12);
    expect(surpriseFromP(0)).toBe(MAX_SURPRISE);
    expect(surpriseFromP(1)).toBe(0);
    expect(zFromSurprise(surpriseFromZ(3.3))).toBeCloseTo(3.3, 6);
  });
});
