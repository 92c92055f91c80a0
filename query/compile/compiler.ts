// Compiles a parsed query into one ClickHouse statement: a chain of CTEs, one or a few per stage, with
// every literal bound as a parameter. Stages that need a finished aggregate (`compare`, `correlate`,
// `trend`) end in SQL that returns small summaries; the few numbers ClickHouse cannot give (p-values,
// corrections) are added afterwards by ./post.ts.
import { ASSET_FIELDS, ASSET_FIELD_NAMES, assetHistorySql, currentAssetsSql } from '../assets-schema.ts';
import type { Catalog } from '../catalog.ts';
import { metricMatcher } from '../catalog.ts';
import { changeEventsSql } from '../../analysis/changes/store.ts';
import type { Expr, Pipeline, Query, Range, Source, Span, Stage } from '../lang/ast.ts';
import { didYouMean, QueryError } from '../lang/errors.ts';
import type { ViewHint } from '../result.ts';
import { compileExpr, conjuncts, ident, instantMs, namesIn, Params, type ColType, type Scope } from './expr.ts';
import { aggName, aggOutput, pickRollup, pipelineNames, QUANTILE_OF, twoPhase } from './aggregates.ts';
import { compileCompare, compileCorrelate, compileOutliers, compileTrend } from './statistics.ts';

/** A relation: a CTE and the columns it has. */
export interface Rel {
  readonly name: string;
  readonly cols: Map<string, ColType>;
  /** `sample`: one row per stored sample; `agg`: after stats or a statistical operator. */
  readonly grain: 'sample' | 'agg';
  /** Width of the time buckets of `ts` after `stats every`. */
  readonly bucketMs: number | undefined;
  /** The source's time range, for gap filling. */
  readonly range: { readonly from: number; readonly to: number } | undefined;
  /** Set on a scan that reads a rollup: the stats that follows aggregates the rollup's states. */
  readonly rollup: { readonly table: string; readonly factor: number } | undefined;
  /** Metrics the source scanned (for kind checks). */
  readonly metrics: readonly string[];
  /** Set while the rows are still the raw samples of the scan: a stats can then aggregate per series first. */
  readonly scan?: RawScan;
}

/** How the raw scan reads samples, for two-phase aggregation. */
export interface RawScan {
  readonly seriesCte: string;
  /** Columns the series CTE carries (host, metric, labels and asset attributes used). */
  readonly seriesCols: ReadonlySet<string>;
  /** FROM and WHERE of the samples, aliased x. */
  readonly from: string;
  /** Value of a row: x.value, or the rate after `rate`. */
  readonly value: string;
  readonly cond: string;
}

/** What to do after the statement ran. */
export type PostStep =
  | { readonly kind: 'compare'; readonly groupCols: readonly string[]; readonly within: string | undefined; readonly level: number; readonly per: 'host' | 'sample'; readonly test: string }
  | { readonly kind: 'correlate'; readonly byCols: readonly string[] }
  | { readonly kind: 'trend'; readonly byCols: readonly string[]; readonly level: number; readonly forMs: number | undefined; readonly hasUntil: boolean }
  | { readonly kind: 'linear-fill' | 'prev-fill'; readonly keys: readonly string[]; readonly cols: readonly string[] };

export interface CompiledQuery {
  readonly sql: string;
  readonly params: Record<string, unknown>;
  /** Output columns in order, with types. */
  readonly columns: readonly { readonly name: string; readonly type: ColType }[];
  readonly view: ViewHint;
  readonly warnings: string[];
  readonly post: PostStep[];
  readonly stages: { stage: string; runs: 'clickhouse' | 'js'; note: string }[];
  /** Table the main scan reads. */
  readonly source: string;
  /** Whether the query is live, and the bucket width that paces its updates. */
  readonly live: boolean;
  readonly bucketMs: number | undefined;
  /** Range of the main pipeline's source. */
  readonly range: { readonly from: number; readonly to: number } | undefined;
}

export interface CompileOptions {
  readonly now: number;
  /** Result rows beyond which the query fails (the statement asks for one more to tell). */
  readonly maxResultRows: number;
}

const STAGE_ORDER_HINT = 'put "rate", "enrich asof" and filters on samples before the first "stats"';

export function semantic(message: string, span: Span | undefined, hint?: string): QueryError {
  return new QueryError('QUERY_ERR_SEMANTIC', message, { span, hint });
}

export function fmtDuration(ms: number): string {
  const units: [number, string][] = [
    [604_800_000, 'w'],
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'm'],
    [1000, 's'],
    [1, 'ms'],
  ];
  for (const [u, s] of units) if (ms % u === 0) return `${ms / u}${s}`;
  return `${ms}ms`;
}

export class Compiler {
  readonly params = new Params();
  readonly ctes: string[] = [];
  readonly warnings: string[] = [];
  readonly post: PostStep[] = [];
  readonly stages: { stage: string; runs: 'clickhouse' | 'js'; note: string }[] = [];
  readonly bindings = new Map<string, Rel>();
  view: ViewHint | undefined;
  viewFromUser = false;
  source = 'samples';
  private n = 0;

  constructor(
    readonly query: Query,
    readonly catalog: Catalog,
    readonly db: string,
    readonly opts: CompileOptions,
  ) {}

  cte(prefix: string, sql: string): string {
    const name = `${prefix}_${this.n++}`;
    this.ctes.push(`${name} AS (\n  ${sql}\n)`);
    return name;
  }

  rel(name: string, from: Rel, changes: Partial<Omit<Rel, 'name'>>): Rel {
    return { ...from, scan: undefined, ...changes, name, cols: changes.cols ?? new Map(from.cols) };
  }

  // --- names ---------------------------------------------------------------------------------------

  private atSql: string | undefined;

  /** Asset records are taken as of the query's now (one parameter per statement). */
  assetsAt(): string {
    this.atSql ??= this.params.time(this.opts.now);
    return this.atSql;
  }

  isAssetAttr(name: string): boolean {
    return name in ASSET_FIELDS || this.catalog.assetAttrKeys.has(name);
  }

  assetType(name: string): ColType {
    return name in ASSET_FIELDS ? (ASSET_FIELDS[name as keyof typeof ASSET_FIELDS].type as ColType) : 'string';
  }

  /** SQL of one asset attribute on an asset row aliased `alias`. */
  assetCol(alias: string, name: string): string {
    return name in ASSET_FIELDS ? `${alias}.${ident(name)}` : `${alias}.attrs[${this.params.add(name, 'String')}]`;
  }

  /** A scope over a relation where asset attributes are joined on demand when the relation has hosts. */
  scope(r: { rel: Rel }): Scope {
    return {
      cols: r.rel.cols,
      now: this.opts.now,
      resolve: (name) => {
        if (!r.rel.cols.has('host') || !this.isAssetAttr(name)) return undefined;
        r.rel = this.joinAssets(r.rel, [name]);
        return r.rel.cols.get(name);
      },
      candidates: () => [...r.rel.cols.keys(), ...ASSET_FIELD_NAMES, ...this.catalog.assetAttrKeys],
    };
  }

  /** Adds current asset attributes to a relation with a `host` column. */
  joinAssets(r: Rel, names: readonly string[]): Rel {
    const add = names.filter((n) => !r.cols.has(n));
    if (add.length === 0) return r;
    const sel = add.map((n) => `${this.assetCol('a', n)} AS ${ident(n)}`).join(', ');
    const name = this.cte('assets', `SELECT p.*, ${sel} FROM ${r.name} AS p LEFT JOIN (${currentAssetsSql(this.db, this.assetsAt())}) AS a ON a.host = p.host`);
    const cols = new Map(r.cols);
    for (const n of add) cols.set(n, this.assetType(n));
    return this.rel(name, r, { cols });
  }

  // --- pipelines -----------------------------------------------------------------------------------

  compilePipeline(p: Pipeline): Rel {
    let rel = this.compileSource(p);
    for (let i = 0; i < p.stages.length; i++) rel = this.compileStage(rel, p.stages[i], p, i);
    return rel;
  }

  compileSource(p: Pipeline): Rel {
    const s = p.source;
    if (s.kind === 'ref') {
      const r = this.bindings.get(s.name);
      if (!r) throw semantic(`$${s.name} is not defined`, s.span, 'define it first: let name = metric "…" last 1h | …;');
      return r;
    }
    if (s.kind === 'assets') return this.compileAssetsSource(s);
    if (s.kind === 'changes') return this.compileChangesSource(s);
    return this.compileMetricSource(s, p);
  }

  compileAssetsSource(s: Extract<Source, { kind: 'assets' }>): Rel {
    const cols = new Map<string, ColType>([['host', 'string']]);
    for (const f of ASSET_FIELD_NAMES) cols.set(f, this.assetType(f));
    const attrs = [...this.catalog.assetAttrKeys].filter((k) => !cols.has(k));
    const attrSel = attrs.map((k) => `, attrs[${this.params.add(k, 'String')}] AS ${ident(k)}`).join('');
    for (const k of attrs) cols.set(k, 'string');
    const base = this.cte('assets', `SELECT host, ${ASSET_FIELD_NAMES.map(ident).join(', ')}${attrSel} FROM (${currentAssetsSql(this.db, this.assetsAt())})`);
    let rel: Rel = { name: base, cols, grain: 'agg', bucketMs: undefined, range: undefined, rollup: undefined, metrics: [] };
    if (s.where) rel = this.filter(rel, s.where);
    this.stages.push({ stage: 'assets', runs: 'clickhouse', note: 'current asset records' });
    this.source = 'asset_history';
    return rel;
  }

  /** A source's time range in epoch ms, half-open; an empty range is an error. */
  rangeOf(range: Range): { from: number; to: number } {
    const now = this.opts.now;
    const from = range.kind === 'last' ? now - range.duration.ms : instantMs(range.from, now);
    const to = range.kind === 'last' || !range.to ? now : instantMs(range.to, now);
    if (!(to > from)) throw semantic('the time range is empty: its end is not after its start', range.span);
    return { from, to };
  }

  /** Change events in the range: posted ones and those derived from asset history (analysis/changes/store.ts). */
  compileChangesSource(s: Extract<Source, { kind: 'changes' }>): Rel {
    const { from, to } = this.rangeOf(s.range);
    const cols = new Map<string, ColType>([['ts', 'time']]);
    for (const c of ['id', 'kind', 'scope', 'host', 'group_field', 'group_value', 'description', 'link', 'source']) cols.set(c, 'string');
    const sql = changeEventsSql(this.db, (v, t) => this.params.add(v, t), { from: this.params.time(from), to: this.params.time(to) });
    let rel: Rel = { name: this.cte('changes', sql), cols, grain: 'agg', bucketMs: undefined, range: { from, to }, rollup: undefined, metrics: [] };
    if (s.where) rel = this.filter(rel, s.where);
    this.stages.push({ stage: 'changes', runs: 'clickhouse', note: `changes from ${new Date(from).toISOString()} to ${new Date(to).toISOString()}, posted and from asset history` });
    this.source = 'changes';
    return rel;
  }

  /** The metric names a source selects, from its patterns and the catalog. */
  metricsOf(s: Extract<Source, { kind: 'metric' }>): string[] {
    const out: string[] = [];
    for (const m of s.metrics) {
      const match = metricMatcher(m.name);
      const found = this.catalog.metricNames.filter(match);
      if (found.length === 0) {
        const near = didYouMean(m.name, this.catalog.metricNames);
        throw semantic(`unknown metric "${m.name}": no series of it are stored`, m.span, near ? `did you mean "${near}"?` : this.catalog.metricNames.length > 0 ? `GET /api/v1/series lists the stored metrics` : 'nothing is stored yet');
      }
      out.push(...found);
    }
    return [...new Set(out)];
  }

  compileMetricSource(s: Extract<Source, { kind: 'metric' }>, p: Pipeline): Rel {
    const metrics = this.metricsOf(s);
    const { from, to } = this.rangeOf(s.range);

    const labelKeys = new Set<string>();
    for (const m of metrics) for (const k of this.catalog.metrics.get(m)?.labelKeys ?? []) labelKeys.add(k);
    const base = new Set(['ts', 'host', 'metric', 'value', 'kind']);

    // Names the pipeline reads that are labels or asset attributes: the scan carries them as columns,
    // looked up once per series rather than once per sample.
    const asofNames = new Set<string>();
    for (const st of p.stages) if (st.kind === 'enrich' && st.asof) for (const n of st.names) asofNames.add(n.name);
    const used = pipelineNames(p);
    const labels: string[] = [];
    const attrs: string[] = [];
    for (const n of used) {
      if (base.has(n)) continue;
      if (labelKeys.has(n)) labels.push(n);
      else if (this.isAssetAttr(n) && !asofNames.has(n)) attrs.push(n);
    }

    // Where conjuncts that only read series-level names filter series, the rest filter samples.
    const seriesLevel = new Set(['host', 'metric', ...labels, ...attrs]);
    const seriesConds: Expr[] = [];
    const sampleConds: Expr[] = [];
    if (s.where) {
      for (const c of conjuncts(s.where)) {
        const names = namesIn(c);
        if ([...names].every((n) => seriesLevel.has(n))) seriesConds.push(c);
        else sampleConds.push(c);
      }
    }

    const kinds = new Set<string>();
    for (const m of metrics) for (const k of this.catalog.metrics.get(m)?.kinds ?? []) kinds.add(k);
    const rollup = pickRollup(p, from, to, kinds, sampleConds.length > 0, this.opts.now, this.catalog.samplesDays);

    const metricsParam = this.params.add(metrics, 'Array(String)');
    const seriesCols = new Map<string, ColType>([['host', 'string'], ['metric', 'string']]);
    for (const l of labels) seriesCols.set(l, 'string');
    for (const a of attrs) seriesCols.set(a, this.assetType(a));
    const labelSel = labels.map((l) => `, se.s_labels[${this.params.add(l, 'String')}] AS ${ident(l)}`).join('');
    const attrSel = attrs.map((a) => `, ${this.assetCol('a', a)} AS ${ident(a)}`).join('');
    const assetJoin = attrs.length > 0 ? ` LEFT JOIN (${currentAssetsSql(this.db, this.assetsAt())}) AS a ON a.host = se.s_host` : '';
    let seriesSql = `SELECT se.series_id AS series_id, se.s_host AS host, se.s_metric AS metric, se.s_kind AS kind, se.s_interval AS interval_ms${labelSel}${attrSel}
    FROM (SELECT series_id, any(host) AS s_host, any(metric) AS s_metric, any(labels) AS s_labels, any(kind) AS s_kind, any(interval_ms) AS s_interval
          FROM ${this.db}.series WHERE metric IN ${metricsParam} GROUP BY series_id) AS se${assetJoin}`;
    if (seriesConds.length > 0) {
      const holder = { rel: { name: 'se', cols: seriesCols, grain: 'sample', bucketMs: undefined, range: undefined, rollup: undefined, metrics } as Rel };
      const sc = this.scope(holder);
      const conds = seriesConds.map((c) => {
        const x = compileExpr(c, sc, this.params);
        if (x.type !== 'bool') throw semantic('"where" needs a condition', c.span);
        return x.sql;
      });
      seriesSql = `SELECT * FROM (${seriesSql}) WHERE ${conds.join(' AND ')}`;
    }
    const seriesCte = this.cte('series', seriesSql);

    const extra = [...labels, ...attrs].map((c) => `, se.${ident(c)} AS ${ident(c)}`).join('');
    const cols = new Map<string, ColType>([
      ['ts', 'time'],
      ['host', 'string'],
      ['metric', 'string'],
      ['value', 'number'],
      ['kind', 'string'],
    ]);
    for (const [c, t] of seriesCols) if (!cols.has(c)) cols.set(c, t);
    const seriesFilter = seriesConds.length > 0 ? ` AND x.series_id IN (SELECT series_id FROM ${seriesCte})` : '';
    let scan: string;
    if (rollup) {
      this.source = rollup.table;
      const states = 'metric, series_id, t, cnt, vmin, vmax, vsum, vlast, q';
      // The rollups hold whole steps: the range starts at the step holding `from` (for the 1-day rollup,
      // the first day counts whole) and ends with the step holding `to`, which is up to date.
      const step = rollup.stepMs;
      const start = Math.floor(from / step) * step;
      if (start < from) this.warnings.push(`counted from ${new Date(start).toISOString()}, the start of the first ${step === 86_400_000 ? 'day' : step === 3_600_000 ? 'hour' : 'minute'} of the range`);
      // The step holding `to` is read whole only while it is still filling (nothing later exists yet);
      // a range that ends in the past stops at the last whole step before its end.
      const stepEnd = Math.floor(to / step) * step;
      const end = to < Date.now() - step && stepEnd > start ? stepEnd : to;
      if (end < to) this.warnings.push(`counted up to ${new Date(end).toISOString()}, the end of the last whole ${step === 86_400_000 ? 'day' : step === 3_600_000 ? 'hour' : 'minute'} of the range`);
      const src = `(SELECT ${states} FROM ${this.db}.${rollup.table} WHERE metric IN ${metricsParam} AND t >= ${this.params.seconds(start)} AND t < ${this.params.seconds(end)})`;
      scan = `SELECT x.t AS ts, se.host AS host, se.metric AS metric, toString(se.kind) AS kind${extra}, x.cnt AS __cnt, x.vmin AS __vmin, x.vmax AS __vmax, x.vsum AS __vsum, x.vlast AS __vlast, x.q AS __q
  FROM ${src} AS x INNER JOIN ${seriesCte} AS se ON x.series_id = se.series_id
  WHERE 1${seriesFilter}`;
      cols.delete('value');
      const what = { samples_1m: '1-minute rollup', samples_1h: '1-hour rollup', samples_1d: '1-day rollup' }[this.source] ?? this.source;
      const percentiles = p.stages.some((st) => st.kind === 'stats' && st.aggs.some((a) => a.fn.toLowerCase() in QUANTILE_OF || a.fn.toLowerCase() === 'pct'));
      this.warnings.push(`read from the ${what} (${this.source})${percentiles ? '; percentiles there are t-digest estimates' : ''}`);
    } else {
      this.source = 'samples';
      scan = `SELECT x.ts AS ts, se.host AS host, se.metric AS metric, x.value AS value, toString(x.kind) AS kind${extra}, x.rate AS __rate, se.interval_ms AS __interval
  FROM ${this.db}.samples AS x INNER JOIN ${seriesCte} AS se ON x.series_id = se.series_id
  WHERE x.metric IN ${metricsParam} AND x.ts >= ${this.params.time(from)} AND x.ts < ${this.params.time(to)} AND isFinite(x.value)${seriesFilter}`;
    }
    const name = this.cte('scan', scan);
    const raw: RawScan | undefined = rollup
      ? undefined
      : {
          seriesCte,
          seriesCols: new Set(seriesCols.keys()),
          from: `${this.db}.samples AS x WHERE x.metric IN ${metricsParam} AND x.ts >= ${this.params.time(from)} AND x.ts < ${this.params.time(to)}${seriesFilter}`,
          value: 'x.value',
          cond: 'isFinite(x.value)',
        };
    let rel: Rel = { name, cols, grain: 'sample', bucketMs: undefined, range: { from, to }, rollup: rollup ? { table: rollup.table, factor: 1 } : undefined, metrics, scan: raw };
    this.stages.push({
      stage: `metric ${metrics.map((m) => JSON.stringify(m)).join(', ')}`,
      runs: 'clickhouse',
      note: `${rollup ? rollup.table : 'samples'} from ${new Date(from).toISOString()} to ${new Date(to).toISOString()}${seriesConds.length > 0 ? ', series filtered first' : ''}`,
    });
    if (sampleConds.length > 0) {
      for (const c of sampleConds) rel = this.filter(rel, c);
    }
    return rel;
  }

  filter(r: Rel, e: Expr): Rel {
    const holder = { rel: r };
    const x = compileExpr(e, this.scope(holder), this.params);
    if (x.type !== 'bool') throw semantic('"where" needs a condition, such as value > 100 or host ~ "web-*"', e.span);
    const name = this.cte('where', `SELECT * FROM ${holder.rel.name} WHERE ${x.sql}`);
    return this.rel(name, holder.rel, {});
  }

  // --- stages --------------------------------------------------------------------------------------

  compileStage(r: Rel, st: Stage, p: Pipeline, index: number): Rel {
    if (r.rollup && st.kind !== 'stats' && st.kind !== 'rate') throw new Error('internal: a rollup scan must be followed by stats');
    switch (st.kind) {
      case 'where': {
        this.stages.push({ stage: 'where', runs: 'clickhouse', note: 'filter' });
        return this.filter(r, st.expr);
      }
      case 'eval':
        return this.compileEval(r, st);
      case 'rate':
        return this.compileRate(r, st);
      case 'enrich':
        return this.compileEnrich(r, st);
      case 'stats':
        return this.compileStats(r, st, p, index);
      case 'top':
        return this.compileTop(r, st);
      case 'sort':
        return this.compileSort(r, st);
      case 'head': {
        const name = this.cte('head', `SELECT * FROM ${r.name} LIMIT ${this.params.add(st.n, 'UInt64')}`);
        this.stages.push({ stage: 'head', runs: 'clickhouse', note: `LIMIT ${st.n}` });
        return this.rel(name, r, {});
      }
      case 'join':
        return this.compileJoin(r, st);
      case 'shift': {
        if (!r.cols.has('ts')) throw semantic('"shift" moves times, but there is no ts column here', st.span);
        const name = this.cte('shift', `SELECT * REPLACE (ts + toIntervalMillisecond(${this.params.add(st.duration.ms, 'Int64')}) AS ts) FROM ${r.name}`);
        this.stages.push({ stage: 'shift', runs: 'clickhouse', note: `ts + ${st.duration.text}` });
        return this.rel(name, r, {});
      }
      case 'compare':
        return compileCompare(this, r, st);
      case 'correlate':
        return compileCorrelate(this, r, st);
      case 'trend':
        return compileTrend(this, r, st);
      case 'outliers':
        return compileOutliers(this, r, st);
      case 'view': {
        const options: Record<string, string | number | boolean> = {};
        for (const o of st.options) {
          const v = o.value;
          options[o.name] = v.kind === 'string' || v.kind === 'number' || v.kind === 'bool' ? v.value : v.kind === 'name' ? v.name : '';
        }
        const kinds = ['timechart', 'table', 'bar', 'single'];
        if (!kinds.includes(st.name.name)) {
          const near = didYouMean(st.name.name, kinds);
          throw semantic(`unknown view "${st.name.name}"`, st.name.span, near ? `did you mean "${near}"?` : `views: ${kinds.join(', ')}`);
        }
        const { kind: _, options: __, ...axes } = this.view ?? { kind: 'table' };
        this.view = { ...axes, kind: st.name.name as ViewHint['kind'], options };
        this.viewFromUser = true;
        this.stages.push({ stage: 'view', runs: 'js', note: st.name.name });
        return r;
      }
    }
  }

  compileEval(r: Rel, st: Extract<Stage, { kind: 'eval' }>): Rel {
    let rel = r;
    for (const a of st.assigns) {
      if (a.name === 'ts' || a.name === 'host') throw semantic(`"${a.name}" cannot be reassigned`, a.span);
      const holder = { rel };
      const x = compileExpr(a.expr, this.scope(holder), this.params);
      rel = holder.rel;
      const cols = new Map(rel.cols);
      const sql = cols.has(a.name) ? `SELECT * REPLACE (${x.sql} AS ${ident(a.name)}) FROM ${rel.name}` : `SELECT *, ${x.sql} AS ${ident(a.name)} FROM ${rel.name}`;
      cols.set(a.name, x.type);
      rel = this.rel(this.cte('eval', sql), rel, { cols });
    }
    this.stages.push({ stage: 'eval', runs: 'clickhouse', note: st.assigns.map((a) => a.name).join(', ') });
    return rel;
  }

  compileRate(r: Rel, st: Extract<Stage, { kind: 'rate' }>): Rel {
    if (r.grain !== 'sample' || (!r.cols.has('value') && !r.rollup)) throw semantic('"rate" works on stored samples: put it right after the source', st.span, STAGE_ORDER_HINT);
    const gauges = r.metrics.filter((m) => this.catalog.metrics.get(m)?.kinds.has('gauge'));
    if (gauges.length > 0) {
      throw semantic(`"rate" needs a counter, but ${gauges.map((g) => `"${g}"`).join(', ')} ${gauges.length > 1 ? 'are gauges' : 'is a gauge'}`, st.span, 'a gauge is already a level: aggregate it directly, e.g. | stats avg(value)');
    }
    if (st.reset === 'restart') {
      throw semantic('"reset restart" is not available: a counter that went down is read as a reset and left out, as collectd and rrdtool do', st.span, 'use "reset drop" or leave reset out');
    }
    const factor = st.per ? st.per.ms / 1000 : 1;
    this.stages.push({ stage: 'rate', runs: 'clickhouse', note: `per-second rate computed at ingest (wraps handled, resets dropped)${st.per ? `, × ${factor} per ${st.per.text}` : ''}` });
    if (r.rollup) return this.rel(r.name, r, { rollup: { ...r.rollup, factor } });
    const scale = factor === 1 ? '' : ` * ${this.params.add(factor, 'Float64')}`;
    const name = this.cte('rate', `SELECT * REPLACE (__rate${scale} AS value) FROM ${r.name} WHERE isFinite(__rate)`);
    const scan = r.scan ? { ...r.scan, value: `x.rate${scale}`, cond: 'isFinite(x.rate)' } : undefined;
    return this.rel(name, r, { scan });
  }

  compileEnrich(r: Rel, st: Extract<Stage, { kind: 'enrich' }>): Rel {
    for (const n of st.names) {
      if (!this.isAssetAttr(n.name)) {
        const near = didYouMean(n.name, [...ASSET_FIELD_NAMES, ...this.catalog.assetAttrKeys]);
        throw semantic(`"${n.name}" is not an asset attribute`, n.span, near ? `did you mean "${near}"?` : `asset fields: ${ASSET_FIELD_NAMES.join(', ')}`);
      }
    }
    if (!r.cols.has('host')) throw semantic('"enrich" needs a host column to look assets up by', st.span);
    if (!st.asof) {
      this.stages.push({ stage: 'enrich', runs: 'clickhouse', note: 'current asset attributes, joined by host' });
      return this.joinAssets(r, st.names.map((n) => n.name));
    }
    if (!r.cols.has('ts')) throw semantic('"enrich asof" needs a ts column: the attributes are taken as they were at each row\'s time', st.span);
    const names = st.names.map((n) => n.name);
    const drop = names.filter((n) => r.cols.has(n));
    const keep = drop.length > 0 ? `p.* EXCEPT (${drop.map(ident).join(', ')}, __asof_t)` : 'p.* EXCEPT (__asof_t)';
    const sel = names.map((n) => `${this.assetCol('h', n)} AS ${ident(n)}`).join(', ');
    const name = this.cte(
      'asof',
      `SELECT ${keep}, ${sel} FROM (SELECT *, toDateTime64(ts, 3, 'UTC') AS __asof_t FROM ${r.name}) AS p
  ASOF LEFT JOIN (${assetHistorySql(this.db)}) AS h ON p.host = h.host AND p.__asof_t >= h.valid_from`,
    );
    const cols = new Map(r.cols);
    for (const n of names) cols.set(n, this.assetType(n));
    this.stages.push({ stage: 'enrich asof', runs: 'clickhouse', note: `${names.join(', ')} as of each row's time (ASOF JOIN on asset_history)` });
    return this.rel(name, r, { cols });
  }

  compileStats(r: Rel, st: Extract<Stage, { kind: 'stats' }>, p: Pipeline, index: number): Rel {
    if (st.aggs.length === 0) throw semantic('"stats" needs at least one aggregate, such as avg(value)', st.span);
    const holder = { rel: r };
    // Group keys: columns, or asset attributes joined on demand.
    const keys: string[] = [];
    for (const b of st.by) {
      if (b.name === 'ts') throw semantic('group by time with "every", e.g. stats every 5m avg(value)', b.span);
      if (!holder.rel.cols.has(b.name)) {
        const t = this.scope(holder).resolve(b.name, b.span);
        if (t === undefined) {
          const near = didYouMean(b.name, [...holder.rel.cols.keys(), ...ASSET_FIELD_NAMES]);
          throw semantic(`cannot group by "${b.name}": not a column here, a label of the metric, or an asset attribute`, b.span, near ? `did you mean "${near}"?` : undefined);
        }
      }
      if (keys.includes(b.name)) throw semantic(`"${b.name}" is named twice in by`, b.span);
      keys.push(b.name);
    }
    const names = st.aggs.map((a) => aggName(a));
    const seen = new Set<string>();
    st.aggs.forEach((a, i) => {
      if (seen.has(names[i]) || keys.includes(names[i])) throw semantic(`the output name "${names[i]}" is used twice; name it: x = ${a.fn}(…)`, a.span);
      seen.add(names[i]);
    });
    const every = st.every?.ms;
    if (every !== undefined) {
      if (every < 1000 || every % 1000 !== 0) throw semantic('buckets must be whole seconds, 1s or more', st.every!.span);
      if (!r.cols.has('ts')) throw semantic('"every" needs a ts column; this relation has none', st.every!.span);
    }
    const bucket = every !== undefined ? `toDateTime(toStartOfInterval(ts, toIntervalSecond(${every / 1000})), 'UTC')` : undefined;
    const groupKeys = [...keys.map(ident), ...(bucket ? ['__bucket'] : [])];
    const split = r.scan ? twoPhase(this, r.scan, st.aggs, keys, every) : undefined;
    let inner: string;
    let aggs: { type: ColType }[];
    if (split) {
      // Per series first (no join per sample), then the series' keys and the merge.
      inner = split;
      aggs = st.aggs.map(() => ({ type: 'number' as ColType }));
    } else {
      const full = st.aggs.map((a) => aggOutput(this, a, holder));
      aggs = full;
      r = holder.rel;
      const innerSel = [...keys.map(ident), ...(bucket ? ['__bucket'] : []), ...full.map((a, i) => `${a.sql} AS __a${i}`)].join(', ');
      const source = bucket ? `(SELECT *, ${bucket} AS __bucket FROM ${r.name})` : r.name;
      inner = this.cte('stats', `SELECT ${innerSel} FROM ${source}${groupKeys.length > 0 ? ` GROUP BY ${groupKeys.join(', ')}` : ''}`);
    }

    const fill = st.fill ?? (every !== undefined ? 'null' : 'none');
    if (st.fill && every === undefined) throw semantic('"fill" applies to time buckets: write stats every 5m fill zero …', st.span);
    const outCols = new Map<string, ColType>();
    for (const k of keys) outCols.set(k, r.cols.get(k)!);
    if (bucket) outCols.set('ts', 'time');
    aggs.forEach((a, i) => outCols.set(names[i], a.type));
    const wrap = (i: number) => (fill === 'null' || fill === 'linear' || fill === 'prev' ? `toNullable(__a${i})` : `__a${i}`);
    const outSel = [...keys.map(ident), ...(bucket ? ['__bucket AS ts'] : []), ...names.map((n, i) => `${wrap(i)} AS ${ident(n)}`)].join(', ');
    let outer = `SELECT ${outSel} FROM ${inner}`;
    if (bucket && fill !== 'none' && r.range) {
      const fromB = Math.floor(r.range.from / every!) * every!;
      const order = [...keys.map(ident), `ts WITH FILL FROM ${this.params.seconds(fromB)} TO ${this.params.seconds(r.range.to)} STEP toIntervalSecond(${every! / 1000})`];
      outer += ` ORDER BY ${order.join(', ')}`;
      // Carrying values forward, like interpolating, stays within each series: done in JS on the result.
      if (fill === 'prev') this.post.push({ kind: 'prev-fill', keys, cols: names });
      if (fill === 'linear') this.post.push({ kind: 'linear-fill', keys, cols: names });
    } else if (bucket) {
      outer += ` ORDER BY ${[...keys.map(ident), 'ts'].join(', ')}`;
    } else if (keys.length > 0) {
      outer += ` ORDER BY ${keys.map(ident).join(', ')}`;
    }
    const name = this.cte('stats', outer);

    // Warnings a careful analyst would want.
    const raw = r.grain === 'sample' && !r.rollup;
    if (raw && r.cols.has('value')) {
      const counters = r.metrics.filter((m) => {
        const k = this.catalog.metrics.get(m)?.kinds;
        return k && !k.has('gauge');
      });
      const rated = p.stages.slice(0, index).some((s) => s.kind === 'rate');
      if (counters.length > 0 && !rated && st.aggs.some((a) => a.args.some((x) => x.kind === 'name' && x.name === 'value') && a.fn.toLowerCase() !== 'last' && a.fn.toLowerCase() !== 'count')) {
        this.warnings.push(`${counters.join(', ')} ${counters.length > 1 ? 'are counters' : 'is a counter'}: aggregating raw counter values is rarely meant; add "| rate" before "stats"`);
      }
    }
    this.stages.push({
      stage: 'stats',
      runs: 'clickhouse',
      note: `${aggs.length} aggregate(s)${keys.length > 0 ? ` by ${keys.join(', ')}` : ''}${every !== undefined ? ` every ${fmtDuration(every)}, fill ${fill}${fill === 'linear' ? ' (interpolated in JS)' : ''}` : ''}${r.rollup ? `, merged from ${r.rollup.table}` : ''}`,
    });
    if (!this.viewFromUser) {
      this.view = bucket
        ? { kind: 'timechart', x: 'ts', series: keys, y: names }
        : keys.length > 0
          ? { kind: 'bar', x: keys[0], series: keys.slice(1), y: names }
          : { kind: 'single', y: names };
    }
    return { name, cols: outCols, grain: 'agg', bucketMs: every, range: r.range, rollup: undefined, metrics: r.metrics };
  }

  compileTop(r: Rel, st: Extract<Stage, { kind: 'top' }>): Rel {
    const holder = { rel: r };
    const sc = this.scope(holder);
    const x = compileExpr(st.expr, sc, this.params);
    if (x.type !== 'number') throw semantic('"top" ranks by a number', st.expr.span);
    const keys = st.by.map((b) => {
      if (!holder.rel.cols.has(b.name) && sc.resolve(b.name, b.span) === undefined) throw semantic(`cannot rank within "${b.name}": not a column here`, b.span);
      return ident(b.name);
    });
    const dir = st.asc ? 'ASC' : 'DESC';
    const order = [...keys, `${x.sql} ${dir}`].join(', ');
    const n = this.params.add(st.n, 'UInt64');
    const sql = keys.length > 0 ? `SELECT * FROM ${holder.rel.name} ORDER BY ${order} LIMIT ${n} BY ${keys.join(', ')}` : `SELECT * FROM ${holder.rel.name} ORDER BY ${order} LIMIT ${n}`;
    this.stages.push({ stage: 'top', runs: 'clickhouse', note: keys.length > 0 ? `LIMIT ${st.n} BY ${st.by.map((b) => b.name).join(', ')}` : `ORDER BY … LIMIT ${st.n}` });
    return this.rel(this.cte('top', sql), holder.rel, {});
  }

  compileSort(r: Rel, st: Extract<Stage, { kind: 'sort' }>): Rel {
    const holder = { rel: r };
    const sc = this.scope(holder);
    const keys = st.keys.map((k) => `${compileExpr(k.expr, sc, this.params).sql} ${k.desc ? 'DESC' : 'ASC'}`);
    this.stages.push({ stage: 'sort', runs: 'clickhouse', note: 'ORDER BY' });
    return this.rel(this.cte('sort', `SELECT * FROM ${holder.rel.name} ORDER BY ${keys.join(', ')}`), holder.rel, {});
  }

  compileJoin(r: Rel, st: Extract<Stage, { kind: 'join' }>): Rel {
    const other = this.bindings.get(st.ref.name);
    if (!other) throw semantic(`$${st.ref.name} is not defined`, st.ref.span, 'define it first: let name = metric "…" last 1h | …;');
    let on = st.on.map((o) => o.name);
    if (on.length === 0) on = [...r.cols.keys()].filter((c) => other.cols.has(c) && r.cols.get(c) !== 'number' && !c.startsWith('__'));
    if (on.length === 0) throw semantic(`$${st.ref.name} shares no key column with this relation`, st.span, 'name the keys: join $x on ts, host');
    for (const k of on) {
      if (!r.cols.has(k)) throw semantic(`"${k}" is not a column here`, st.span);
      if (!other.cols.has(k)) throw semantic(`"${k}" is not a column of $${st.ref.name}`, st.span);
    }
    const clash = [...other.cols.keys()].filter((c) => r.cols.has(c) && !on.includes(c));
    if (clash.length > 0) throw semantic(`both sides have ${clash.map((c) => `"${c}"`).join(', ')}; rename one side with a named aggregate or eval`, st.span);
    const sel = [...[...r.cols.keys()].map((c) => (on.includes(c) ? ident(c) : `l.${ident(c)}`)), ...[...other.cols.keys()].filter((c) => !on.includes(c)).map((c) => `r.${ident(c)}`)];
    const sql = `SELECT ${sel.join(', ')} FROM ${r.name} AS l ${st.left ? 'LEFT' : 'INNER'} JOIN ${other.name} AS r USING (${on.map(ident).join(', ')})${on.includes('ts') ? ' ORDER BY ts' : ''}`;
    const cols = new Map(r.cols);
    for (const [c, t] of other.cols) if (!cols.has(c)) cols.set(c, t);
    this.stages.push({ stage: 'join', runs: 'clickhouse', note: `${st.left ? 'LEFT' : 'INNER'} JOIN $${st.ref.name} USING (${on.join(', ')})` });
    return this.rel(this.cte('join', sql), r, { cols, grain: 'agg', bucketMs: r.bucketMs ?? other.bucketMs });
  }
}

/** Type of a result column as the API reports it. */
export function apiType(t: ColType): 'time' | 'string' | 'number' | 'bool' | 'json' {
  return t === 'map' ? 'json' : t;
}

/** Compiles a parsed query against a catalog. */
export function compile(query: Query, catalog: Catalog, db: string, opts: CompileOptions): CompiledQuery {
  const c = new Compiler(query, catalog, db, opts);
  for (const b of query.bindings) {
    if (c.bindings.has(b.name)) throw semantic(`$${b.name} is defined twice`, b.nameSpan);
    c.bindings.set(b.name, c.compilePipeline(b.pipeline));
  }
  const rel = c.compilePipeline(query.pipeline);
  const columns = [...rel.cols].filter(([n]) => !n.startsWith('__')).map(([name, type]) => ({ name, type }));
  const proj = columns.map(({ name, type }) =>
    type === 'time' ? `toUnixTimestamp64Milli(toDateTime64(${ident(name)}, 3, 'UTC')) AS ${ident(name)}` : type === 'number' ? `toFloat64(${ident(name)}) AS ${ident(name)}` : ident(name),
  );
  // Hidden columns the JS post-steps read (trend) travel too.
  const hidden = c.post.some((s) => s.kind === 'trend') ? [...rel.cols].filter(([n]) => n.startsWith('__')).map(([n]) => `toFloat64(${ident(n)}) AS ${ident(n)}`) : [];
  const limit = c.params.add(opts.maxResultRows + 1, 'UInt64');
  const sql = `WITH\n${c.ctes.join(',\n')}\nSELECT ${[...proj, ...hidden].join(', ')} FROM ${rel.name} LIMIT ${limit}`;
  const src = query.pipeline.source;
  const view: ViewHint =
    c.view ??
    (rel.cols.has('ts') && rel.grain === 'sample'
      ? { kind: 'timechart', x: 'ts', series: ['host'], y: ['value'] }
      : { kind: 'table' });
  return {
    sql,
    params: c.params.values,
    columns,
    view,
    warnings: c.warnings,
    post: c.post,
    stages: c.stages,
    source: c.source,
    live: src.kind === 'metric' && src.live,
    bucketMs: rel.bucketMs,
    range: rel.range,
  };
}

/**
 * The series a metric source selects (`metric "http.*" where site = "ams1"`), as a statement returning
 * `sid` (series ids as text): how analysis jobs pick their series with the language's own filters.
 * Only conditions on the host, metric, labels and asset attributes can select series.
 */
export function compileSeriesSelection(query: Query, catalog: Catalog, db: string, now: number): { sql: string; params: Record<string, unknown> } {
  const p = query.pipeline;
  if (query.bindings.length > 0 || p.stages.length > 0 || p.source.kind !== 'metric') {
    throw semantic('a selection is a metric source and its where, such as: metric "http.*" where site = "ams1"', p.span);
  }
  const c = new Compiler(query, catalog, db, { now, maxResultRows: 1 });
  const rel = c.compileMetricSource(p.source, p);
  if (!rel.scan) throw semantic('a selection filters series: name only the host, the metric, labels and asset attributes, not value or ts', p.source.where?.span ?? p.span);
  return { sql: `WITH\n${c.ctes.join(',\n')}\nSELECT toString(series_id) AS sid FROM ${rel.scan.seriesCte}`, params: c.params.values };
}
