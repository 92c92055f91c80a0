import { describe, expect, it } from 'vitest';
import { changeAnnotation, changeEvidence, formatP, rankChanges, relationOf, type Candidate, type Evidence, type EvidenceInput } from './attribution.ts';
import type { Change, ChangeScope } from './store.ts';

const H = 3_600_000;
const hosts = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `web-${String(from + i).padStart(2, '0')}`);
const change = (id: string, scope: ChangeScope, ts = 0, kind: Change['kind'] = 'deploy'): Change => ({ id, ts, kind, scope, description: id, link: '', source: 'api', attrs: {} });
const evidence = (pValue: number): Evidence => ({ changed: { hosts: 1, anomalous: 1 }, unchanged: { hosts: 1, anomalous: 0 }, pValue, significant: pValue < 0.05, verdict: '' });

describe('relationOf', () => {
  const groups = new Map([[`role=web@0`, hosts(1, 16)]]);
  it.each<[string, ChangeScope, string | undefined]>([
    ['host scope naming the host', { kind: 'host', hosts: ['web-03', 'web-04'] }, 'host'],
    ['host scope not naming it', { kind: 'host', hosts: ['web-12'] }, undefined],
    ['a group it belongs to', { kind: 'group', field: 'role', value: 'web' }, 'group'],
    ['a group it does not belong to', { kind: 'group', field: 'role', value: 'db' }, undefined],
    ['the fleet', { kind: 'fleet' }, 'fleet'],
  ])('%s', (_name, scope, want) => {
    expect(relationOf(change('c', scope), 'web-03', groups)).toBe(want);
  });
});

describe('changeEvidence', () => {
  const peers = hosts(1, 16);
  const f = (input: Partial<EvidenceInput>) => changeEvidence({ applied: hosts(1, 8), peers, anomalous: new Set(hosts(1, 8)), exclude: 'web-03', ...input });

  it('leaves the anomalous host out and finds the change its hosts share', () => {
    const e = f({})!;
    expect(e.changed).toEqual({ hosts: 7, anomalous: 7 });
    expect(e.unchanged).toEqual({ hosts: 8, anomalous: 0 });
    expect(e.pValue).toBeCloseTo(1 / 6435, 8); // 7 of 7 drawn from 7 anomalous among 15: 1 / C(15, 7)
    expect(e.significant).toBe(true);
    expect(e.verdict).toBe('hosts that got this change were anomalous more often: 7 of 7 vs 0 of 8, p = 0.00016');
  });

  it('clears a change whose hosts stayed normal', () => {
    const e = f({ applied: hosts(9, 16), exclude: 'web-12' })!;
    expect(e.changed).toEqual({ hosts: 7, anomalous: 0 });
    expect(e.unchanged).toEqual({ hosts: 8, anomalous: 8 });
    expect(e.pValue).toBe(1);
    expect(e.verdict).toMatch(/^no difference/);
  });

  it('counts only peers: changed hosts outside them do not count', () => {
    const e = f({ applied: [...hosts(1, 8), 'db-01', 'db-02'], anomalous: new Set([...hosts(1, 8), 'db-01']) })!;
    expect(e.changed).toEqual({ hosts: 7, anomalous: 7 });
  });

  it.each<[string, Partial<EvidenceInput>]>([
    ['a fleet-wide change', { applied: ['*'] }],
    ['a change on the anomalous host alone', { applied: ['web-03'] }],
    ['a change on every peer', { applied: peers }],
    ['no peers but the host', { peers: ['web-03'] }],
  ])('has no comparison for %s', (_name, input) => {
    expect(f(input)).toBeNull();
  });
});

describe('rankChanges', () => {
  const W = 24 * H;
  const cand = (id: string, relation: Candidate['relation'], lagMs: number, ev: Evidence | null): Candidate => ({
    change: change(id, relation === 'host' ? { kind: 'host', hosts: ['web-03'] } : relation === 'group' ? { kind: 'group', field: 'role', value: 'web' } : { kind: 'fleet' }),
    relation,
    lagMs,
    evidence: ev,
  });

  it.each<[string, Candidate[], string[]]>([
    ['narrower scope first at equal lag and no evidence', [cand('fleet', 'fleet', H, null), cand('host', 'host', H, null), cand('group', 'group', H, null)], ['host', 'group', 'fleet']],
    ['closer first at equal scope', [cand('old', 'host', 10 * H, null), cand('new', 'host', H, null)], ['new', 'old']],
    ['evidence lifts a group change above an older unexplained host change', [cand('host', 'host', 3 * H, null), cand('group', 'group', 2 * H, evidence(0.001))], ['group', 'host']],
    ['evidence against sinks a recent host change', [cand('cleared', 'host', 0, evidence(0.9)), cand('fleet', 'fleet', 2 * H, null)], ['fleet', 'cleared']],
    ['ties go to the more recent, then the id', [cand('b', 'host', W * 10, null), cand('a', 'host', W * 10, null), cand('c', 'host', W * 9, null)], ['c', 'a', 'b']],
  ])('%s', (_name, input, want) => {
    expect(rankChanges(input, W).map((r) => r.change.id)).toEqual(want);
  });

  it('scores relation × recency × evidence, and says when there is no comparison', () => {
    const [r] = rankChanges([cand('g', 'group', 6 * H, null)], W);
    expect(r.score).toBe(0.8 * 0.5 * 0.5);
    expect(r.note).toMatch(/^no comparison/);
    expect(rankChanges([cand('h', 'host', 0, evidence(0.2))], W)[0]).toMatchObject({ score: 0.8 });
    expect(rankChanges([cand('h', 'host', 0, evidence(0.2))], W)[0].note).toBeUndefined();
  });
});

describe('changeAnnotation and formatP', () => {
  it('reads as one line', () => {
    const c: Candidate = {
      change: { ...change('d1', { kind: 'group', field: 'role', value: 'edge' }), description: 'nginx 1.25' },
      relation: 'group',
      lagMs: 12 * 60_000,
      evidence: { changed: { hosts: 8, anomalous: 7 }, unchanged: { hosts: 8, anomalous: 0 }, pValue: 9 / 12870, significant: true, verdict: '' },
    };
    expect(changeAnnotation(rankChanges([c], 24 * H)[0])).toBe('deploy nginx 1.25 on role=edge 12 min before (changed hosts anomalous 7/8 vs 0/8, p = 0.0007)');
    expect(changeAnnotation(rankChanges([{ ...c, relation: 'fleet', change: change('x', { kind: 'fleet' }, 0, 'config'), lagMs: 3 * H, evidence: null }], 24 * H)[0])).toBe(
      'config x fleet-wide 3 h before (no comparison)',
    );
  });
  it.each([
    [0.2429, 'p = 0.24'],
    [0.00069, 'p = 0.00069'],
    [0.00001, 'p < 0.0001'],
    [1, 'p = 1'],
  ])('%d → %s', (p, want) => {
    expect(formatP(p)).toBe(want);
  });
});
