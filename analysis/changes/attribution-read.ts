// What attribution reads from storage: the anomaly, the changes before it, the anomalous host's peers
// and which of them were anomalous after each change. Shared by the API and the analysis jobs (the
// `changes` annotation of a firing alert).
import type { Storage } from '../../lib/clickhouse/client.ts';
import { currentAssetsSql } from '../../query/assets-schema.ts';
import { anomalyId, type AnomalyKey } from '../anomaly-id.ts';
import { changeEvidence, rankChanges, relationOf, type Candidate, type RankedChange } from './attribution.ts';
import { changeHosts, groupMembers, listChanges } from './store.ts';

/** How far attribution looks. */
export interface AttributionOptions {
  /** Changes this long before the anomaly are candidates, ms. @default 24 h */
  readonly windowMs: number;
  /** A host counts as anomalous after a change when it has an anomaly of the metric this long after it, ms. @default 2 h */
  readonly afterMs: number;
  /** Anomalies at or above this score count. @default 0.5 (the calibrated alert threshold) */
  readonly minScore: number;
  /** Candidates compared (the newest), bounding the reads. @default 50 */
  readonly maxCandidates: number;
}

export const DEFAULT_ATTRIBUTION: AttributionOptions = { windowMs: 24 * 3_600_000, afterMs: 2 * 3_600_000, minScore: 0.5, maxCandidates: 50 };

/** The anomaly being explained: a host, a metric, a time. */
export interface AttributionTarget {
  readonly host: string;
  readonly metric: string;
  readonly ts: number;
}

/** The hosts the changes are compared across: those with the metric sharing the host's role or model. */
export interface PeerGroup {
  /** `role`, `hw_model`, or null when the host has neither (every host with the metric). */
  readonly field: string | null;
  readonly value: string | null;
  readonly hosts: number;
}

export interface Attribution {
  readonly peers: PeerGroup;
  readonly changes: RankedChange[];
}

/** A row of `anomalies` as the API shows it, with its id. */
export type AnomalyRow = Record<string, unknown> & { id: string; host: string; metric: string; ts: number };

const ANOMALY_COLUMNS = `job, detector, kind, toString(series_id) AS series_id, metric, host, labels, toUnixTimestamp64Milli(ts) AS ts_ms, score, observed, expected, low, high, context`;

/** The SELECT list of an anomaly row for {@link toAnomalyRow}. */
export const anomalyColumns = (): string => ANOMALY_COLUMNS;

/** An anomaly row as read with {@link anomalyColumns}, with its time as a number and its id. */
export function toAnomalyRow({ ts_ms, ...r }: Record<string, unknown>): AnomalyRow {
  const ts = Number(ts_ms);
  const row = { ...r, ts } as Record<string, unknown> & { host: string; metric: string; ts: number };
  return { id: anomalyId({ job: String(r.job), detector: String(r.detector), seriesId: String(r.series_id), ts }), ...row };
}

/** One anomaly by its key; undefined when there is none. */
export async function readAnomaly(storage: Storage, k: AnomalyKey): Promise<AnomalyRow | undefined> {
  const rows = await storage.query<Record<string, unknown>>(
    // The inner query filters on the stored columns: the outer SELECT list renames series_id and ts.
    `SELECT ${ANOMALY_COLUMNS} FROM (
       SELECT * FROM ${storage.database}.anomalies FINAL
       WHERE job = {job:String} AND detector = {detector:String} AND series_id = {sid:UInt64} AND ts = fromUnixTimestamp64Milli({ts:Int64}, 'UTC')
     ) LIMIT 1`,
    { job: k.job, detector: k.detector, sid: k.seriesId, ts: k.ts },
  );
  return rows[0] ? toAnomalyRow(rows[0]) : undefined;
}

/**
 * The changes that applied to `target.host` in `[ts − window, ts]`, each with the evidence of the
 * host's peers, ranked (see {@link rankChanges}). Reads: the changes (one listChanges), the peers (two
 * queries), and one anomalies query per candidate that has a comparison.
 */
export async function attributeAnomaly(storage: Storage, target: AttributionTarget, options: Partial<AttributionOptions> = {}): Promise<Attribution> {
  const opts = { ...DEFAULT_ATTRIBUTION, ...options };
  const found = await listChanges(storage, { from: target.ts - opts.windowMs, to: target.ts + 1, hosts: [target.host], limit: opts.maxCandidates });
  const groups = await groupMembers(storage, found);
  const peers = await peerGroup(storage, target);
  const candidates: Candidate[] = [];
  for (const change of found) {
    const relation = relationOf(change, target.host, groups);
    if (!relation) continue;
    const input = { applied: changeHosts(change, groups), peers: peers.hosts, anomalous: new Set<string>(), exclude: target.host };
    const evidence = changeEvidence(input) && changeEvidence({ ...input, anomalous: await anomalousHosts(storage, target.metric, change.ts, change.ts + opts.afterMs, opts.minScore) });
    candidates.push({ change, relation, lagMs: target.ts - change.ts, evidence });
  }
  return { peers: { field: peers.field, value: peers.value, hosts: peers.hosts.length }, changes: rankChanges(candidates, opts.windowMs) };
}

/** Hosts with series of the metric that share the host's role (or, without one, its hardware model). */
async function peerGroup(storage: Storage, target: AttributionTarget): Promise<{ field: string | null; value: string | null; hosts: string[] }> {
  const db = storage.database;
  const withMetric = await storage.query<{ host: string; role: string; hw_model: string }>(
    `SELECT s.host AS host, toString(a.role) AS role, toString(a.hw_model) AS hw_model
     FROM (SELECT DISTINCT host FROM ${db}.series WHERE metric = {metric:String}) AS s
     LEFT JOIN (SELECT host, role, hw_model FROM (${currentAssetsSql(db)})) AS a ON a.host = s.host
     ORDER BY host`,
    { metric: target.metric },
  );
  const own = withMetric.find((r) => r.host === target.host);
  for (const field of ['role', 'hw_model'] as const) {
    const value = own?.[field] ?? '';
    if (value !== '') return { field, value, hosts: withMetric.filter((r) => r[field] === value).map((r) => r.host) };
  }
  return { field: null, value: null, hosts: withMetric.map((r) => r.host) };
}

async function anomalousHosts(storage: Storage, metric: string, from: number, to: number, minScore: number): Promise<Set<string>> {
  const rows = await storage.query<{ host: string }>(
    `SELECT DISTINCT host FROM ${storage.database}.anomalies FINAL
     WHERE metric = {metric:String} AND score >= {minScore:Float32} AND ts >= fromUnixTimestamp64Milli({from:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({to:Int64}, 'UTC')`,
    { metric, minScore, from, to },
  );
  return new Set(rows.map((r) => r.host));
}
