import { describe, expect, it } from 'vitest';
import type { AssetContent, AssetInput, AssetMode, AssetVersion } from './assets.ts';
import { applyInput, diffContent, planRetire, planUpsert, timeline, versionAt } from './assets-versions.ts';

const T0 = Date.UTC(2026, 0, 1);
const T1 = Date.UTC(2026, 5, 1);
const T2 = Date.UTC(2026, 9, 1);
const NOW = Date.UTC(2026, 10, 21);

function version(validFrom: number, fields: AssetContent['fields'], attrs: AssetContent['attrs'] = {}, deleted = false): AssetVersion {
  return { host: 'h', validFrom, deleted, content: { fields, attrs }, source: 'test', recordedAt: validFrom };
}

function input(fields: AssetInput['fields'], attrs: AssetInput['attrs'] = {}, validFrom?: number, host = 'h'): AssetInput {
  return { host, validFrom, fields, attrs };
}

function plan(history: AssetVersion[], inputs: AssetInput[], mode: AssetMode = 'replace') {
  return planUpsert(new Map([['h', history]]), inputs.map((i, index) => ({ index, input: i })), { mode, source: 'api', validFrom: NOW, recordedAt: NOW });
}

const A = version(T0, { hw_model: 'R640', kernel: '5.10', cpu_cores: 32 }, { owner: 'a' });

describe('applyInput', () => {
  it.each([
    ['replace keeps only what is given', 'replace', input({ kernel: '6.1' }), { fields: { kernel: '6.1' }, attrs: {} }],
    ['merge changes what is given', 'merge', input({ kernel: '6.1' }), { fields: { hw_model: 'R640', kernel: '6.1', cpu_cores: 32 }, attrs: { owner: 'a' } }],
    ['merge removes a field given as null', 'merge', input({ kernel: null }, { owner: null }), { fields: { hw_model: 'R640', cpu_cores: 32 }, attrs: {} }],
    ['replace ignores nulls', 'replace', input({ kernel: null, site: 'fra1' }), { fields: { site: 'fra1' }, attrs: {} }],
  ] as const)('%s', (_n, mode, i, expected) => {
    expect(applyInput(A.content, i, mode)).toEqual(expected);
  });
});

describe('planUpsert', () => {
  it('writes the first version of a new host', () => {
    const p = plan([], [input({ hw_model: 'R640' })]);
    expect(p.changed).toEqual([0]);
    expect(p.rows).toEqual([{ host: 'h', validFrom: NOW, deleted: false, content: { fields: { hw_model: 'R640' }, attrs: {} }, source: 'api', recordedAt: NOW }]);
  });

  it.each([
    ['the same record again', 'replace', input({ hw_model: 'R640', kernel: '5.10', cpu_cores: 32 }, { owner: 'a' })],
    ['a merge of values it already has', 'merge', input({ kernel: '5.10' })],
    ['a merge of nothing', 'merge', input({})],
  ] as const)('makes no version for %s', (_n, mode, i) => {
    const p = plan([A], [i], mode);
    expect(p).toEqual({ rows: [], changed: [], unchanged: [0] });
  });

  it.each([
    ['a replace that leaves a field out', 'replace', input({ hw_model: 'R640', kernel: '5.10' }, { owner: 'a' }), { hw_model: 'R640', kernel: '5.10' }],
    ['a merge that changes one field', 'merge', input({ kernel: '6.1' }), { hw_model: 'R640', kernel: '6.1', cpu_cores: 32 }],
    ['a merge that clears a field', 'merge', input({ cpu_cores: null }), { hw_model: 'R640', kernel: '5.10' }],
  ] as const)('makes a version for %s', (_n, mode, i, fields) => {
    const p = plan([A], [i], mode);
    expect(p.changed).toEqual([0]);
    expect(p.rows[0]).toMatchObject({ validFrom: NOW, content: { fields } });
  });

  it('compares a past record with the version in effect then, and leaves later versions alone', () => {
    const B = version(T2, { hw_model: 'R640', kernel: '6.1', cpu_cores: 32 }, { owner: 'a' });
    // At T1 the host still had kernel 5.10: a merge of memory makes a version at T1 on top of A.
    const p = plan([A, B], [input({ memory_bytes: 1024 }, {}, T1)], 'merge');
    expect(p.rows).toEqual([expect.objectContaining({ validFrom: T1, content: { fields: { hw_model: 'R640', kernel: '5.10', cpu_cores: 32, memory_bytes: 1024 }, attrs: { owner: 'a' } } })]);
    // What A already said at T1 is unchanged, even though B says otherwise later.
    expect(plan([A, B], [input({ kernel: '5.10' }, {}, T1)], 'merge').unchanged).toEqual([0]);
  });

  it('lets later records of a request see earlier ones', () => {
    const p = plan([], [input({ kernel: '5.10' }, {}, T0), input({ kernel: '5.10' }, {}, T1), input({ kernel: '6.1' }, {}, T2)]);
    expect(p.changed).toEqual([0, 2]);
    expect(p.unchanged).toEqual([1]);
    expect(p.rows.map((r) => r.validFrom)).toEqual([T0, T2]);
  });

  it('writes one row per host and time: the last record for it wins', () => {
    const p = plan([], [input({ kernel: '5.10' }, {}, T1), input({ kernel: '6.1' }, {}, T1)]);
    expect(p.changed).toEqual([0, 1]);
    expect(p.rows).toHaveLength(1);
    expect(p.rows[0].content.fields.kernel).toBe('6.1');
  });

  it('brings a retired host back, from nothing even in merge mode', () => {
    const p = plan([A, version(T1, {}, {}, true)], [input({ site: 'fra1' })], 'merge');
    expect(p.rows[0].content).toEqual({ fields: { site: 'fra1' }, attrs: {} });
  });

  it('keeps hosts apart and leaves the histories it was given alone', () => {
    const histories = new Map([['h', [A]]]);
    const p = planUpsert(histories, [{ index: 0, input: input({ kernel: '6.1' }, {}, T2, 'h') }, { index: 1, input: input({ kernel: '6.1' }, {}, T2, 'g') }], { mode: 'replace', source: 'api', validFrom: NOW, recordedAt: NOW });
    expect(p.rows.map((r) => r.host)).toEqual(['h', 'g']);
    expect(histories.get('h')).toEqual([A]);
  });
});

describe('planRetire', () => {
  it('retires a host that has a record then', () => {
    expect(planRetire([A], 'h', T1, 'api', NOW)).toEqual({ host: 'h', validFrom: T1, deleted: true, content: { fields: {}, attrs: {} }, source: 'api', recordedAt: NOW });
  });
  it.each([
    ['an unknown host', []],
    ['a time before its first version', [version(T2, { site: 'x' })]],
    ['a host already retired', [A, version(T0 + 1, {}, {}, true)]],
  ])('does nothing for %s', (_n, history) => {
    expect(planRetire(history, 'h', T1, 'api', NOW)).toBeUndefined();
  });
});

describe('versionAt, diffContent and timeline', () => {
  const B = version(T1, { hw_model: 'R640', kernel: '6.1', cpu_cores: 32 }, { owner: 'b' });
  const C = version(T2, {}, {}, true);

  it('finds the version in effect at a time', () => {
    expect([T0 - 1, T0, T1 - 1, T1, T2 + 5].map((t) => versionAt([A, B, C], t))).toEqual([undefined, A, A, B, C]);
  });

  it('lists changes in field order, then attributes', () => {
    expect(diffContent(A.content, B.content)).toEqual([
      { field: 'kernel', from: '5.10', to: '6.1' },
      { field: 'attr.owner', from: 'a', to: 'b' },
    ]);
  });

  it('reads a history as a timeline with valid_to and changes', () => {
    expect(timeline([A, B, C])).toEqual([
      { version: A, validTo: T1, changes: [{ field: 'hw_model', from: null, to: 'R640' }, { field: 'kernel', from: null, to: '5.10' }, { field: 'cpu_cores', from: null, to: 32 }, { field: 'attr.owner', from: null, to: 'a' }] },
      { version: B, validTo: T2, changes: diffContent(A.content, B.content) },
      { version: C, validTo: null, changes: [{ field: 'hw_model', from: 'R640', to: null }, { field: 'kernel', from: '6.1', to: null }, { field: 'cpu_cores', from: 32, to: null }, { field: 'attr.owner', from: 'b', to: null }] },
    ]);
  });
});
