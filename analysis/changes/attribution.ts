// Which changes came before an anomaly, and which of them the data implicates. For an anomaly of host H,
// each change that applied to H (directly, through a group, or fleet-wide) is compared across H's peers:
// were the hosts that got it anomalous more often afterwards than the peers that did not (Fisher's exact
// test)? Candidates are ranked by scope, recency and that evidence. Pure: storage reads are in
// attribution-read.ts.
import { fisherExact } from '../../query/stats/fisher.ts';
import { changeHosts, type Change, type GroupMembers } from './store.ts';

/** How a change reached the anomalous host: its own change, its group's, or the whole fleet's. */
export type Relation = 'host' | 'group' | 'fleet';

/** How much a relation counts in the score: the narrower the scope, the likelier the cause. */
export const RELATION_WEIGHT: Readonly<Record<Relation, number>> = { host: 1, group: 0.8, fleet: 0.6 };

/** Weight of a candidate without evidence (no peers on one side): neither for nor against. */
export const NO_EVIDENCE_WEIGHT = 0.5;

/** Significance level of the verdict. */
export const ALPHA = 0.05;

/** The relation of a change to host `host`; undefined when it did not apply to it. */
export function relationOf(c: Change, host: string, groups: GroupMembers): Relation | undefined {
  if (c.scope.kind === 'fleet') return 'fleet';
  if (!changeHosts(c, groups).includes(host)) return undefined;
  return c.scope.kind === 'host' ? 'host' : 'group';
}

/** Hosts of one side of the comparison, and how many of them had an anomaly after the change. */
export interface Side {
  readonly hosts: number;
  readonly anomalous: number;
}

/** Were the hosts that got a change anomalous more often than comparable hosts that did not? */
export interface Evidence {
  readonly changed: Side;
  readonly unchanged: Side;
  /** One-sided Fisher exact test: the changed hosts' rate is greater. */
  readonly pValue: number;
  /** pValue < {@link ALPHA}. */
  readonly significant: boolean;
  readonly verdict: string;
}

/** What {@link changeEvidence} compares. */
export interface EvidenceInput {
  /** The hosts the change applied to (`*` for every host). */
  readonly applied: readonly string[];
  /** Comparable hosts: those with the anomaly's metric, of the anomalous host's role or model. */
  readonly peers: readonly string[];
  /** Peers with an anomaly of the metric in the window after the change. */
  readonly anomalous: ReadonlySet<string>;
  /**
   * The anomalous host itself, left out of both sides: it is why we are asking, so counting it would
   * always tilt the test towards its own changes.
   */
  readonly exclude: string;
}

/** Formats a p-value for people: two significant digits, `< 0.0001` below that. */
export function formatP(p: number): string {
  return p < 0.0001 ? 'p < 0.0001' : `p = ${Number(p.toPrecision(2))}`;
}

/**
 * Splits the peers (less the anomalous host) into those the change applied to and the rest, counts the
 * anomalous on each side and tests whether the changed side's rate is higher. Null when a side is
 * empty: a fleet-wide change, a group change when the peers are that group, a change on the host alone.
 */
export function changeEvidence(input: EvidenceInput): Evidence | null {
  const all = input.applied.includes('*');
  const applied = new Set(input.applied);
  const changed: string[] = [];
  const unchanged: string[] = [];
  for (const h of new Set(input.peers)) {
    if (h === input.exclude) continue;
    (all || applied.has(h) ? changed : unchanged).push(h);
  }
  if (changed.length === 0 || unchanged.length === 0) return null;
  const a = changed.filter((h) => input.anomalous.has(h)).length;
  const c = unchanged.filter((h) => input.anomalous.has(h)).length;
  const pValue = fisherExact({ a, b: changed.length - a, c, d: unchanged.length - c }, 'greater');
  const significant = pValue < ALPHA;
  const counts = `${a} of ${changed.length} vs ${c} of ${unchanged.length}, ${formatP(pValue)}`;
  return {
    changed: { hosts: changed.length, anomalous: a },
    unchanged: { hosts: unchanged.length, anomalous: c },
    pValue,
    significant,
    verdict: significant ? `hosts that got this change were anomalous more often: ${counts}` : `no difference: hosts that got this change were not anomalous more often (${counts})`,
  };
}

/** A change that applied to the anomalous host before the anomaly. */
export interface Candidate {
  readonly change: Change;
  readonly relation: Relation;
  /** Anomaly time − change time, ms (≥ 0). */
  readonly lagMs: number;
  readonly evidence: Evidence | null;
}

/** A candidate with its rank score (0–1, higher first) and, without evidence, why there is none. */
export interface RankedChange extends Candidate {
  readonly score: number;
  readonly note?: string;
}

/**
 * Ranks candidates: score = relation weight × recency × evidence, where recency halves every quarter
 * of the window (2^(−4·lag/window)) and evidence is 1 − p (at least 0.05), or 0.5 without a
 * comparison. Ties go to the more recent change, then the id. A product, not a lexicographic order, so
 * a group change that the peers implicate outranks a host change they clear.
 */
export function rankChanges(candidates: readonly Candidate[], windowMs: number): RankedChange[] {
  const ranked = candidates.map((c): RankedChange => {
    const recency = 2 ** ((-4 * Math.max(0, c.lagMs)) / windowMs);
    const ev = c.evidence ? Math.max(0.05, 1 - c.evidence.pValue) : NO_EVIDENCE_WEIGHT;
    const score = Math.round(RELATION_WEIGHT[c.relation] * recency * ev * 10_000) / 10_000;
    return c.evidence ? { ...c, score } : { ...c, score, note: noComparison(c.relation) };
  });
  return ranked.sort((x, y) => y.score - x.score || x.lagMs - y.lagMs || x.change.id.localeCompare(y.change.id));
}

function noComparison(r: Relation): string {
  if (r === 'fleet') return 'no comparison: the change applied to every peer';
  if (r === 'group') return 'no comparison: the change applied to every peer of the group, or to none but this host';
  return 'no comparison: no peer host got this change, or every peer did; ranked by proximity alone';
}

function ago(ms: number): string {
  const min = Math.round(ms / 60_000);
  if (min < 120) return `${min} min`;
  return `${Math.round(ms / 360_000) / 10} h`;
}

function scopeText(c: Change): string {
  if (c.scope.kind === 'fleet') return 'fleet-wide';
  if (c.scope.kind === 'group') return `on ${c.scope.field}=${c.scope.value}`;
  return c.scope.hosts.length === 1 ? `on ${c.scope.hosts[0]}` : `on ${c.scope.hosts.length} hosts`;
}

/** One line for an alert: `deploy nginx 1.25 on role=edge 12 min before (changed hosts anomalous 7/8 vs 0/8, p = 0.0007)`. */
export function changeAnnotation(top: RankedChange): string {
  const e = top.evidence;
  const why = e
    ? `changed hosts anomalous ${e.changed.anomalous}/${e.changed.hosts} vs ${e.unchanged.anomalous}/${e.unchanged.hosts}, ${formatP(e.pValue)}${e.significant ? '' : ': no difference'}`
    : 'no comparison';
  return `${top.change.kind} ${top.change.description} ${scopeText(top.change)} ${ago(top.lagMs)} before (${why})`;
}
