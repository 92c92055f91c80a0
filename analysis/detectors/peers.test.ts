import { describe, expect, it } from 'vitest';
import { createRandom } from '../eval/random.ts';
import { scorePeerGroup, scorePeers } from './peers.ts';

describe('scorePeerGroup', () => {
  it('flags the host unlike its peers, in either direction, and not the others', () => {
    const scores = scorePeerGroup([50, 52, 49, 51, 50, 95, 48, 51, 50, 5]);
    expect(scores[5].score).toBeGreaterThan(0.9);
    expect(scores[5].kind).toBe('peer');
    expect(scores[9].score).toBeGreaterThan(0.9);
    expect(scores[9].z).toBeLessThan(0);
    for (const i of [0, 1, 2, 3, 4, 6, 7, 8]) expect(scores[i].score).toBeLessThan(0.05);
    expect(scores[0].expected).toBe(50);
    expect(scores[0].low).toBeLessThan(50);
    expect(scores[0].high).toBeGreaterThan(50);
  });

  it('needs more evidence from a small group (Student t with n − 1 degrees of freedom)', () => {
    const small = scorePeerGroup([100, 102, 98, 101, 99, 130]);
    const large = scorePeerGroup([100, 102, 98, 101, 99, 100, 102, 98, 101, 99, 100, 102, 98, 101, 99, 130]);
    expect(small[5].score).toBeLessThan(large[15].score);
  });

  it('stays quiet on a normal group of 1000 hosts (the Bonferroni correction)', () => {
    const rng = createRandom(5);
    const values = Array.from({ length: 1000 }, () => 100 + 10 * rng.normal());
    expect(Math.max(...scorePeerGroup(values).map((s) => s.score))).toBeLessThan(0.5);
    expect(Math.max(...scorePeerGroup(values, { correct: false }).map((s) => s.score))).toBeGreaterThan(
      Math.max(...scorePeerGroup(values).map((s) => s.score)),
    );
  });

  it('scores too small a group 0', () => {
    expect(scorePeerGroup([1, 2, 100]).map((s) => s.score)).toEqual([0, 0, 0]);
  });

  it('scores null and NaN 0 and leaves them out of the group', () => {
    const scores = scorePeerGroup([10, 10, 11, 10, 9, null, NaN, 10, 30]);
    expect(scores[5]).toEqual({ score: 0, z: 0 });
    expect(scores[6]).toEqual({ score: 0, z: 0 });
    expect(scores[8].score).toBeGreaterThan(0.9);
    expect(Math.max(...[0, 1, 2, 3, 4, 7].map((i) => scores[i].score))).toBeLessThan(0.05);
  });

  it('uses the mean deviation when most of the group is identical, then the floors', () => {
    // Nine idle hosts and one that served a request: nothing but the outlier deviates, so it stands out,
    // unless the caller says counts move by at least one.
    expect(scorePeerGroup([0, 0, 0, 0, 0, 0, 1, 0, 0, 0])[6].score).toBeGreaterThan(0.5);
    expect(scorePeerGroup([0, 0, 0, 0, 0, 0, 1, 0, 0, 0], { minSpread: 1 })[6].score).toBeLessThan(0.5);
    expect(scorePeerGroup([7, 7, 7, 7, 7, 7, 7.001])[6].score).toBeLessThan(0.5); // within 0.1 % of the median
    expect(scorePeerGroup([7, 7, 7, 7, 7, 7, 8])[6].score).toBeGreaterThan(0.5);
  });
});

describe('scorePeers', () => {
  it('compares each host with its own group only, answering in input order', () => {
    const samples = [
      ...[40, 41, 39, 40, 42, 40].map((value, i) => ({ id: `r640-${i}`, group: 'R640', value })),
      ...[80, 81, 79, 80, 82, 40].map((value, i) => ({ id: `r750-${i}`, group: 'R750', value })),
    ];
    const out = scorePeers(samples);
    expect(out).toHaveLength(12);
    expect(out.slice(0, 6).every((s) => s.score < 0.05)).toBe(true); // 40 is normal among R640s
    expect(out[11].score).toBeGreaterThan(0.5); // and anomalous among R750s (six hosts: little evidence)
    expect(out[11].expected).toBe(80);
  });
});
