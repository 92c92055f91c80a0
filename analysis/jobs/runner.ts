// One detection job: on a schedule, reads the steps of data that arrived since its watermark, scores
// every selected series (or every host against its peers), writes what is unusual to `anomalies`, and
// moves the alert lifecycle on. Runs never overlap; the watermark, the detectors' state and the alerts
// are kept in storage, so a restart goes on where the job stood.
import { randomUUID } from 'node:crypto';
import type { Storage } from '../../lib/clickhouse/client.ts';
import type { Counter, Histogram, Registry } from '../../lib/metrics.ts';
import { currentAssetsSql } from '../../query/assets-schema.ts';
import { loadCatalog, metricMatcher } from '../../query/catalog.ts';
import { compileSeriesSelection } from '../../query/compile/compiler.ts';
import { parseQuery } from '../../query/lang/parser.ts';
import { Lifecycle, type GroupState, type LifecycleOptions } from '../alerts/lifecycle.ts';
import type { AlertEvent } from '../alerts/model.ts';
import { changeAnnotation } from '../changes/attribution.ts';
import { attributeAnomaly } from '../changes/attribution-read.ts';
import type { JobConfig } from '../config.ts';
import { hostMatcher, type HostAsset } from '../coverage/job-match.ts';
import { readStepValues, scoreStep, type SeriesState } from './steps.ts';
import type { DetectorSet, Scored } from './types.ts';

export interface JobDeps {
  readonly storage: Storage;
  readonly detectors: DetectorSet;
  readonly lifecycle: LifecycleOptions;
  /** Where alert events go (the durable outbox); called before the run's state is saved. */
  readonly publish: (events: AlertEvent[]) => Promise<void>;
  readonly metrics: JobMetrics;
  readonly log: { info(o: object, m: string): void; warn(o: object, m: string): void; error(o: object, m: string): void };
  readonly now?: () => number;
  /** Runs between two saves of the detectors' state. */
  readonly snapshotEveryRuns?: number;
}

export interface JobMetrics {
  readonly runs: Counter;
  readonly runSeconds: Histogram;
  readonly points: Counter;
  readonly anomalies: Counter;
}

export function createJobMetrics(r: Registry): JobMetrics {
  return {
    runs: r.counter('fleetscope_analysis_runs_total', 'Runs of analysis jobs, by job and outcome (ok, failed, skipped: the previous run was still going).'),
    runSeconds: r.histogram('fleetscope_analysis_run_seconds', 'Duration of analysis job runs, by job.', [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60]),
    points: r.counter('fleetscope_analysis_points_total', 'Points scored by analysis jobs, by job.'),
    anomalies: r.counter('fleetscope_analysis_anomalies_total', 'Points written to anomalies, by job.'),
  };
}

interface SeriesMeta {
  readonly metric: string;
  readonly host: string;
  readonly labels: Record<string, string>;
}

const CONTEXT_FIELDS = ['hw_model', 'site', 'role', 'rack'] as const;

const tsText = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

export class JobRunner {
  private readonly lifecycle: Lifecycle;
  private readonly states = new Map<string, SeriesState>();
  private readonly meta = new Map<string, SeriesMeta>();
  private watermark: number | undefined;
  private loaded = false;
  private running: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private runsSinceSnapshot = 0;
  private readonly db: string;
  private readonly hostOk: (host: string, asset: HostAsset | undefined) => boolean;
  private lastRun: { at: number; seconds: number; points: number; anomalies: number; events: number } | undefined;

  constructor(
    readonly job: JobConfig,
    private readonly deps: JobDeps,
  ) {
    this.db = deps.storage.database;
    this.lifecycle = new Lifecycle(deps.lifecycle, `${job.name}-${randomUUID().slice(0, 8)}`);
    this.hostOk = hostMatcher(job);
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  /** Runs on the job's schedule until {@link stop}; a run still going when the next is due skips it. */
  start(): void {
    this.timer = setInterval(() => void this.tick(), this.job.everyMs);
    void this.tick();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    if (this.loaded) await this.saveStates().catch((err: Error) => this.deps.log.warn({ job: this.job.name, err: err.message }, 'cannot save detector state'));
  }

  status() {
    return { job: this.job.name, kind: this.job.kind, watermark: this.watermark ?? null, series: this.states.size, lastRun: this.lastRun ?? null };
  }

  alerts() {
    return this.lifecycle.alerts();
  }

  private async tick(): Promise<void> {
    if (this.running) {
      this.deps.metrics.runs.inc({ job: this.job.name, outcome: 'skipped' });
      return;
    }
    this.running = this.run()
      .then(() => this.deps.metrics.runs.inc({ job: this.job.name, outcome: 'ok' }))
      .catch((err: Error) => {
        this.deps.metrics.runs.inc({ job: this.job.name, outcome: 'failed' });
        this.deps.log.error({ job: this.job.name, err: err.message }, 'analysis run failed; the next run retries the same data');
      })
      .finally(() => {
        this.running = undefined;
      });
    await this.running;
  }

  /** One run: scores the steps from the watermark to now − lag. Exposed for tests. */
  async run(): Promise<void> {
    const t0 = performance.now();
    if (!this.loaded) await this.load();
    const step = this.job.stepMs;
    const end = Math.floor((this.now() - this.job.lagMs) / step) * step;
    let from = this.watermark ?? end - Math.max(step, Math.floor(this.job.warmupMs / step) * step);
    if (end - from > this.job.maxCatchUpMs) {
      const skipTo = end - Math.floor(this.job.maxCatchUpMs / step) * step;
      this.deps.log.warn({ job: this.job.name, from: new Date(from).toISOString(), to: new Date(skipTo).toISOString() }, 'too far behind: leaving out the oldest data');
      from = skipTo;
    }
    if (end <= from) return;
    const context = await this.assetContext();
    await this.refreshMeta(context);
    const data = await this.read(from, end);
    const rows: string[] = [];
    let points = 0;
    const events: AlertEvent[] = [];
    for (let t = from; t < end; t += step) {
      const scored = this.job.kind === 'peers' ? this.scorePeers(t, data, context) : this.scoreSeries(t, data);
      points += scored.length;
      for (const { sid, v, s, detector } of scored) {
        const m = this.meta.get(sid);
        if (!m) continue;
        const ctx = context.get(m.host) ?? {};
        if (s.score >= this.job.recordThreshold) rows.push(this.anomalyRow(sid, m, t, v, s, detector, ctx));
        // An episode that goes on keeps its alert open while the value stays outside the band the
        // detector takes as normal, though the detector scores its later points low.
        const outside = v === null ? s.kind === 'missing' : (s.low !== undefined && v < s.low) || (s.high !== undefined && v > s.high);
        const alertScore = s.ongoing && outside ? Math.max(s.score, this.deps.lifecycle.threshold) : s.score;
        this.lifecycle.observe({ labels: this.alertLabels(m), t, score: alertScore, annotations: this.annotations(m, t, v, s, ctx) });
      }
      events.push(...this.lifecycle.advance(t + step));
    }
    if (rows.length > 0) await this.deps.storage.insertText(`INSERT INTO ${this.db}.anomalies FORMAT JSONEachRow`, rows.join('\n'));
    // Alerts are handed over before the watermark moves: a crash in between repeats them (receivers
    // take a repeat as the same alert), never drops them.
    if (events.length > 0) {
      await this.annotateChanges(events);
      await this.deps.publish(events);
      await this.saveAlerts(events);
    }
    this.watermark = end;
    await this.deps.storage.insertText(`INSERT INTO ${this.db}.job_state FORMAT JSONEachRow`, JSON.stringify({ job: this.job.name, watermark: tsText(end), updated_at: tsText(Date.now()) }));
    if (++this.runsSinceSnapshot >= (this.deps.snapshotEveryRuns ?? 10)) await this.saveStates();
    const seconds = (performance.now() - t0) / 1000;
    this.deps.metrics.runSeconds.observe({ job: this.job.name }, seconds);
    this.deps.metrics.points.inc({ job: this.job.name }, points);
    this.deps.metrics.anomalies.inc({ job: this.job.name }, rows.length);
    this.lastRun = { at: end, seconds: Math.round(seconds * 1000) / 1000, points, anomalies: rows.length, events: events.length };
  }

  private scoreSeries(t: number, data: Map<string, Map<number, number>>) {
    const out: { sid: string; v: number | null; s: Scored; detector: string }[] = [];
    for (const [sid, byT] of data) {
      if (!this.states.has(sid) && byT.has(t)) this.states.set(sid, { scorer: this.deps.detectors.create(this.job.detector), lastSeen: t });
    }
    for (const [sid, st] of this.states) {
      const v = data.get(sid)?.get(t);
      const s = scoreStep(st, t, v);
      if (!s) {
        this.states.delete(sid);
        continue;
      }
      out.push({ sid, v: v ?? null, s, detector: this.job.detector });
    }
    return out;
  }

  /** Each host against the hosts of its peer group with the same metric, at one step. */
  private scorePeers(t: number, data: Map<string, Map<number, number>>, context: Map<string, Record<string, string>>) {
    const groups = new Map<string, { sid: string; v: number }[]>();
    for (const [sid, byT] of data) {
      const v = byT.get(t);
      const m = this.meta.get(sid);
      if (v === undefined || !m) continue;
      const peer = context.get(m.host)?.[this.job.peers];
      if (!peer) continue;
      const key = `${m.metric}\u0000${JSON.stringify(m.labels)}\u0000${peer}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = []));
      g.push({ sid, v });
    }
    const out: { sid: string; v: number | null; s: Scored; detector: string }[] = [];
    for (const members of groups.values()) {
      if (members.length < 3) continue;
      const scores = this.deps.detectors.peers(members.map((x) => x.v));
      members.forEach((x, i) => out.push({ sid: x.sid, v: x.v, s: scores[i], detector: `peers:${this.job.peers}` }));
    }
    return out;
  }

  /**
   * Gives each alert that starts firing a `changes` annotation: the top-ranked change before it, with
   * its peers' evidence. Cheap enough here because it runs once per firing alert (one listChanges over
   * the window for the host, the peers, one anomalies read per candidate); a failure only logs.
   */
  private async annotateChanges(events: AlertEvent[]): Promise<void> {
    const added = new Map<string, Record<string, string>>();
    for (const e of events) {
      const { host } = e.alert.labels;
      const metric = e.alert.annotations.metric;
      if (e.kind !== 'firing' || !host || !metric) continue;
      try {
        const { changes } = await attributeAnomaly(this.deps.storage, { host, metric, ts: e.alert.startsAt });
        if (changes.length > 0) added.set(e.alert.key, { changes: changeAnnotation(changes[0]) });
      } catch (err) {
        this.deps.log.warn({ job: this.job.name, host, err: (err as Error).message }, 'cannot find the changes before an alert');
      }
    }
    for (const [key, extra] of added) this.lifecycle.annotate(key, extra);
    events.forEach((e, i) => {
      const extra = added.get(e.alert.key);
      if (extra && e.kind !== 'resolved') events[i] = { ...e, alert: { ...e.alert, annotations: { ...e.alert.annotations, ...extra } } };
    });
  }

  private alertLabels(m: SeriesMeta): Record<string, string> {
    const base: Record<string, string> = { alertname: this.job.kind === 'peers' ? 'FleetscopePeerAnomaly' : 'FleetscopeAnomaly', job: this.job.name, host: m.host, severity: this.job.severity };
    if (this.job.groupBy === 'series') {
      base.metric = m.metric;
      for (const [k, v] of Object.entries(m.labels)) if (!(k in base)) base[k] = v;
    }
    return base;
  }

  private annotations(m: SeriesMeta, t: number, v: number | null, s: Scored, ctx: Record<string, string>): Record<string, string> {
    const what = s.kind ?? 'anomaly';
    const seen = v === null ? 'no data' : fmt(v);
    return {
      summary: `${what} on ${m.host}: ${m.metric}${Object.keys(m.labels).length > 0 ? ` ${JSON.stringify(m.labels)}` : ''}`,
      description: `${m.metric} was ${seen}${s.expected !== undefined ? `, expected about ${fmt(s.expected)}` : ''} at ${new Date(t).toISOString()} (score ${s.score.toFixed(2)})`,
      metric: m.metric,
      score: s.score.toFixed(3),
      observed: seen,
      ...(s.expected !== undefined ? { expected: fmt(s.expected) } : {}),
      ...ctx,
    };
  }

  private anomalyRow(sid: string, m: SeriesMeta, t: number, v: number | null, s: Scored, detector: string, ctx: Record<string, string>): string {
    const n = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? 'nan' : x);
    return JSON.stringify({
      job: this.job.name,
      detector,
      kind: s.kind ?? '',
      series_id: sid,
      metric: m.metric,
      host: m.host,
      labels: m.labels,
      ts: tsText(t),
      score: s.score,
      observed: n(v),
      expected: n(s.expected),
      low: n(s.low),
      high: n(s.high),
      context: ctx,
      detected_at: tsText(Date.now()),
    });
  }

  /** Per-step values of the selected series in `[from, to)`: gauges as they are, counters as rates. */
  private async read(from: number, to: number): Promise<Map<string, Map<number, number>>> {
    const metrics = [...new Set([...this.meta.values()].map((m) => m.metric))];
    const out = await readStepValues(this.deps.storage, { metrics, stepMs: this.job.stepMs, from, to });
    for (const sid of out.keys()) if (!this.meta.has(sid)) out.delete(sid);
    return out;
  }

  private async refreshMeta(context: Map<string, Record<string, string>>): Promise<void> {
    const selected = this.job.select ? await this.selection(this.job.select) : undefined;
    const match = this.job.metrics.map(metricMatcher);
    const rows = await this.deps.storage.query<{ sid: string; metric: string; host: string; labels: Record<string, string> }>(
      `SELECT toString(series_id) AS sid, any(metric) AS metric, any(host) AS host, any(labels) AS labels FROM ${this.db}.series GROUP BY series_id`,
    );
    this.meta.clear();
    for (const r of rows) {
      if (selected ? !selected.has(r.sid) : !match.some((m) => m(r.metric))) continue;
      const ctx = context.get(r.host);
      if (!this.hostOk(r.host, ctx && { role: ctx.role ?? '', hw_model: ctx.hw_model ?? '' })) continue;
      this.meta.set(r.sid, { metric: r.metric, host: r.host, labels: r.labels });
    }
  }

  /** Series ids a `select` in the query language picks. */
  private async selection(select: string): Promise<Set<string>> {
    const query = parseQuery(`${select} last 1m`);
    const patterns = query.pipeline.source.kind === 'metric' ? query.pipeline.source.metrics.map((m) => m.name) : [];
    const catalog = await loadCatalog(this.deps.storage, patterns, 30);
    const { sql, params } = compileSeriesSelection(query, catalog, this.db, this.now());
    const rows = await this.deps.storage.query<{ sid: string }>(sql, params);
    return new Set(rows.map((r) => r.sid));
  }

  private async assetContext(): Promise<Map<string, Record<string, string>>> {
    const rows = await this.deps.storage.query<Record<string, string>>(`SELECT host, ${CONTEXT_FIELDS.join(', ')} FROM (${currentAssetsSql(this.db)})`);
    const out = new Map<string, Record<string, string>>();
    for (const r of rows) {
      const ctx: Record<string, string> = {};
      for (const f of CONTEXT_FIELDS) if (r[f]) ctx[f] = r[f];
      out.set(r.host, ctx);
    }
    return out;
  }

  /** Reads where the job stood: its watermark, its detectors' state and its alerts. */
  private async load(): Promise<void> {
    const db = this.db;
    const name = this.job.name;
    const [wm] = await this.deps.storage.query<{ w: string }>(`SELECT toString(toUnixTimestamp64Milli(max(watermark))) AS w FROM ${db}.job_state WHERE job = {job:String} HAVING count() > 0`, { job: name });
    if (wm && Number(wm.w) > 0) this.watermark = Number(wm.w);
    if (this.job.kind === 'series') {
      const states = await this.deps.storage.query<{ sid: string; state: string; seen: string }>(
        `SELECT toString(series_id) AS sid, argMax(state, updated_at) AS state, toString(toUnixTimestamp64Milli(max(updated_at))) AS seen FROM ${db}.detector_state WHERE job = {job:String} GROUP BY series_id`,
        { job: name },
      );
      for (const s of states) {
        try {
          const saved = JSON.parse(s.state) as { detector: string; lastSeen: number; state: unknown };
          if (saved.detector !== this.job.detector) continue;
          this.states.set(s.sid, { scorer: this.deps.detectors.restore(saved.detector, saved.state), lastSeen: saved.lastSeen });
        } catch (err) {
          this.deps.log.warn({ job: name, series: s.sid, err: (err as Error).message }, 'cannot restore a detector state; it learns again');
        }
      }
    }
    const alerts = await this.deps.storage.query<{ state: string }>(`SELECT argMax(state, updated_at) AS state FROM ${db}.alerts WHERE job = {job:String} GROUP BY key`, { job: name });
    this.lifecycle.restore(alerts.map((a) => JSON.parse(a.state) as GroupState));
    this.loaded = true;
    this.deps.log.info({ job: name, watermark: this.watermark ? new Date(this.watermark).toISOString() : null, series: this.states.size, alerts: alerts.length }, 'analysis job resumed');
  }

  private async saveAlerts(events: AlertEvent[]): Promise<void> {
    const keys = new Set(events.map((e) => e.alert.key));
    const rows = this.lifecycle
      .snapshot()
      .filter((g) => keys.has(g.alert.key))
      .map((g) => JSON.stringify({ job: this.job.name, key: g.alert.key, status: g.alert.status, state: JSON.stringify(g), updated_at: tsText(Date.now()) }));
    if (rows.length > 0) await this.deps.storage.insertText(`INSERT INTO ${this.db}.alerts FORMAT JSONEachRow`, rows.join('\n'));
  }

  private async saveStates(): Promise<void> {
    this.runsSinceSnapshot = 0;
    if (this.states.size === 0) return;
    const now = tsText(Date.now());
    const lines: string[] = [];
    for (const [sid, st] of this.states) {
      lines.push(JSON.stringify({ job: this.job.name, series_id: sid, state: JSON.stringify({ detector: this.job.detector, lastSeen: st.lastSeen, state: st.scorer.snapshot() }), updated_at: now }));
      if (lines.length >= 50_000) await this.flushStates(lines.splice(0));
    }
    await this.flushStates(lines);
  }

  private async flushStates(lines: string[]): Promise<void> {
    if (lines.length > 0) await this.deps.storage.insertText(`INSERT INTO ${this.db}.detector_state FORMAT JSONEachRow`, lines.join('\n'));
  }
}

function fmt(x: number): string {
  return Math.abs(x) >= 1000 || Number.isInteger(x) ? String(Math.round(x * 100) / 100) : String(Number(x.toPrecision(4)));
}
