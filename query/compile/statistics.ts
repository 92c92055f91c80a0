// The statistical stages: `compare`, `correlate`, `trend` and `outliers`. Each ends the SQL in a small
// summary (per group, per lag, per series); ./post.ts adds what only JavaScript computes.
import type { Stage } from '../lang/ast.ts';
import { didYouMean } from '../lang/errors.ts';
import { type Compiler, fmtDuration, semantic, type Rel } from './compiler.ts';
import { compileExpr, ident, type ColType } from './expr.ts';

export function compileCompare(c: Compiler, r: Rel, st: Extract<Stage, { kind: 'compare' }>): Rel {
  if (st.by.length !== 1) throw semantic('"compare" takes one grouping: compare value by hw_model', st.span);
  const per = st.per?.name ?? 'host';
  if (per !== 'host' && per !== 'sample') throw semantic(`"per" is host or sample, not "${per}"`, st.per!.span);
  const test = st.test?.name ?? 'welch';
  if (test !== 'welch') throw semantic(`unknown test "${test}"`, st.test!.span, 'tests: welch (pairwise Welch t-tests with an ANOVA omnibus)');
  const level = st.level ?? 0.95;
  if (!(level > 0.5 && level < 1)) throw semantic('the confidence level must be between 0.5 and 1, such as 0.95', st.span);
  const holder = { rel: r };
  const sc = c.scope(holder);
  const v = compileExpr(st.expr, sc, c.params);
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
    units = c.cte('units', `SELECT ${strat}toString(${ident(g.name)}) AS __group, host, avg(${v.sql}) AS __v, count() AS __n FROM ${r.name} WHERE isFinite(${v.sql}) GROUP BY ${stratKey}__group, host`);
  } else {
    units = c.cte('units', `SELECT ${strat}toString(${ident(g.name)}) AS __group, ${v.sql} AS __v, 1 AS __n FROM ${r.name} WHERE isFinite(${v.sql})`);
    c.warnings.push('samples of one host are not independent: p-values per sample are far too small; the default "per host" is the honest one');
  }
  const sql = `SELECT ${within ? 'toString(__stratum) AS stratum, ' : ''}__group AS ${ident(g.name)}, toFloat64(count()) AS units, toFloat64(sum(__n)) AS samples, avg(__v) AS mean, varSamp(__v) AS variance, min(__v) AS min, quantileExactInclusive(0.5)(__v) AS median, max(__v) AS max
FROM ${units} GROUP BY ${within ? '__stratum, ' : ''}__group ORDER BY ${within ? '__stratum, ' : ''}__group`;
  const name = c.cte('compare', sql);
  const cols = new Map<string, ColType>();
  if (within) cols.set('stratum', 'string');
  for (const c of [g.name]) cols.set(c, 'string');
  for (const c of ['units', 'samples', 'mean', 'variance', 'min', 'median', 'max']) cols.set(c, 'number');
  c.post.push({ kind: 'compare', groupCols: [g.name], within: within ? 'stratum' : undefined, level, per, test });
  c.stages.push({ stage: 'compare', runs: 'clickhouse', note: `per-${per} means, then one summary row per ${g.name}` });
  c.stages.push({ stage: 'compare (tests)', runs: 'js', note: `confidence intervals, ANOVA F test, pairwise Welch t-tests with Holm correction, effect sizes (level ${level})` });
  if (!c.viewFromUser) c.view = { kind: 'bar', x: g.name, y: ['mean'] };
  return { name, cols, grain: 'agg', bucketMs: undefined, range: r.range, rollup: undefined, metrics: r.metrics };
}

export function compileCorrelate(c: Compiler, r: Rel, st: Extract<Stage, { kind: 'correlate' }>): Rel {
  if (!r.cols.has('ts') || r.bucketMs === undefined) throw semantic('"correlate" needs time buckets: put "stats every 5m …" (on both sides of a join) before it', st.span);
  const step = r.bucketMs;
  const from = st.lagFrom?.ms ?? 0;
  const to = st.lagTo?.ms ?? 0;
  if (to < from) throw semantic('the lag range ends before it starts', st.span);
  if (from % step !== 0 || to % step !== 0) throw semantic(`lags must be whole buckets of ${fmtDuration(step)}`, st.span);
  const nLags = (to - from) / step + 1;
  if (nLags > 1000) throw semantic(`${nLags} lags is too many; at most 1000`, st.span);
  const holder = { rel: r };
  const sc = c.scope(holder);
  const a = compileExpr(st.a, sc, c.params);
  const b = compileExpr(st.b, sc, c.params);
  if (a.type !== 'number') throw semantic('"correlate" needs numbers', st.a.span);
  if (b.type !== 'number') throw semantic('"correlate" needs numbers', st.b.span);
  const by = st.by.map((x) => {
    if (!holder.rel.cols.has(x.name) && sc.resolve(x.name, x.span) === undefined) throw semantic(`cannot correlate by "${x.name}": not a column here`, x.span);
    return x.name;
  });
  r = holder.rel;
  const byx = by.map((k) => `, ${ident(k)}`).join('');
  const lags = c.params.add(Array.from({ length: nLags }, (_, i) => (from + i * step) / 1000), 'Array(Int64)');
  // a(t) against b(t + lag): a positive best lag means a leads b by that much.
  const xs = c.cte('corr_a', `SELECT ts + toIntervalSecond(__lag) AS __k, __lag${byx}, toFloat64(${a.sql}) AS __x FROM ${r.name} ARRAY JOIN ${lags} AS __lag WHERE isFinite(__x)`);
  const ys = c.cte('corr_b', `SELECT ts AS __k${byx}, toFloat64(${b.sql}) AS __y FROM ${r.name} WHERE isFinite(__y)`);
  const usingKeys = ['__k', ...by].map((k) => (k === '__k' ? k : ident(k))).join(', ');
  const sql = `SELECT ${by.map((k) => `${ident(k)}, `).join('')}__lag * 1000 AS lag, toFloat64(count()) AS n, corr(__x, __y) AS pearson, rankCorr(__x, __y) AS spearman
FROM ${xs} INNER JOIN ${ys} USING (${usingKeys}) GROUP BY ${by.map((k) => `${ident(k)}, `).join('')}__lag ORDER BY ${by.map((k) => `${ident(k)}, `).join('')}__lag`;
  const name = c.cte('correlate', sql);
  const cols = new Map<string, ColType>();
  for (const k of by) cols.set(k, r.cols.get(k)!);
  for (const c of ['lag', 'n', 'pearson', 'spearman']) cols.set(c, 'number');
  c.post.push({ kind: 'correlate', byCols: by });
  c.stages.push({ stage: 'correlate', runs: 'clickhouse', note: `Pearson and Spearman at ${nLags} lag(s) from ${fmtDuration(from)} to ${fmtDuration(to)}` });
  c.stages.push({ stage: 'correlate (p-values)', runs: 'js', note: 'p-value of each r, best lag' });
  if (!c.viewFromUser) c.view = { kind: 'bar', x: 'lag', series: by, y: ['pearson', 'spearman'] };
  return { name, cols, grain: 'agg', bucketMs: undefined, range: r.range, rollup: undefined, metrics: r.metrics };
}

export function compileTrend(c: Compiler, r: Rel, st: Extract<Stage, { kind: 'trend' }>): Rel {
  if (!r.cols.has('ts')) throw semantic('"trend" fits a line over time, but there is no ts column here', st.span, 'put "stats every 1h …" before it');
  const holder = { rel: r };
  const sc = c.scope(holder);
  const y = compileExpr(st.expr, sc, c.params);
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
    const u = compileExpr(st.until, sc, c.params);
    if (u.type !== 'number') throw semantic('"until" needs a number, such as disk_capacity_bytes or 0.9 * disk_capacity_bytes', st.until.span);
    until = u.sql;
  }
  r = holder.rel;
  const keys = by.map(ident);
  const x = `(toUnixTimestamp64Milli(toDateTime64(ts, 3, 'UTC')) / 86400000)`;
  const fit = c.cte(
    'trend_fit',
    `SELECT ${keys.map((k) => `${k}, `).join('')}toFloat64(count()) AS n, covarSamp(__x, __y) / nullIf(varSamp(__x), 0) AS __slope, avg(__x) AS __mx, avg(__y) AS __my, varSamp(__x) AS __vx, varSamp(__y) AS __vy, max(__x) AS __lastx, argMax(__y, __x) AS last_value${until ? ', any(__cap) AS capacity' : ''}
FROM (SELECT *, ${x} AS __x, toFloat64(${y.sql}) AS __y${until ? `, toFloat64(${until}) AS __cap` : ''} FROM ${r.name} WHERE isFinite(__y)) GROUP BY ${keys.length > 0 ? keys.join(', ') : 'tuple()'}`,
  );
  // The line, its residual spread and the slope's standard error; JS adds the interval (t quantile).
  const resVar = 'if(n > 2, greatest(0, (n - 1) / (n - 2) * (__vy - __slope * __slope * __vx)), nan)';
  const forecast = st.for ? `, __fitted + __slope * ${c.params.add(st.for.ms / 86_400_000, 'Float64')} AS forecast` : '';
  const reach = until
    ? `, capacity - __fitted AS __left, if(__slope > 0, __left / __slope, NULL) AS days_to_full, if(__slope > 0, fromUnixTimestamp64Milli(toInt64((__lastx + __left / __slope) * 86400000), 'UTC'), NULL) AS full_at`
    : '';
  const sql = `SELECT ${keys.map((k) => `${k}, `).join('')}n, __slope AS slope_per_day, last_value${until ? ', capacity' : ''}, __my - __slope * __mx + __slope * __lastx AS __fitted, ${resVar} AS __resvar, sqrt(__resvar / ((n - 1) * __vx)) AS __se, __slope, if(__vy > 0, 1 - __resvar * (n - 2) / ((n - 1) * __vy), NULL) AS r2${reach}${forecast}
FROM ${fit}${keys.length > 0 ? ` ORDER BY ${keys.join(', ')}` : ''}`;
  const name = c.cte('trend', sql);
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
  c.post.push({ kind: 'trend', byCols: by, level: 0.95, forMs: st.for?.ms, hasUntil: until !== undefined });
  c.stages.push({ stage: 'trend', runs: 'clickhouse', note: `least-squares line per ${by.length > 0 ? by.join(', ') : 'relation'}` });
  c.stages.push({ stage: 'trend (time to reach)', runs: 'js', note: until ? 'days until the line reaches the limit, with a 95% interval from the slope' : 'forecast' });
  if (!c.viewFromUser) c.view = { kind: 'table' };
  return { name, cols, grain: 'agg', bucketMs: undefined, range: r.range, rollup: undefined, metrics: r.metrics };
}

export function compileOutliers(c: Compiler, r: Rel, st: Extract<Stage, { kind: 'outliers' }>): Rel {
  const method = st.method?.name ?? 'tukey';
  const methods = ['tukey', 'mad', 'zscore'];
  if (!methods.includes(method)) {
    const near = didYouMean(method, methods);
    throw semantic(`unknown outlier method "${method}"`, st.method!.span, near ? `did you mean "${near}"?` : `methods: ${methods.join(', ')}`);
  }
  const holder = { rel: r };
  const sc = c.scope(holder);
  const x = compileExpr(st.expr, sc, c.params);
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
    const med = c.cte('outl_med', `SELECT *, __x, quantileExact(0.5)(__x) ${w} AS __med FROM (SELECT *, toFloat64(${x.sql}) AS __x FROM ${r.name} WHERE isFinite(__x))`);
    inner = c.cte('outl', `SELECT *, quantileExact(0.5)(abs(__x - __med)) ${w} AS __mad, __med - 3.5 * 1.4826 * __mad AS lower, __med + 3.5 * 1.4826 * __mad AS upper FROM ${med}`);
  } else {
    inner = c.cte('outl', `SELECT *, ${bounds} FROM (SELECT *, toFloat64(${x.sql}) AS __x FROM ${r.name} WHERE isFinite(__x))`);
  }
  const keep = [...r.cols.keys()].map(ident);
  const sql = `SELECT ${keep.join(', ')}, lower, upper, if(__x > upper, 'high', 'low') AS direction FROM ${inner} WHERE __x < lower OR __x > upper`;
  const cols = new Map(r.cols);
  cols.set('lower', 'number');
  cols.set('upper', 'number');
  cols.set('direction', 'string');
  c.stages.push({ stage: 'outliers', runs: 'clickhouse', note: `${method} fences${by.length > 0 ? ` within ${st.by.map((b) => b.name).join(', ')}` : ''}; only outlying rows are kept` });
  if (!c.viewFromUser) c.view = { kind: 'table' };
  return c.rel(c.cte('outliers', sql), r, { cols, grain: 'agg' });
}
