/**
 * What-if sizing and headroom per (site, model) group. Closed-form arithmetic, returned step by step so that a report
 * can print it next to the answer.
 */

/**
 * Hosts held back so the group survives failures:
 * - 'n-plus': `spares` extra hosts (N+1, N+2: one planned and one unplanned outage at once);
 * - 'spare-fraction': ⌈hosts × fraction⌉ of the group's hosts are spare (fraction in [0, 1));
 * - 'failure-domains': hosts spread evenly over `domains` racks or rooms (≥ 2); the largest, ⌈hosts / domains⌉,
 *   may be lost.
 */
export type Redundancy =
  | { readonly kind: 'n-plus'; readonly spares: number }
  | { readonly kind: 'spare-fraction'; readonly fraction: number }
  | { readonly kind: 'failure-domains'; readonly domains: number };

/** Relative tolerance of the ceilings, so that 3.0000000000004 hosts is 3 hosts, not 4. */
const EPS = 1e-9;
const ceil = (v: number): number => Math.ceil(v - EPS * Math.abs(v));

/** Hosts out of `hosts` that {@link Redundancy} holds back. */
export function reserveHosts(hosts: number, r: Redundancy): number {
  switch (r.kind) {
    case 'n-plus':
      return r.spares;
    case 'spare-fraction':
      return ceil(hosts * r.fraction);
    case 'failure-domains':
      return ceil(hosts / r.domains);
    default: {
      const never: never = r;
      throw new TypeError(`cannot size: unknown redundancy ${JSON.stringify(never)}`);
    }
  }
}

export interface SizingInput {
  /** Peak load to carry, in the unit of perHostCapacity (Gbps, req/s). */
  readonly load: number;
  /** Measured throughput one host of the model sustains (e.g. from the USL fit at the SLO). */
  readonly perHostCapacity: number;
  /** Ceiling on each host's use of perHostCapacity, in (0, 1]. @default 1 */
  readonly targetUtilisation?: number;
  /** Multiplier on load for growth or an event. @default 1 */
  readonly growth?: number;
  /** @default { kind: 'n-plus', spares: 1 } */
  readonly redundancy?: Redundancy;
}

/** The answer of {@link hostsNeeded}, with every intermediate number and the arithmetic as printable lines. */
export interface Sizing {
  readonly demand: number;
  readonly usablePerHost: number;
  /** ⌈demand / usablePerHost⌉: hosts to carry the load with nothing failed. */
  readonly base: number;
  readonly reserve: number;
  /** base + reserve: the smallest host count that still carries the load after losing its reserve. */
  readonly total: number;
  readonly arithmetic: readonly string[];
}

/**
 * Hosts of one model needed to carry a load: demand = load × growth, usable per host = capacity × target utilisation,
 * base = ⌈demand / usable per host⌉, then the smallest total T ≥ base with T − reserve(T) ≥ base. Throws a RangeError
 * on a non-positive capacity, a utilisation outside (0, 1], a negative load or growth, or a bad redundancy.
 *
 * @example
 * hostsNeeded({ load: 900, perHostCapacity: 100, targetUtilisation: 0.7 }) // base ⌈900/70⌉ = 13, N+1 → total 14
 */
export function hostsNeeded(input: SizingInput): Sizing {
  const util = input.targetUtilisation ?? 1;
  const growth = input.growth ?? 1;
  const r = input.redundancy ?? { kind: 'n-plus', spares: 1 };
  validate(input.load, input.perHostCapacity, util, growth, r);
  const demand = input.load * growth;
  const usablePerHost = input.perHostCapacity * util;
  const base = ceil(demand / usablePerHost);
  let total = base;
  while (total - reserveHosts(total, r) < base) total++;
  const reserve = total - base;
  const arithmetic = [
    `demand = load × growth = ${fmt(input.load)} × ${fmt(growth)} = ${fmt(demand)}`,
    `usable per host = capacity × target utilisation = ${fmt(input.perHostCapacity)} × ${fmt(util)} = ${fmt(usablePerHost)}`,
    `base = ⌈demand / usable per host⌉ = ⌈${fmt(demand)} / ${fmt(usablePerHost)}⌉ = ⌈${fmt(demand / usablePerHost)}⌉ = ${base}`,
    `reserve (${describe(r)}) = ${reserve}`,
    `total = base + reserve = ${base} + ${reserve} = ${total}`,
  ];
  return { demand, usablePerHost, base, reserve, total, arithmetic };
}

function validate(load: number, cap: number, util: number, growth: number, r: Redundancy): void {
  const bad = (what: string): never => {
    throw new RangeError(`cannot size hosts: ${what}`);
  };
  if (!(cap > 0 && Number.isFinite(cap))) bad(`per-host capacity ${cap} is not a positive finite number`);
  if (!(util > 0 && util <= 1)) bad(`target utilisation ${util} is not in (0, 1]`);
  if (!(load >= 0 && Number.isFinite(load))) bad(`load ${load} is not a finite number ≥ 0`);
  if (!(growth >= 0 && Number.isFinite(growth))) bad(`growth ${growth} is not a finite number ≥ 0`);
  if (r.kind === 'n-plus' && !(Number.isInteger(r.spares) && r.spares >= 0)) bad(`spares ${r.spares} is not an integer ≥ 0`);
  if (r.kind === 'spare-fraction' && !(r.fraction >= 0 && r.fraction < 1)) bad(`spare fraction ${r.fraction} is not in [0, 1)`);
  if (r.kind === 'failure-domains' && !(Number.isInteger(r.domains) && r.domains >= 2)) {
    bad(`failure domains ${r.domains} is not an integer ≥ 2`);
  }
}

function describe(r: Redundancy): string {
  if (r.kind === 'n-plus') return `N+${r.spares}`;
  if (r.kind === 'spare-fraction') return `⌈total × ${fmt(r.fraction)}⌉ spare`;
  return `lose the largest of ${r.domains} failure domains, ⌈total / ${r.domains}⌉`;
}

/** Up to 4 decimals, without trailing zeros. */
function fmt(v: number): string {
  return String(Number(v.toFixed(4)));
}

/** One (site, model) group as it runs today. */
export interface GroupInput {
  readonly site: string;
  readonly model: string;
  readonly hosts: number;
  readonly perHostCapacity: number;
  /** Peak load the group carries (state the definition of peak on the report). */
  readonly load: number;
}

/** Headroom of one group after the utilisation ceiling and the redundancy reserve. */
export interface GroupHeadroom extends GroupInput {
  readonly reserve: number;
  /** (hosts − reserve) × perHostCapacity × targetUtilisation. */
  readonly usableCapacity: number;
  /** 1 − load / usableCapacity; negative when over; −Infinity when nothing is usable but load is positive. */
  readonly headroom: number;
  /** Hosts the group needs for its load ({@link hostsNeeded}); surplus = hosts − needed (negative: short). */
  readonly needed: number;
  readonly surplus: number;
}

/**
 * Headroom of each (site, model) group, lowest headroom first. Throws like {@link hostsNeeded}.
 *
 * @example
 * groupHeadroom([{ site: 'fra1', model: 'r740', hosts: 10, perHostCapacity: 20, load: 100 }], { targetUtilisation: 0.8 })
 * // usable (10 − 1) × 20 × 0.8 = 144, headroom 1 − 100/144 ≈ 0.306, needed ⌈100/16⌉ + 1 = 8, surplus 2
 */
export function groupHeadroom(
  groups: readonly GroupInput[],
  opts: { readonly targetUtilisation?: number; readonly redundancy?: Redundancy } = {},
): GroupHeadroom[] {
  const util = opts.targetUtilisation ?? 1;
  const r = opts.redundancy ?? { kind: 'n-plus', spares: 1 };
  return groups
    .map((g) => {
      const needed = hostsNeeded({ load: g.load, perHostCapacity: g.perHostCapacity, targetUtilisation: util, redundancy: r }).total;
      const reserve = Math.min(reserveHosts(g.hosts, r), g.hosts);
      const usableCapacity = (g.hosts - reserve) * g.perHostCapacity * util;
      const headroom = usableCapacity > 0 ? 1 - g.load / usableCapacity : g.load > 0 ? -Infinity : 0;
      return { ...g, reserve, usableCapacity, headroom, needed, surplus: g.hosts - needed };
    })
    .sort((a, b) => a.headroom - b.headroom);
}
