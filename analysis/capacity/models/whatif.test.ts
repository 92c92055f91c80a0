import { describe, expect, it } from 'vitest';
import { groupHeadroom, hostsNeeded, reserveHosts, type SizingInput } from './whatif.ts';

describe('hostsNeeded', () => {
  it.each([
    // 900 Gbps on hosts that carry 100 Gbps, run at 70 %: 900 / 70 = 12.857 → 13 hosts, N+1 → 14.
    { name: 'N+1 at 70 %', input: { load: 900, perHostCapacity: 100, targetUtilisation: 0.7 }, base: 13, total: 14 },
    // 1000 × 1.2 growth = 1200 req/s; 1200 / (400 × 0.75 = 300) = exactly 4 → 4 hosts (no float round-up), N+2 → 6.
    { name: 'N+2 with growth, exact division', input: { load: 1000, perHostCapacity: 400, targetUtilisation: 0.75, growth: 1.2, redundancy: { kind: 'n-plus', spares: 2 } }, base: 4, total: 6 },
    // 500 / 40 = 12.5 → 13; 20 % spare: smallest T with T − ⌈0.2·T⌉ ≥ 13: T = 16 gives 16 − 4 = 12, T = 17 gives 17 − 4 = 13.
    { name: '20 % spare', input: { load: 500, perHostCapacity: 40, redundancy: { kind: 'spare-fraction', fraction: 0.2 } }, base: 13, total: 17 },
    // 10 hosts' worth over 3 racks: T − ⌈T/3⌉ ≥ 10: T = 15 → 15 − 5 = 10.
    { name: 'lose one of 3 racks', input: { load: 95, perHostCapacity: 10, redundancy: { kind: 'failure-domains', domains: 3 } }, base: 10, total: 15 },
    { name: 'no load, N+1', input: { load: 0, perHostCapacity: 10 }, base: 0, total: 1 },
  ] as { name: string; input: SizingInput; base: number; total: number }[])('$name', ({ input, base, total }) => {
    const s = hostsNeeded(input);
    expect(s.base).toBe(base);
    expect(s.total).toBe(total);
    expect(s.reserve).toBe(total - base);
    expect(s.arithmetic.at(-1)).toBe(`total = base + reserve = ${base} + ${total - base} = ${total}`);
  });

  it('writes out the arithmetic', () => {
    expect(hostsNeeded({ load: 900, perHostCapacity: 100, targetUtilisation: 0.7 }).arithmetic).toEqual([
      'demand = load × growth = 900 × 1 = 900',
      'usable per host = capacity × target utilisation = 100 × 0.7 = 70',
      'base = ⌈demand / usable per host⌉ = ⌈900 / 70⌉ = ⌈12.8571⌉ = 13',
      'reserve (N+1) = 1',
      'total = base + reserve = 13 + 1 = 14',
    ]);
  });

  it.each([
    { name: 'zero capacity', input: { load: 1, perHostCapacity: 0 }, msg: /per-host capacity 0/ },
    { name: 'utilisation above 1', input: { load: 1, perHostCapacity: 1, targetUtilisation: 1.5 }, msg: /target utilisation 1.5/ },
    { name: 'negative load', input: { load: -1, perHostCapacity: 1 }, msg: /load -1/ },
    { name: 'fractional spares', input: { load: 1, perHostCapacity: 1, redundancy: { kind: 'n-plus', spares: 0.5 } }, msg: /spares 0.5/ },
    { name: 'spare fraction 1', input: { load: 1, perHostCapacity: 1, redundancy: { kind: 'spare-fraction', fraction: 1 } }, msg: /spare fraction 1/ },
    { name: 'one failure domain', input: { load: 1, perHostCapacity: 1, redundancy: { kind: 'failure-domains', domains: 1 } }, msg: /failure domains 1/ },
  ] as { name: string; input: SizingInput; msg: RegExp }[])('$name throws', ({ input, msg }) => {
    expect(() => hostsNeeded(input)).toThrow(msg);
    expect(() => hostsNeeded(input)).toThrow(/^cannot size hosts: /);
  });
});

describe('reserveHosts', () => {
  it.each([
    { hosts: 10, r: { kind: 'n-plus', spares: 2 } as const, reserve: 2 },
    { hosts: 10, r: { kind: 'spare-fraction', fraction: 0.25 } as const, reserve: 3 },
    { hosts: 10, r: { kind: 'spare-fraction', fraction: 0.3 } as const, reserve: 3 }, // 10 × 0.3 = 3.0000000000000004
    { hosts: 10, r: { kind: 'failure-domains', domains: 4 } as const, reserve: 3 },
  ])('$hosts hosts, $r.kind', ({ hosts, r, reserve }) => {
    expect(reserveHosts(hosts, r)).toBe(reserve);
  });
});

describe('groupHeadroom', () => {
  it('ranks (site, model) groups by headroom, with the arithmetic done by hand', () => {
    const rows = groupHeadroom(
      [
        // usable (10 − 1) × 20 × 0.8 = 144; headroom 1 − 100/144 = 0.30556; needed ⌈100/16⌉ + 1 = 7 + 1 = 8; surplus 2.
        { site: 'fra1', model: 'gen1', hosts: 10, perHostCapacity: 20, load: 100 },
        // usable (4 − 1) × 50 × 0.8 = 120; headroom 1 − 150/120 = −0.25; needed ⌈150/40⌉ + 1 = 4 + 1 = 5; surplus −1.
        { site: 'ams1', model: 'gen2', hosts: 4, perHostCapacity: 50, load: 150 },
        // one host, its reserve is the host: nothing usable, load > 0 → −Infinity.
        { site: 'par1', model: 'gen1', hosts: 1, perHostCapacity: 20, load: 5 },
      ],
      { targetUtilisation: 0.8 },
    );
    expect(rows.map((r) => r.site)).toEqual(['par1', 'ams1', 'fra1']);
    expect(rows[0]).toMatchObject({ reserve: 1, usableCapacity: 0, headroom: -Infinity, needed: 2, surplus: -1 });
    expect(rows[1]).toMatchObject({ reserve: 1, usableCapacity: 120, needed: 5, surplus: -1 });
    expect(rows[1].headroom).toBeCloseTo(-0.25, 12);
    expect(rows[2]).toMatchObject({ reserve: 1, usableCapacity: 144, needed: 8, surplus: 2 });
    expect(rows[2].headroom).toBeCloseTo(1 - 100 / 144, 12);
  });
});
