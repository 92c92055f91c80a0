import { describe, expect, it } from 'vitest';
import { createRandom } from '../eval/random.ts';
import { delayedLearn, median, newDelayedNorm, newEpisode, newNorm, normLearn, normZ, QUIET_POINTS, stepEpisode } from './online.ts';

describe('Norm', () => {
  it('learns the centre and spread of a normal statistic and standardises it', () => {
    const rng = createRandom(3);
    const s = newNorm();
    for (let i = 0; i < 20_000; i++) normLearn(s, 10 + 2 * rng.normal(), 1 / 2000, 1e-9);
    expect(s.mean).toBeCloseTo(10, 0);
    expect(normZ(s, 16, 1e-9)).toBeGreaterThan(2.6);
    expect(normZ(s, 16, 1e-9)).toBeLessThan(3.4);
  });

  it('barely moves for one outlier, and keeps a centre of 0 when centred', () => {
    const s = newNorm();
    for (let i = 0; i < 500; i++) normLearn(s, i % 2 ? 1 : -1, 1 / 500, 1e-9, true);
    const dev = s.dev;
    normLearn(s, 1e6, 1 / 500, 1e-9, true);
    expect(s.mean).toBe(0);
    expect(s.dev).toBeLessThan(dev * 1.05);
  });

  it('learns late when delayed: a ramp is not learned while it builds up', () => {
    const s = newDelayedNorm();
    for (let i = 0; i < 400; i++) delayedLearn(s, i % 2 ? 1 : -1, 4, 8, 1 / 200, 1e-9);
    const before = { ...s };
    for (let i = 0; i < 32; i++) delayedLearn(s, 50, 4, 8, 1 / 200, 1e-9);
    expect(s.mean).toBe(before.mean);
    expect(s.dev).toBe(before.dev);
    delayedLearn(s, 50, 4, 8, 1 / 200, 1e-9);
    for (let i = 0; i < 4; i++) delayedLearn(s, 50, 4, 8, 1 / 200, 1e-9);
    expect(s.mean).toBeGreaterThan(before.mean);
  });
});

describe('episodes', () => {
  it('start at the alert level and end after calm points', () => {
    const ep = newEpisode();
    expect(stepEpisode(ep, 4.9, 4.9, 5)).toBe(false);
    expect(stepEpisode(ep, 6, 6, 5)).toBe(true);
    expect(ep.on).toBe(true);
    for (let i = 0; i < QUIET_POINTS - 1; i++) stepEpisode(ep, 0, 0, 5);
    expect(ep.on).toBe(true);
    stepEpisode(ep, 3, 3, 5); // not calm: counting starts again
    for (let i = 0; i < QUIET_POINTS; i++) stepEpisode(ep, 0, 0, 5);
    expect(ep.on).toBe(false);
  });
});

describe('median', () => {
  it.each([
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
    [[7], 7],
  ])('of %j is %f', (xs, m) => expect(median(xs)).toBe(m));
  it('of nothing is NaN', () => expect(median([])).toBeNaN());
});
