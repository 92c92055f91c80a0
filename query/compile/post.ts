// The few steps that run in JavaScript after the statement: p-values, corrections, confidence intervals
// and verdicts on the small summaries `compare`, `correlate` and `trend` return, and linear gap fill.
import { tQuantile } from '../stats/dist.ts';
import { cohensD, correlationP, holm, meanCi, oneWayAnova, welch } from '../stats/tests.ts';
import type { ColType } from './expr.ts';
import type { CompiledQuery, PostStep } from './compiler.ts';

export interface PostResult {
  columns: { name: string; type: ColType }[];
  rows: unknown[][];
  warnings: string[];
  details?: Record<string, unknown>;
}

type Row = Record<string, unknown>;

const num = (v: unknown): number => (v === null || v === undefined ? NaN : Number(v));
const round = (x: number, digits = 6): number | null => (Number.isFinite(x) ? Number(x.toPrecision(digits)) : null);

/** Applies the compiled query's post-steps to the rows the statement returned. */
export function applyPost(c: CompiledQuery, raw: Row[]): PostResult {
  let columns = c.columns.map((x) => ({ ...x }));
  let rows: Row[] = raw;
  const warnings: string[] = [];
  let details: Record<string, unknown> | undefined;
  for (const step of c.post) {
    const out = applyStep(step, columns, rows);
    columns = out.columns;
    rows = out.rows;
    warnings.push(...out.warnings);
    if (out.details) details = { ...details, ...out.details };
  }
  // 64-bit integers (times in ms) arrive as decimal text: hand out numbers.
  const cell = (v: unknown, type: ColType) => (v === null || v === undefined ? null : type === 'time' || (type === 'number' && typeof v === 'string') ? Number(v) : v);
  return { columns, rows: rows.map((r) => columns.map((col) => cell(r[col.name], col.type))), warnings, details };
}

function applyStep(step: PostStep, columns: { name: string; type: ColType }[], rows: Row[]): { columns: { name: string; type: ColType }[]; rows: Row[]; warnings: string[]; details?: Record<string, unknown> } {
  switch (step.kind) {
    case 'linear-fill':
      return { columns, rows: linearFill(rows, step.keys, step.cols), warnings: [] };
    case 'prev-fill':
      return { columns, rows: prevFill(rows, step.keys, step.cols), warnings: [] };
    case 'compare':
      return compare(step, columns, rows);
    case 'correlate':
      return correlate(step, columns, rows);
    case 'trend':
      return trend(step, columns, rows);
  }
}

/** Fills nulls of `cols` by straight lines between the known neighbours of the same series. */
function linearFill(rows: Row[], keys: readonly string[], cols: readonly string[]): Row[] {
  const bySeries = new Map<string, Row[]>();
  for (const r of rows) {
    const k = JSON.stringify(keys.map((x) => r[x]));
    let list = bySeries.get(k);
    if (!list) bySeries.set(k, (list = []));
    list.push(r);
  }
  for (const list of bySeries.values()) {
    list.sort((a, b) => num(a.ts) - num(b.ts));
    for (const col of cols) {
      let prev = -1;
      for (let i = 0; i < list.length; i++) {
        if (list[i][col] === null || list[i][col] === undefined) continue;
        if (prev >= 0 && i - prev > 1) {
          const t0 = num(list[prev].ts);
          const t1 = num(list[i].ts);
          const v0 = num(list[prev][col]);
          const v1 = num(list[i][col]);
          for (let j = prev + 1; j < i; j++) list[j] = { ...list[j], [col]: v0 + ((v1 - v0) * (num(list[j].ts) - t0)) / (t1 - t0) };
        }
        prev = i;
      }
    }
  }
  return rows.map((r) => r).length === 0 ? rows : [...bySeries.values()].flat();
}

/** Fills nulls of `cols` with the last known value of the same series; leading gaps stay null. */
function prevFill(rows: Row[], keys: readonly string[], cols: readonly string[]): Row[] {
  const last = new Map<string, Row>();
  return rows.map((r) => {
    const k = JSON.stringify(keys.map((x) => r[x]));
    const prev = last.get(k);
    const out = { ...r };
    for (const c of cols) if ((out[c] === null || out[c] === undefined) && prev) out[c] = prev[c];
    last.set(k, out);
    return out;
  });
}

interface Group {
  name: string;
  n: number;
  mean: number;
  variance: number;
}

function compare(step: Extract<PostStep, { kind: 'compare' }>, columns: { name: string; type: ColType }[], rows: Row[]) {
  const g = step.groupCols[0];
  const unit = step.per === 'host' ? 'hosts' : 'samples';
  const strata = new Map<string, Row[]>();
  for (const r of rows) {
    const s = step.within ? String(r.stratum) : '';
    let list = strata.get(s);
    if (!list) strata.set(s, (list = []));
    list.push(r);
  }
  const warnings: string[] = [];
  const outRows: Row[] = [];
  const analyses: Record<string, unknown>[] = [];
  for (const [stratum, list] of strata) {
    const groups: Group[] = list.map((r) => ({ name: String(r[g]), n: num(r.units), mean: num(r.mean), variance: num(r.variance) }));
    const small = groups.filter((x) => x.n < 5);
    if (small.length > 0) {
      const one = (n: number) => (n === 1 ? unit.replace(/s$/, '') : unit);
      warnings.push(
        `${stratum ? `${stratum}: ` : ''}${small.map((x) => `${x.name} (${x.n} ${one(x.n)})`).join(', ')} ${small.length > 1 ? 'have' : 'has'} fewer than 5 ${unit}: ${step.per === 'host' ? `${small.length > 1 ? 'their intervals are' : 'its interval is'} wide and tests involving ${small.length > 1 ? 'them' : 'it'} are weak` : 'too few to judge'}`,
      );
    }
    const usable = groups.filter((x) => x.n >= 2 && Number.isFinite(x.variance));
    for (const r of list) {
      const ci = meanCi(num(r.units), num(r.mean), num(r.variance), step.level);
      outRows.push({ ...r, sd: round(Math.sqrt(num(r.variance))), ci_low: round(ci.low), ci_high: round(ci.high) });
    }
    if (groups.length < 2) {
      warnings.push(`${stratum ? `${stratum}: ` : ''}only one group (${groups.map((x) => x.name).join('')}): nothing to compare`);
      analyses.push({ ...(step.within ? { stratum } : {}), groups: groups.length, omnibus: null, pairs: [], verdict: 'only one group: nothing to compare' });
      continue;
    }
    const anova = usable.length >= 2 ? oneWayAnova(usable) : undefined;
    const pairs: Record<string, unknown>[] = [];
    for (let i = 0; i < usable.length; i++) {
      for (let j = i + 1; j < usable.length; j++) {
        const a = usable[i];
        const b = usable[j];
        const w = welch(a, b, step.level);
        pairs.push({ a: a.name, b: b.name, diff: round(w.diff), ci_low: round(w.ciLow), ci_high: round(w.ciHigh), t: round(w.t), df: round(w.df), p: w.p, cohens_d: round(cohensD(a, b)) });
      }
    }
    const adjusted = holm(pairs.map((p) => p.p as number));
    pairs.forEach((p, i) => {
      p.p_holm = adjusted[i];
    });
    const alpha = 1 - step.level;
    const sorted = [...usable].sort((x, y) => x.mean - y.mean);
    const significant = pairs.filter((p) => (p.p_holm as number) < alpha);
    let verdict: string;
    if (!anova || !Number.isFinite(anova.p)) verdict = 'not enough units per group to test';
    else if (anova.p < alpha) {
      verdict = `${g} matters (ANOVA ${fmtP(anova.p)}, η² = ${anova.etaSquared.toFixed(2)}): lowest mean ${sorted[0].name} (${fmtNum(sorted[0].mean)}), highest ${sorted[sorted.length - 1].name} (${fmtNum(sorted[sorted.length - 1].mean)}); ${significant.length} of ${pairs.length} pairs differ after Holm correction`;
    } else {
      verdict = `no evidence that ${g} matters (ANOVA ${fmtP(anova.p)}) at the ${Math.round(step.level * 100)}% level`;
    }
    analyses.push({
      ...(step.within ? { stratum } : {}),
      unit: step.per,
      level: step.level,
      omnibus: anova ? { test: 'one-way ANOVA', f: round(anova.f), df1: anova.df1, df2: round(anova.df2), p: anova.p, eta_squared: round(anova.etaSquared) } : null,
      pairs,
      verdict,
    });
  }
  const cols = [...columns, { name: 'sd', type: 'number' as ColType }, { name: 'ci_low', type: 'number' as ColType }, { name: 'ci_high', type: 'number' as ColType }];
  const details = step.within ? { compare: { strata: analyses } } : { compare: analyses[0] };
  return { columns: cols, rows: outRows, warnings, details };
}

/** `p = 0.012`, or `p < 1e-300` when it underflows. */
function fmtP(p: number): string {
  if (p === 0) return 'p < 1e-300';
  return `p = ${p < 0.0001 ? p.toExponential(1) : p.toPrecision(2)}`;
}

function fmtNum(x: number): string {
  return Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(3);
}

function correlate(step: Extract<PostStep, { kind: 'correlate' }>, columns: { name: string; type: ColType }[], rows: Row[]) {
  const out: Row[] = rows.map((r) => ({ ...r, p: num(r.n) >= 3 && Number.isFinite(num(r.pearson)) ? correlationP(num(r.pearson), num(r.n)) : null }));
  const groups = new Map<string, Row[]>();
  for (const r of out) {
    const k = JSON.stringify(step.byCols.map((c) => r[c]));
    let list = groups.get(k);
    if (!list) groups.set(k, (list = []));
    list.push(r);
  }
  const best: Record<string, unknown>[] = [];
  for (const list of groups.values()) {
    let b: Row | undefined;
    for (const r of list) if (num(r.n) >= 3 && Number.isFinite(num(r.pearson)) && (!b || Math.abs(num(r.pearson)) > Math.abs(num(b.pearson)))) b = r;
    if (b) best.push({ ...Object.fromEntries(step.byCols.map((c) => [c, b![c]])), lag: b.lag, pearson: b.pearson, spearman: b.spearman, n: b.n, p: b.p });
  }
  const warnings = out.some((r) => num(r.n) < 10) ? ['some lags have fewer than 10 paired buckets: their r is unreliable'] : [];
  return {
    columns: [...columns, { name: 'p', type: 'number' as ColType }],
    rows: out,
    warnings,
    details: { correlate: { best: step.byCols.length === 0 ? (best[0] ?? null) : best, note: 'a positive lag means the first series leads the second by that much' } },
  };
}

function trend(step: Extract<PostStep, { kind: 'trend' }>, columns: { name: string; type: ColType }[], rows: Row[]) {
  const warnings: string[] = [];
  const out = rows.map((r) => {
    const n = num(r.n);
    if (n < 3) warnings.push('some groups have fewer than 3 points: their line is not reliable');
    if (!step.hasUntil) return r;
    // The slope's interval bounds the time to reach the limit: a faster slope reaches it sooner.
    const slope = num(r.__slope);
    const se = num(r.__se);
    const left = num(r.__left);
    const q = n > 2 ? tQuantile(0.5 + step.level / 2, n - 2) : NaN;
    const hi = slope + q * se;
    const lo = slope - q * se;
    return {
      ...r,
      days_to_full_low: slope > 0 && hi > 0 && left >= 0 ? round(left / hi) : null,
      days_to_full_high: slope > 0 && lo > 0 && left >= 0 ? round(left / lo) : null,
    };
  });
  const cols = columns.filter((c) => !c.name.startsWith('__'));
  const at = cols.findIndex((c) => c.name === 'days_to_full');
  if (step.hasUntil && at >= 0) {
    cols.splice(at + 1, 0, { name: 'days_to_full_low', type: 'number' }, { name: 'days_to_full_high', type: 'number' });
  }
  return { columns: cols, rows: out, warnings: [...new Set(warnings)] };
}
