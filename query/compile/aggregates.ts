// Aggregates of `stats` (the closed set, their SQL on raw rows and on rollup states), the choice of a
// rollup for a pipeline, and the names a pipeline reads.
import type { Agg, Expr, Pipeline, Stage } from '../lang/ast.ts';
import { didYouMean } from '../lang/errors.ts';
import { type Compiler, type RawScan, semantic, type Rel } from './compiler.ts';
import { compileExpr, ident, namesIn, type ColType, type Scope } from './expr.ts';

export const AGGREGATES: Record<string, { args: number; doc: string }> = {
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

export const QUANTILE_OF: Record<string, number> = { median: 0.5, p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99, p999: 0.999 };
/** Quantiles the rollups keep (`quantilesTDigestState(0.5, 0.9, 0.99)`), by position. */
export const ROLLUP_QUANTILES = [0.5, 0.9, 0.99];

/**
 * A rollup can answer when the pipeline up to its first `stats` only filters series and rates, that
 * stats aggregates `value` with functions the rollup keeps, its buckets are whole rollup steps, and the
 * range is long (over a day) or older than raw samples are kept.
 */
export function pickRollup(p: Pipeline, from: number, to: number, kinds: Set<string>, sampleFilters: boolean, now: number, samplesDays: number): { table: string; stepMs: number } | undefined {
  if (sampleFilters) return undefined;
  const span = to - from;
  const rawKept = now - samplesDays * 86_400_000;
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
  if ((every === undefined || every % 86_400_000 === 0) && span > 7 * 86_400_000) return { table: 'samples_1d', stepMs: 86_400_000 };
  if (every !== undefined && every % 3_600_000 === 0 && span > 7 * 86_400_000) return { table: 'samples_1h', stepMs: 3_600_000 };
  if (every !== undefined && every % 60_000 !== 0) return undefined;
  return { table: 'samples_1m', stepMs: 60_000 };
}

/**
 * SQL of one aggregate output: a call (`p99(value)`) or arithmetic over calls (`100 - avg(value)`),
 * where each call is an aggregate of the rows and the rest is ordinary arithmetic on the results.
 */
export function aggOutput(c: Compiler, a: Agg, holder: { rel: Rel }): { sql: string; type: ColType } {
  if (!a.expr) return aggSql(c, a, holder);
  const parts: { sql: string; type: ColType }[] = [];
  const replace = (e: Expr): Expr => {
    if (e.kind === 'call' && e.name.toLowerCase() in AGGREGATES) {
      parts.push(aggSql(c, { as: undefined, fn: e.name, fnSpan: e.nameSpan, args: e.args, span: e.span }, holder));
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
    now: c.opts.now,
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
  const x = compileExpr(rewritten, scope, c.params);
  let sql = x.sql;
  parts.forEach((p, i) => {
    sql = sql.split(ident(`__agg${i}`)).join(`(${p.sql})`);
  });
  return { sql, type: x.type };
}

/** SQL of one aggregate call over rows of `r` (or over rollup states). */
export function aggSql(c: Compiler, a: Agg, holder: { rel: Rel }): { sql: string; type: ColType } {
  const fn = a.fn.toLowerCase();
  const spec = AGGREGATES[fn];
  if (!spec) {
    const near = didYouMean(a.fn, Object.keys(AGGREGATES));
    throw semantic(`unknown aggregate "${a.fn}"`, a.fnSpan, near ? `did you mean "${near}"?` : `aggregates: ${Object.keys(AGGREGATES).join(', ')}`);
  }
  if (fn === 'count' ? a.args.length > 1 : a.args.length !== spec.args) throw semantic(`${fn} takes ${spec.args} argument(s), found ${a.args.length}`, a.span, spec.doc);
  const rollup = holder.rel.rollup;
  if (rollup) {
    const f = rollup.factor === 1 ? '' : ` * ${c.params.add(rollup.factor, 'Float64')}`;
    if (fn === 'count') return { sql: 'toFloat64(sum(__cnt))', type: 'number' };
    if (fn === 'dcount') {
      const x = compileExpr(a.args[0], c.scope(holder), c.params);
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
  const sc = c.scope(holder);
  const args = a.args.map((x) => compileExpr(x, sc, c.params));
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

export function aggName(a: Agg): string {
  if (a.as) return a.as;
  if (a.expr) throw semantic('name an aggregate with arithmetic: busy = 100 - avg(value)', a.span);
  const arg = a.args[0];
  const argName = arg?.kind === 'name' ? arg.name : undefined;
  return argName ? `${a.fn}_${argName}` : a.fn;
}

/** Every name a pipeline mentions (expressions, by lists, enrich), to decide what the scan carries. */
export function pipelineNames(p: Pipeline): Set<string> {
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

/** Partial state and merge of each aggregate that can be computed per series, then combined. */
const SPLIT: Record<string, { state: (v: string, q?: number) => string; merge: (s: string, q?: number) => string }> = {
  count: { state: () => 'countState()', merge: (x) => `toFloat64(countMerge(${x}))` },
  sum: { state: (v) => `sumState(${v})`, merge: (x) => `sumMerge(${x})` },
  avg: { state: (v) => `avgState(${v})`, merge: (x) => `avgMerge(${x})` },
  mean: { state: (v) => `avgState(${v})`, merge: (x) => `avgMerge(${x})` },
  min: { state: (v) => `minState(${v})`, merge: (x) => `minMerge(${x})` },
  max: { state: (v) => `maxState(${v})`, merge: (x) => `maxMerge(${x})` },
  stddev: { state: (v) => `stddevSampState(${v})`, merge: (x) => `stddevSampMerge(${x})` },
  variance: { state: (v) => `varSampState(${v})`, merge: (x) => `varSampMerge(${x})` },
  last: { state: (v) => `argMaxState(${v}, x.ts)`, merge: (x) => `argMaxMerge(${x})` },
  first: { state: (v) => `argMinState(${v}, x.ts)`, merge: (x) => `argMinMerge(${x})` },
  quantile: { state: (v, q) => `quantileTDigestState(${q})(${v})`, merge: (x, q) => `quantileTDigestMerge(${q})(${x})` },
};

/**
 * Two-phase aggregation of a stats right after the scan (and `rate`): when every key is a series-level
 * column (host, labels, asset attributes) and every aggregate is of `value` (or count, or distinct hosts),
 * aggregate per series first and join the series once per series instead of once per sample. Returns
 * the CTE shaped like the one-phase stats (keys, `__bucket`, `__a0`…), or undefined when it does not apply.
 */
export function twoPhase(c: Compiler, scan: RawScan, aggs: readonly Agg[], keys: readonly string[], every: number | undefined): string | undefined {
  if (!keys.every((k) => scan.seriesCols.has(k))) return undefined;
  const states: string[] = [];
  const merges: string[] = [];
  for (const a of aggs) {
    if (a.expr) return undefined;
    const fn = a.fn.toLowerCase();
    const onValue = a.args.length >= 1 && a.args[0].kind === 'name' && a.args[0].name === 'value';
    const i = states.length;
    if (fn === 'count' && a.args.length === 0) {
      states.push(`${SPLIT.count.state('')} AS __s${i}`);
      merges.push(SPLIT.count.merge(`__s${i}`));
    } else if (fn === 'dcount' && a.args.length === 1 && a.args[0].kind === 'name' && scan.seriesCols.has(a.args[0].name)) {
      states.push(`1 AS __s${i}`);
      merges.push(`toFloat64(uniqExact(se.${ident(a.args[0].name)}))`);
    } else if (onValue && a.args.length === 1 && fn in SPLIT && fn !== 'quantile') {
      states.push(`${SPLIT[fn].state(scan.value)} AS __s${i}`);
      merges.push(SPLIT[fn].merge(`__s${i}`));
    } else if (onValue && a.args.length === 1 && fn in QUANTILE_OF) {
      states.push(`${SPLIT.quantile.state(scan.value, QUANTILE_OF[fn])} AS __s${i}`);
      merges.push(SPLIT.quantile.merge(`__s${i}`, QUANTILE_OF[fn]));
    } else if (onValue && fn === 'pct' && a.args.length === 2 && a.args[1].kind === 'number' && a.args[1].value >= 0 && a.args[1].value <= 1) {
      states.push(`${SPLIT.quantile.state(scan.value, a.args[1].value)} AS __s${i}`);
      merges.push(SPLIT.quantile.merge(`__s${i}`, a.args[1].value));
    } else {
      return undefined;
    }
  }
  const bucket = every !== undefined ? `toDateTime(toStartOfInterval(x.ts, toIntervalSecond(${every / 1000})), 'UTC')` : undefined;
  const pre = c.cte(
    'per_series',
    `SELECT x.series_id AS series_id${bucket ? `, ${bucket} AS __bucket` : ''}, ${states.join(', ')} FROM ${scan.from} AND ${scan.cond} GROUP BY series_id${bucket ? ', __bucket' : ''}`,
  );
  const keySel = keys.map((k) => `se.${ident(k)} AS ${ident(k)}`);
  const group = [...keys.map(ident), ...(bucket ? ['__bucket'] : [])];
  const sel = [...keySel, ...(bucket ? ['p.__bucket AS __bucket'] : []), ...merges.map((m, i) => `${m} AS __a${i}`)].join(', ');
  return c.cte('stats', `SELECT ${sel} FROM ${pre} AS p INNER JOIN ${scan.seriesCte} AS se ON p.series_id = se.series_id${group.length > 0 ? ` GROUP BY ${group.join(', ')}` : ''}`);
}
