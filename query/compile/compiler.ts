// Compiles a parsed query into one ClickHouse statement: a chain of CTEs, one or a few per stage, with
// every literal bound as a parameter. Stages that need a finished aggregate (`compare`, `correlate`,
// `trend`) end in SQL that returns small summaries; the few numbers ClickHouse cannot give (p-values,
// corrections) are added afterwards by ./post.ts.
import { ASSET_FIELDS, ASSET_FIELD_NAMES, assetHistorySql, currentAssetsSql } from '../assets-schema.ts';
import type { Catalog } from '../catalog.ts';
import { metricMatcher } from '../catalog.ts';
import type { Agg, Expr, Pipeline, Query, Source, Span, Stage } from '../lang/ast.ts';
import { didYouMean, QueryError } from '../lang/errors.ts';
import type { ViewHint } from '../result.ts';
import { compileExpr, conjuncts, ident, instantMs, namesIn, Params, type ColType, type Scope } from './expr.ts';

/** A relation: a CTE and the columns it has. */
interface Rel {
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
}

/** What to do after the statement ran. */
export type PostStep =
  | { readonly kind: 'compare'; readonly groupCols: readonly string[]; readonly within: string | undefined; readonly level: number; readonly per: 'host' | 'sample'; readonly test: string }
  | { readonly kind: 'correlate'; readonly byCols: readonly string[] }
  | { readonly kind: 'trend'; readonly byCols: readonly string[]; readonly level: number; readonly forMs: number | undefined; readonly hasUntil: boolean }
  | { readonly kind: 'linear-fill'; readonly keys: readonly string[]; readonly cols: readonly string[] };

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

const AGGREGATES: Record<string, { args: number; doc: string }> = {
  count: { args: 0, doc: 'count() rows, or count(x) rows where x is known' },
  dcount: { args: 1, doc: 'dcount(x): distinct values of x' },
  sum: { args: 1, doc: 'sum(x)' },
  avg: { args: 1, doc: 'avg(x)' },
  mean: { args: 1, doc: 'mean(x), same as avg' },
  min: { args: 1, doc: 'min(x)' },
  max: { args: 1, doc: 'max(x)' },
  last: { args: 1, doc: 'last(x): the value with the latest time' },
  first: { args: 1, doc: 'first(x): the value with the earliest time' },
  median: { args: 1, doc: 'median(x)' },
  p50: { args: 1, doc: 'p50(x)' },
  p90: { args: 1, doc: 'p90(x)' },
  p95: { args: 1, doc: 'p95(x)' },
  p99: { args: 1, doc: 'p99(x)' },
  p999: { args: 1, doc: 'p999(x)' },
  pct: { args: 2, doc: 'pct(x, q) with q between 0 and 1' },
  stddev: { args: 1, doc: 'stddev(x): sample standard deviation' },
  variance: { args: 1, doc: 'variance(x): sample variance' },
};

const QUANTILE_OF: Record<string, number> = { median: 0.5, p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99, p999: 0.999 };
/** Quantiles the rollups keep (`quantilesTDigestState(0.5, 0.9, 0.99)`), by position. */
const ROLLUP_QUANTILES = [0.5, 0.9, 0.99];

const STAGE_ORDER_HINT = 'put "rate", "enrich asof" and filters on samples before the first "stats"';

function semantic(message: string, span: Span | undefined, hint?: string): QueryError {
  return new QueryError('QUERY_ERR_SEMANTIC', message, { span, hint });
}

function fmtDuration(ms: number): string {
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

class Compiler {
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
    return { ...from, ...changes, name, cols: changes.cols ?? new Map(from.cols) };
  }

  // --- names ---------------------------------------------------------------------------------------

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
    const name = this.cte('assets', `SELECT p.*, ${sel} FROM ${r.name} AS p LEFT JOIN (${currentAssetsSql(this.db)}) AS a ON a.host = p.host`);
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
    return this.compileMetricSource(s, p);
  }

  compileAssetsSource(s: Extract<Source, { kind: 'assets' }>): Rel {
    const cols = new Map<string, ColType>([['host', 'string']]);
    for (const f of ASSET_FIELD_NAMES) cols.set(f, this.assetType(f));
    const attrs = [...this.catalog.assetAttrKeys].filter((k) => !cols.has(k));
    const attrSel = attrs.map((k) => `, attrs[${this.params.add(k, 'String')}] AS ${ident(k)}`).join('');
    for (const k of attrs) cols.set(k, 'string');
    const base = this.cte('assets', `SELECT host, ${ASSET_FIELD_NAMES.map(ident).join(', ')}${attrSel} FROM (${currentAssetsSql(this.db)})`);
    let rel: Rel = { name: base, cols, grain: 'agg', bucketMs: undefined, range: undefined, rollup: undefined, metrics: [] };
    if (s.where) rel = this.filter(rel, s.where);
    this.stages.push({ stage: 'assets', runs: 'clickhouse', note: 'current asset records' });
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
    const now = this.opts.now;
    let from: number;
    let to: number;
    if (s.range.kind === 'last') {
      to = now;
      from = now - s.range.duration.ms;
    } else {
      from = instantMs(s.range.from, now);
      to = s.range.to ? instantMs(s.range.to, now) : now;
    }
    if (!(to > from)) throw semantic('the time range is empty: its end is not after its start', s.range.span);

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
    const rollup = this.pickRollup(p, from, to, kinds, sampleConds.length > 0);

    const metricsParam = this.params.add(metrics, 'Array(String)');
    const seriesCols = new Map<string, ColType>([['host', 'string'], ['metric', 'string']]);
    for (const l of labels) seriesCols.set(l, 'string');
    for (const a of attrs) seriesCols.set(a, this.assetType(a));
    const labelSel = labels.map((l) => `, se.s_labels[${this.params.add(l, 'String')}] AS ${ident(l)}`).join('');
    const attrSel = attrs.map((a) => `, ${this.assetCol('a', a)} AS ${ident(a)}`).join('');
    const assetJoin = attrs.length > 0 ? ` LEFT JOIN (${currentAssetsSql(this.db)}) AS a ON a.host = se.s_host` : '';
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
      const fromB = Math.floor(from / rollup.stepMs) * rollup.stepMs;
      scan = `SELECT x.t AS ts, se.host AS host, se.metric AS metric, toString(se.kind) AS kind${extra}, x.cnt AS __cnt, x.vmin AS __vmin, x.vmax AS __vmax, x.vsum AS __vsum, x.vlast AS __vlast, x.q AS __q
  FROM ${this.db}.${rollup.table} AS x INNER JOIN ${seriesCte} AS se ON x.series_id = se.series_id
  WHERE x.metric IN ${metricsParam} AND x.t >= ${this.params.seconds(fromB)} AND x.t < ${this.params.seconds(to)}${seriesFilter}`;
      cols.delete('value');
      this.warnings.push(`read from the ${rollup.table === 'samples_1h' ? '1-hour' : '1-minute'} rollup (${rollup.table}); percentiles there are t-digest estimates`);
    } else {
      this.source = 'samples';
      scan = `SELECT x.ts AS ts, se.host AS host, se.metric AS metric, x.value AS value, toString(x.kind) AS kind${extra}, x.rate AS __rate, se.interval_ms AS __interval
  FROM ${this.db}.samples AS x INNER JOIN ${seriesCte} AS se ON x.series_id = se.series_id
  WHERE x.metric IN ${metricsParam} AND x.ts >= ${this.params.time(from)} AND x.ts < ${this.params.time(to)} AND isFinite(x.value)${seriesFilter}`;
    }
    const name = this.cte('scan', scan);
    let rel: Rel = { name, cols, grain: 'sample', bucketMs: undefined, range: { from, to }, rollup: rollup ? { table: rollup.table, factor: 1 } : undefined, metrics };
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

  /**
   * A rollup can answer when the pipeline up to its first `stats` only filters series and rates, that
   * stats aggregates `value` with functions the rollup keeps, its buckets are whole rollup steps, and the
   * range is long (over a day) or older than raw samples are kept.
   */
  pickRollup(p: Pipeline, from: number, to: number, kinds: Set<string>, sampleFilters: boolean): { table: string; stepMs: number } | undefined {
    if (sampleFilters) return undefined;
    const span = to - from;
    const rawKept = this.opts.now - this.catalog.samplesDays * 86_400_000;
    if (span <= 86_400_000 && from >= rawKept) return undefined;
    let rated = false;
    let stats: Extract<Stage, { kind: 'stats' }> | undefined;
    for (const st of p.stages) {
      if (st.kind === 'rate') {
        if (st.per || st.reset) return undefined;
        rated = true;
        continue;
      }
      if (st.kind === 'stats') {
        stats = st;
        break;
      }
      return undefined;
    }
    if (!stats) return undefined;
    const gauge = kinds.size === 1 && kinds.has('gauge');
    const counters = kinds.size > 0 && !kinds.has('gauge');
    if (!(gauge && !rated) && !(counters && rated)) return undefined;
    for (const a of stats.aggs) {
      if (a.expr) return undefined;
      const fn = a.fn.toLowerCase();
      const onValue = a.args.length === 1 && a.args[0].kind === 'name' && a.args[0].name === 'value';
      if (fn === 'count' && a.args.length === 0) continue;
      if (fn === 'dcount' && a.args.length === 1 && a.args[0].kind === 'name' && a.args[0].name !== 'value') continue;
      if (!onValue) return undefined;
      if (['avg', 'mean', 'min', 'max', 'sum', 'last'].includes(fn)) continue;
      if (fn in QUANTILE_OF && ROLLUP_QUANTILES.includes(QUANTILE_OF[fn])) continue;
      return undefined;
    }
    for (const b of stats.by) if (b.name === 'value' || b.name === 'ts') return undefined;
    const every = stats.every?.ms;
    if (every !== undefined && every % 3_600_000 === 0 && span > 7 * 86_400_000) return { table: 'samples_1h', stepMs: 3_600_000 };
    if (every === undefined && span > 7 * 86_400_000) return { table: 'samples_1h', stepMs: 3_600_000 };
    if (every !== undefined && every % 60_000 !== 0) return undefined;
    return { table: 'samples_1m', stepMs: 60_000 };
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
        return this.compileCompare(r, st);
      case 'correlate':
        return this.compileCorrelate(r, st);
      case 'trend':
        return this.compileTrend(r, st);
      case 'outliers':
        return this.compileOutliers(r, st);
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
        this.view = { kind: st.name.name as ViewHint['kind'], options };
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
    return this.rel(name, r, {});
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

  /**
   * SQL of one aggregate output: a call (`p99(value)`) or arithmetic over calls (`100 - avg(value)`),
   * where each call is an aggregate of the rows and the rest is ordinary arithmetic on the results.
   */
  aggOutput(a: Agg, holder: { rel: Rel }): { sql: string; type: ColType } {
    if (!a.expr) return this.aggSql(a, holder);
    const parts: { sql: string; type: ColType }[] = [];
    const replace = (e: Expr): Expr => {
      if (e.kind === 'call' && e.name.toLowerCase() in AGGREGATES) {
        parts.push(this.aggSql({ as: undefined, fn: e.name, fnSpan: e.nameSpan, args: e.args, span: e.span }, holder));
        return { kind: 'name', name: `__agg${parts.length - 1}`, span: e.span };
      }
      switch (e.kind) {
        case 'call':
          return { ...e, args: e.args.map(replace) };
        case 'binary':
          return { ...e, left: replace(e.left), right: replace(e.right) };
        case 'not':
        case 'neg':
          return { ...e, expr: replace(e.expr) };
        case 'list':
          return { ...e, items: e.items.map(replace) };
        default:
          return e;
      }
    };
    const rewritten = replace(a.expr);
    if (parts.length === 0) throw semantic('an aggregate output needs an aggregate, such as 100 - avg(value)', a.span);
    const cols = new Map<string, ColType>(parts.map((p, i) => [`__agg${i}`, p.type]));
    const scope: Scope = {
      cols,
      now: this.opts.now,
      resolve: () => undefined,
      candidates: () => Object.keys(AGGREGATES),
    };
    let outside: string | undefined;
    const check = (e: Expr): void => {
      if (e.kind === 'name' && !e.name.startsWith('__agg')) outside ??= e.name;
      if (e.kind === 'call') e.args.forEach(check);
      if (e.kind === 'binary') {
        check(e.left);
        check(e.right);
      }
      if (e.kind === 'not' || e.kind === 'neg') check(e.expr);
    };
    check(rewritten);
    if (outside) throw semantic(`"${outside}" is outside any aggregate: after stats only aggregates of the rows exist`, a.span, `write it inside one, such as avg(${outside})`);
    const x = compileExpr(rewritten, scope, this.params);
    let sql = x.sql;
    parts.forEach((p, i) => {
      sql = sql.split(ident(`__agg${i}`)).join(`(${p.sql})`);
    });
    return { sql, type: x.type };
  }

  /** SQL of one aggregate call over rows of `r` (or over rollup states). */
  aggSql(a: Agg, holder: { rel: Rel }): { sql: string; type: ColType } {
    const fn = a.fn.toLowerCase();
    const spec = AGGREGATES[fn];
    if (!spec) {
      const near = didYouMean(a.fn, Object.keys(AGGREGATES));
      throw semantic(`unknown aggregate "${a.fn}"`, a.fnSpan, near ? `did you mean "${near}"?` : `aggregates: ${Object.keys(AGGREGATES).join(', ')}`);
    }
    if (fn === 'count' ? a.args.length > 1 : a.args.length !== spec.args) throw semantic(`${fn} takes ${spec.args} argument(s), found ${a.args.length}`, a.span, spec.doc);
    const rollup = holder.rel.rollup;
    if (rollup) {
      const f = rollup.factor === 1 ? '' : ` * ${this.params.add(rollup.factor, 'Float64')}`;
      if (fn === 'count') return { sql: 'toFloat64(sum(__cnt))', type: 'number' };
      if (fn === 'dcount') {
        const x = compileExpr(a.args[0], this.scope(holder), this.params);
        return { sql: `toFloat64(uniqExact(${x.sql}))`, type: 'number' };
      }
      if (fn === 'avg' || fn === 'mean') return { sql: `(sum(__vsum) / sum(__cnt))${f}`, type: 'number' };
      if (fn === 'sum') return { sql: `sum(__vsum)${f}`, type: 'number' };
      if (fn === 'min') return { sql: `min(__vmin)${f}`, type: 'number' };
      if (fn === 'max') return { sql: `max(__vmax)${f}`, type: 'number' };
      if (fn === 'last') return { sql: `argMaxMerge(__vlast)${f}`, type: 'number' };
      const i = ROLLUP_QUANTILES.indexOf(QUANTILE_OF[fn]);
      return { sql: `quantilesTDigestMerge(0.5, 0.9, 0.99)(__q)[${i + 1}]${f}`, type: 'number' };
    }
    const sc = this.scope(holder);
    const args = a.args.map((x) => compileExpr(x, sc, this.params));
    const numeric = (i: number) => {
      if (args[i].type !== 'number') throw semantic(`${fn} needs a number, found ${args[i].type === 'string' ? 'text' : args[i].type}`, a.args[i].span, spec.doc);
      return args[i].sql;
    };
    if (fn !== 'count' && fn !== 'dcount' && fn !== 'last' && fn !== 'first') numeric(0);
    switch (fn) {
      case 'count':
        return { sql: args.length === 0 ? 'toFloat64(count())' : `toFloat64(count(${args[0].sql}))`, type: 'number' };
      case 'dcount':
        return { sql: `toFloat64(uniqExact(${args[0].sql}))`, type: 'number' };
      case 'sum':
        return { sql: `sum(${args[0].sql})`, type: 'number' };
      case 'avg':
      case 'mean':
        return { sql: `avg(${args[0].sql})`, type: 'number' };
      case 'min':
        return { sql: `min(${args[0].sql})`, type: 'number' };
      case 'max':
        return { sql: `max(${args[0].sql})`, type: 'number' };
      case 'stddev':
        return { sql: `stddevSamp(${args[0].sql})`, type: 'number' };
      case 'variance':
        return { sql: `varSamp(${args[0].sql})`, type: 'number' };
      case 'last':
      case 'first': {
        if (!holder.rel.cols.has('ts')) throw semantic(`${fn} needs a ts column to order by`, a.span);
        return { sql: `${fn === 'last' ? 'argMax' : 'argMin'}(${args[0].sql}, ts)`, type: args[0].type };
      }
      case 'pct': {
        const q = a.args[1];
        if (q.kind !== 'number' || !(q.value >= 0 && q.value <= 1)) throw semantic('the quantile of pct must be a number from 0 to 1, such as 0.99', q.span);
        return { sql: `quantileTDigest(${q.value})(${args[0].sql})`, type: 'number' };
      }
      default:
        return { sql: `quantileTDigest(${QUANTILE_OF[fn]})(${args[0].sql})`, type: 'number' };
    }
  }

  aggName(a: Agg): string {
    if (a.as) return a.as;
    if (a.expr) throw semantic('name an aggregate with arithmetic: busy = 100 - avg(value)', a.span);
    const arg = a.args[0];
    const argName = arg?.kind === 'name' ? arg.name : undefined;
    return argName ? `${a.fn}_${argName}` : a.fn;
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
    const names = st.aggs.map((a) => this.aggName(a));
    const seen = new Set<string>();
    st.aggs.forEach((a, i) => {
      if (seen.has(names[i]) || keys.includes(names[i])) throw semantic(`the output name "${names[i]}" is used twice; name it: x = ${a.fn}(…)`, a.span);
      seen.add(names[i]);
    });
    const aggs = st.aggs.map((a) => this.aggOutput(a, holder));
    r = holder.rel;
    let every = st.every?.ms;
    if (every !== undefined) {
      if (every < 1000 || every % 1000 !== 0) throw semantic('buckets must be whole seconds, 1s or more', st.every!.span);
      if (!r.cols.has('ts')) throw semantic('"every" needs a ts column; this relation has none', st.every!.span);
      if (r.rollup) {
        const step = r.rollup.table === 'samples_1h' ? 3_600_000 : 60_000;
        if (every % step !== 0) every = undefined; // cannot happen: pickRollup checked
      }
    }
    const bucket = every !== undefined ? `toDateTime(toStartOfInterval(ts, toIntervalSecond(${every / 1000})), 'UTC')` : undefined;
    const groupKeys = [...keys.map(ident), ...(bucket ? ['__bucket'] : [])];
    const innerSel = [...keys.map(ident), ...(bucket ? ['__bucket'] : []), ...aggs.map((a, i) => `${a.sql} AS __a${i}`)].join(', ');
    const source = bucket ? `(SELECT *, ${bucket} AS __bucket FROM ${r.name})` : r.name;
    const inner = this.cte('stats', `SELECT ${innerSel} FROM ${source}${groupKeys.length > 0 ? ` GROUP BY ${groupKeys.join(', ')}` : ''}`);

    const fill = st.fill ?? (every !== undefined ? 'null' : 'none');
    if (st.fill && every === undefined) throw semantic('"fill" applies to time buckets: write stats every 5m fill zero …', st.span);
    const outCols = new Map<string, ColType>();
    for (const k of keys) outCols.set(k, r.cols.get(k)!);
    if (bucket) outCols.set('ts', 'time');
    aggs.forEach((a, i) => outCols.set(names[i], a.type));
    const wrap = (i: number) => (fill === 'null' || fill === 'linear' ? `toNullable(__a${i})` : `__a${i}`);
    const outSel = [...keys.map(ident), ...(bucket ? ['__bucket AS ts'] : []), ...names.map((n, i) => `${wrap(i)} AS ${ident(n)}`)].join(', ');
    let outer = `SELECT ${outSel} FROM ${inner}`;
    if (bucket && fill !== 'none' && r.range) {
      const fromB = Math.floor(r.range.from / every!) * every!;
      const order = [...keys.map(ident), `ts WITH FILL FROM ${this.params.seconds(fromB)} TO ${this.params.seconds(r.range.to)} STEP toIntervalSecond(${every! / 1000})`];
      outer += ` ORDER BY ${order.join(', ')}`;
      if (fill === 'prev') outer += ` INTERPOLATE (${names.map((n) => `${ident(n)} AS ${ident(n)}`).join(', ')})`;
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

  compileCompare(r: Rel, st: Extract<Stage, { kind: 'compare' }>): Rel {
    if (st.by.length !== 1) throw semantic('"compare" takes one grouping: compare value by hw_model', st.span);
    const per = st.per?.name ?? 'host';
    if (per !== 'host' && per !== 'sample') throw semantic(`"per" is host or sample, not "${per}"`, st.per!.span);
    const test = st.test?.name ?? 'welch';
    if (test !== 'welch') throw semantic(`unknown test "${test}"`, st.test!.span, 'tests: welch (pairwise Welch t-tests with an ANOVA omnibus)');
    const level = st.level ?? 0.95;
    if (!(level > 0.5 && level < 1)) throw semantic('the confidence level must be between 0.5 and 1, such as 0.95', st.span);
    const holder = { rel: r };
    const sc = this.scope(holder);
    const v = compileExpr(st.expr, sc, this.params);
    if (v.type !== 'number') throw semantic('"compare" needs a number to compare', st.expr.span);
    const g = st.by[0];
    if (!holder.rel.cols.has(g.name) && sc.resolve(g.name, g.span) === undefined) throw semantic(`cannot compare by "${g.name}": not a column here, a label, or an asset attribute`, g.span);
    let within: string | undefined;
    if (st.within) {
      within = st.within.name;
      if (!holder.rel.cols.has(within) && sc.resolve(within, st.within.span) === undefined) throw semantic(`cannot stratify within "${within}": not a column here`, st.within.span);
    }
    r = holder.rel;
    const strat = within ? `${ident(within)} AS __stratum, ` : '';
    const stratKey = within ? '__stratum, ' : '';
    let units: string;
    if (per === 'host') {
      if (!r.cols.has('host')) throw semantic('"compare" treats hosts as the units of analysis, but there is no host column here', st.span, 'keep host in the "by" of the stats before, or write "per sample"');
      units = this.cte('units', `SELECT ${strat}toString(${ident(g.name)}) AS __group, host, avg(${v.sql}) AS __v, count() AS __n FROM ${r.name} WHERE isFinite(${v.sql}) GROUP BY ${stratKey}__group, host`);
    } else {
      units = this.cte('units', `SELECT ${strat}toString(${ident(g.name)}) AS __group, ${v.sql} AS __v, 1 AS __n FROM ${r.name} WHERE isFinite(${v.sql})`);
      this.warnings.push('samples of one host are not independent: p-values per sample are far too small; the default "per host" is the honest one');
    }
    const sql = `SELECT ${within ? 'toString(__stratum) AS stratum, ' : ''}__group AS ${ident(g.name)}, toFloat64(count()) AS units, toFloat64(sum(__n)) AS samples, avg(__v) AS mean, varSamp(__v) AS variance, min(__v) AS min, quantileExact(0.5)(__v) AS median, max(__v) AS max
  FROM ${units} GROUP BY ${within ? '__stratum, ' : ''}__group ORDER BY ${within ? '__stratum, ' : ''}__group`;
    const name = this.cte('compare', sql);
    const cols = new Map<string, ColType>();
    if (within) cols.set('stratum', 'string');
    for (const c of [g.name]) cols.set(c, 'string');
    for (const c of ['units', 'samples', 'mean', 'variance', 'min', 'median', 'max']) cols.set(c, 'number');
    this.post.push({ kind: 'compare', groupCols: [g.name], within: within ? 'stratum' : undefined, level, per, test });
    this.stages.push({ stage: 'compare', runs: 'clickhouse', note: `per-${per} means, then one summary row per ${g.name}` });
    this.stages.push({ stage: 'compare (tests)', runs: 'js', note: `confidence intervals, ANOVA F test, pairwise Welch t-tests with Holm correction, effect sizes (level ${level})` });
    if (!this.viewFromUser) this.view = { kind: 'bar', x: g.name, y: ['mean'] };
    return { name, cols, grain: 'agg', bucketMs: undefined, range: r.range, rollup: undefined, metrics: r.metrics };
  }

  compileCorrelate(r: Rel, st: Extract<Stage, { kind: 'correlate' }>): Rel {
    if (!r.cols.has('ts') || r.bucketMs === undefined) throw semantic('"correlate" needs time buckets: put "stats every 5m …" (on both sides of a join) before it', st.span);
    const step = r.bucketMs;
    const from = st.lagFrom?.ms ?? 0;
    const to = st.lagTo?.ms ?? 0;
    if (to < from) throw semantic('the lag range ends before it starts', st.span);
    if (from % step !== 0 || to % step !== 0) throw semantic(`lags must be whole buckets of ${fmtDuration(step)}`, st.span);
    const nLags = (to - from) / step + 1;
    if (nLags > 1000) throw semantic(`${nLags} lags is too many; at most 1000`, st.span);
    const holder = { rel: r };
    const sc = this.scope(holder);
    const a = compileExpr(st.a, sc, this.params);
    const b = compileExpr(st.b, sc, this.params);
    if (a.type !== 'number') throw semantic('"correlate" needs numbers', st.a.span);
    if (b.type !== 'number') throw semantic('"correlate" needs numbers', st.b.span);
    const by = st.by.map((x) => {
      if (!holder.rel.cols.has(x.name) && sc.resolve(x.name, x.span) === undefined) throw semantic(`cannot correlate by "${x.name}": not a column here`, x.span);
      return x.name;
    });
    r = holder.rel;
    const byx = by.map((k) => `, ${ident(k)}`).join('');
    const lags = this.params.add(Array.from({ length: nLags }, (_, i) => (from + i * step) / 1000), 'Array(Int64)');
    // a(t) against b(t + lag): a positive best lag means a leads b by that much.
    const xs = this.cte('corr_a', `SELECT ts + toIntervalSecond(__lag) AS __k, __lag${byx}, toFloat64(${a.sql}) AS __x FROM ${r.name} ARRAY JOIN ${lags} AS __lag WHERE isFinite(__x)`);
    const ys = this.cte('corr_b', `SELECT ts AS __k${byx}, toFloat64(${b.sql}) AS __y FROM ${r.name} WHERE isFinite(__y)`);
    const usingKeys = ['__k', ...by].map((k) => (k === '__k' ? k : ident(k))).join(', ');
    const sql = `SELECT ${by.map((k) => `${ident(k)}, `).join('')}__lag * 1000 AS lag, toFloat64(count()) AS n, corr(__x, __y) AS pearson, rankCorr(__x, __y) AS spearman
  FROM ${xs} INNER JOIN ${ys} USING (${usingKeys}) GROUP BY ${by.map((k) => `${ident(k)}, `).join('')}__lag ORDER BY ${by.map((k) => `${ident(k)}, `).join('')}__lag`;
    const name = this.cte('correlate', sql);
    const cols = new Map<string, ColType>();
    for (const k of by) cols.set(k, r.cols.get(k)!);
    for (const c of ['lag', 'n', 'pearson', 'spearman']) cols.set(c, 'number');
    this.post.push({ kind: 'correlate', byCols: by });
    this.stages.push({ stage: 'correlate', runs: 'clickhouse', note: `Pearson and Spearman at ${nLags} lag(s) from ${fmtDuration(from)} to ${fmtDuration(to)}` });
    this.stages.push({ stage: 'correlate (p-values)', runs: 'js', note: 'p-value of each r, best lag' });
    if (!this.viewFromUser) this.view = { kind: 'bar', x: 'lag', series: by, y: ['pearson', 'spearman'] };
    return { name, cols, grain: 'agg', bucketMs: undefined, range: r.range, rollup: undefined, metrics: r.metrics };
  }

  compileTrend(r: Rel, st: Extract<Stage, { kind: 'trend' }>): Rel {
    if (!r.cols.has('ts')) throw semantic('"trend" fits a line over time, but there is no ts column here', st.span, 'put "stats every 1h …" before it');
    const holder = { rel: r };
    const sc = this.scope(holder);
    const y = compileExpr(st.expr, sc, this.params);
    if (y.type !== 'number') throw semantic('"trend" needs a number', st.expr.span);
    // One line per series: by default per key of the rows (the "by" of the stats before, such as host).
    const by =
      st.by.length > 0
        ? st.by.map((x) => {
            if (!holder.rel.cols.has(x.name) && sc.resolve(x.name, x.span) === undefined) throw semantic(`cannot fit by "${x.name}": not a column here`, x.span);
            return x.name;
          })
        : [...holder.rel.cols].filter(([n, t]) => t === 'string' && !n.startsWith('__')).map(([n]) => n);
    let until: string | undefined;
    if (st.until) {
      const u = compileExpr(st.until, sc, this.params);
      if (u.type !== 'number') throw semantic('"until" needs a number, such as disk_capacity_bytes or 0.9 * disk_capacity_bytes', st.until.span);
      until = u.sql;
    }
    r = holder.rel;
    const keys = by.map(ident);
    const x = `(toUnixTimestamp64Milli(toDateTime64(ts, 3, 'UTC')) / 86400000)`;
    const fit = this.cte(
      'trend_fit',
      `SELECT ${keys.map((k) => `${k}, `).join('')}toFloat64(count()) AS n, covarSamp(__x, __y) / nullIf(varSamp(__x), 0) AS __slope, avg(__x) AS __mx, avg(__y) AS __my, varSamp(__x) AS __vx, varSamp(__y) AS __vy, max(__x) AS __lastx, argMax(__y, __x) AS last_value${until ? ', any(__cap) AS capacity' : ''}
  FROM (SELECT *, ${x} AS __x, toFloat64(${y.sql}) AS __y${until ? `, toFloat64(${until}) AS __cap` : ''} FROM ${r.name} WHERE isFinite(__y)) GROUP BY ${keys.length > 0 ? keys.join(', ') : 'tuple()'}`,
    );
    // The line, its residual spread and the slope's standard error; JS adds the interval (t quantile).
    const resVar = 'if(n > 2, greatest(0, (n - 1) / (n - 2) * (__vy - __slope * __slope * __vx)), nan)';
    const forecast = st.for ? `, __fitted + __slope * ${this.params.add(st.for.ms / 86_400_000, 'Float64')} AS forecast` : '';
    const reach = until
      ? `, capacity - __fitted AS __left, if(__slope > 0, __left / __slope, NULL) AS days_to_full, if(__slope > 0, fromUnixTimestamp64Milli(toInt64((__lastx + __left / __slope) * 86400000), 'UTC'), NULL) AS full_at`
      : '';
    const sql = `SELECT ${keys.map((k) => `${k}, `).join('')}n, __slope AS slope_per_day, last_value${until ? ', capacity' : ''}, __my - __slope * __mx + __slope * __lastx AS __fitted, ${resVar} AS __resvar, sqrt(__resvar / ((n - 1) * __vx)) AS __se, __slope, if(__vy > 0, 1 - __resvar * (n - 2) / ((n - 1) * __vy), NULL) AS r2${reach}${forecast}
  FROM ${fit}${keys.length > 0 ? ` ORDER BY ${keys.join(', ')}` : ''}`;
    const name = this.cte('trend', sql);
    const cols = new Map<string, ColType>();
    for (const k of by) cols.set(k, r.cols.get(k)!);
    for (const c of ['n', 'slope_per_day', 'last_value']) cols.set(c, 'number');
    if (until) cols.set('capacity', 'number');
    cols.set('r2', 'number');
    if (until) {
      cols.set('days_to_full', 'number');
      cols.set('full_at', 'time');
    }
    if (st.for) cols.set('forecast', 'number');
    for (const c of ['__se', '__left', '__slope']) if (until || c !== '__left') cols.set(c, 'number');
    this.post.push({ kind: 'trend', byCols: by, level: 0.95, forMs: st.for?.ms, hasUntil: until !== undefined });
    this.stages.push({ stage: 'trend', runs: 'clickhouse', note: `least-squares line per ${by.length > 0 ? by.join(', ') : 'relation'}` });
    this.stages.push({ stage: 'trend (time to reach)', runs: 'js', note: until ? 'days until the line reaches the limit, with a 95% interval from the slope' : 'forecast' });
    if (!this.viewFromUser) this.view = { kind: 'table' };
    return { name, cols, grain: 'agg', bucketMs: undefined, range: r.range, rollup: undefined, metrics: r.metrics };
  }

  compileOutliers(r: Rel, st: Extract<Stage, { kind: 'outliers' }>): Rel {
    const method = st.method?.name ?? 'tukey';
    const methods = ['tukey', 'mad', 'zscore'];
    if (!methods.includes(method)) {
      const near = didYouMean(method, methods);
      throw semantic(`unknown outlier method "${method}"`, st.method!.span, near ? `did you mean "${near}"?` : `methods: ${methods.join(', ')}`);
    }
    const holder = { rel: r };
    const sc = this.scope(holder);
    const x = compileExpr(st.expr, sc, this.params);
    if (x.type !== 'number') throw semantic('"outliers" needs a number', st.expr.span);
    const by = st.by.map((b) => {
      if (!holder.rel.cols.has(b.name) && sc.resolve(b.name, b.span) === undefined) throw semantic(`cannot look for outliers within "${b.name}": not a column here`, b.span);
      return ident(b.name);
    });
    r = holder.rel;
    const w = by.length > 0 ? `OVER (PARTITION BY ${by.join(', ')})` : 'OVER ()';
    let bounds: string;
    if (method === 'tukey') {
      bounds = `quantileExact(0.25)(__x) ${w} AS __q1, quantileExact(0.75)(__x) ${w} AS __q3, __q1 - 1.5 * (__q3 - __q1) AS lower, __q3 + 1.5 * (__q3 - __q1) AS upper`;
    } else if (method === 'mad') {
      // Median absolute deviation needs the median first: computed in a second window pass.
      bounds = 'lower, upper';
    } else {
      bounds = `avg(__x) ${w} AS __m, stddevSamp(__x) ${w} AS __s, __m - 3 * __s AS lower, __m + 3 * __s AS upper`;
    }
    let inner: string;
    if (method === 'mad') {
      const med = this.cte('outl_med', `SELECT *, __x, quantileExact(0.5)(__x) ${w} AS __med FROM (SELECT *, toFloat64(${x.sql}) AS __x FROM ${r.name} WHERE isFinite(__x))`);
      inner = this.cte('outl', `SELECT *, quantileExact(0.5)(abs(__x - __med)) ${w} AS __mad, __med - 3.5 * 1.4826 * __mad AS lower, __med + 3.5 * 1.4826 * __mad AS upper FROM ${med}`);
    } else {
      inner = this.cte('outl', `SELECT *, ${bounds} FROM (SELECT *, toFloat64(${x.sql}) AS __x FROM ${r.name} WHERE isFinite(__x))`);
    }
    const keep = [...r.cols.keys()].map(ident);
    const sql = `SELECT ${keep.join(', ')}, lower, upper, if(__x > upper, 'high', 'low') AS direction FROM ${inner} WHERE __x < lower OR __x > upper`;
    const cols = new Map(r.cols);
    cols.set('lower', 'number');
    cols.set('upper', 'number');
    cols.set('direction', 'string');
    this.stages.push({ stage: 'outliers', runs: 'clickhouse', note: `${method} fences${by.length > 0 ? ` within ${st.by.map((b) => b.name).join(', ')}` : ''}; only outlying rows are kept` });
    if (!this.viewFromUser) this.view = { kind: 'table' };
    return this.rel(this.cte('outliers', sql), r, { cols, grain: 'agg' });
  }
}

/** Every name a pipeline mentions (expressions, by lists, enrich), to decide what the scan carries. */
function pipelineNames(p: Pipeline): Set<string> {
  const out = new Set<string>();
  const s = p.source;
  if (s.kind === 'metric' && s.where) namesIn(s.where, out);
  const refs = (xs: readonly { name: string }[]) => xs.forEach((x) => out.add(x.name));
  for (const st of p.stages) {
    switch (st.kind) {
      case 'where':
        namesIn(st.expr, out);
        break;
      case 'eval':
        st.assigns.forEach((a) => namesIn(a.expr, out));
        break;
      case 'enrich':
        refs(st.names);
        break;
      case 'stats':
        st.aggs.forEach((a) => a.args.forEach((x) => namesIn(x, out)));
        refs(st.by);
        // After stats the relation is new; names later on are resolved then.
        return out;
      case 'top':
        namesIn(st.expr, out);
        refs(st.by);
        break;
      case 'sort':
        st.keys.forEach((k) => namesIn(k.expr, out));
        break;
      case 'compare':
        namesIn(st.expr, out);
        refs(st.by);
        if (st.within) out.add(st.within.name);
        return out;
      case 'correlate':
        namesIn(st.a, out);
        namesIn(st.b, out);
        refs(st.by);
        return out;
      case 'trend':
        namesIn(st.expr, out);
        if (st.until) namesIn(st.until, out);
        refs(st.by);
        return out;
      case 'outliers':
        namesIn(st.expr, out);
        refs(st.by);
        break;
      default:
        break;
    }
  }
  return out;
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
