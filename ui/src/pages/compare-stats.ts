// The statistics of a `compare` answer (docs/query-language.md, "compare"): the verdict, each group's
// mean with its confidence interval, the ANOVA with η², and the pairwise Welch tests with Holm-adjusted
// p-values and Cohen's d. Used by the compare page and by the console for any compare query.
import { h, table } from '../lib/dom.ts';
import { formatNumber } from '../lib/format.ts';
import type { QueryResult } from './console-render.ts';

export interface ComparePair {
  a: string;
  b: string;
  diff: number;
  ci_low: number;
  ci_high: number;
  t: number;
  df: number;
  p: number;
  p_holm: number;
  cohens_d: number;
}

export interface CompareAnalysis {
  stratum?: string;
  unit?: string;
  level?: number;
  groups?: number;
  omnibus?: { test: string; f: number; df1: number; df2: number; p: number; eta_squared: number } | null;
  pairs?: ComparePair[];
  verdict?: string;
}

export interface CompareDetails extends CompareAnalysis {
  strata?: CompareAnalysis[];
}

/** A p-value as people read it: 0.027, 5.2e-4, < 1e-12. */
export function formatP(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return '–';
  if (p < 1e-12) return '< 1e-12';
  if (p < 0.001) return p.toExponential(1);
  return String(+p.toPrecision(2));
}

/** "small", "medium", "large" after Cohen's rule of thumb. */
function effectWord(d: number): string {
  const a = Math.abs(d);
  return a < 0.2 ? 'negligible' : a < 0.5 ? 'small' : a < 0.8 ? 'medium' : 'large';
}

function groupsTable(r: QueryResult, stratum: string | undefined, level: number): HTMLElement {
  const col = (n: string) => r.columns.findIndex((c) => c.name === n);
  const si = col('stratum');
  const gi = r.columns.findIndex((c, i) => c.type === 'string' && i !== si);
  const rows = r.rows.filter((row) => stratum === undefined || si < 0 || row[si] === stratum);
  const num = (row: readonly unknown[], n: string) => {
    const v = row[col(n)];
    return typeof v === 'number' ? v : null;
  };
  const lo = Math.min(...rows.map((row) => num(row, 'ci_low') ?? num(row, 'mean') ?? Infinity));
  const hi = Math.max(...rows.map((row) => num(row, 'ci_high') ?? num(row, 'mean') ?? -Infinity));
  const pos = (v: number) => (hi > lo ? ((v - lo) / (hi - lo)) * 100 : 50);
  const ciBar = (row: readonly unknown[]) => {
    const m = num(row, 'mean');
    const a = num(row, 'ci_low');
    const b = num(row, 'ci_high');
    if (m === null) return '';
    return h(
      'div.ci-bar',
      { title: a === null ? 'one host: no interval' : `${Math.round(level * 100)}% CI ${formatNumber(a)} … ${formatNumber(b)}` },
      a !== null && b !== null ? h('span.ci-range', { style: { left: `${pos(a)}%`, width: `${Math.max(0.5, pos(b) - pos(a))}%` } }) : null,
      h('span.ci-mean', { style: { left: `${pos(m)}%` } }),
    );
  };
  return table(
    [r.columns[gi]?.name ?? 'group', 'hosts', 'samples', 'mean', `${Math.round(level * 100)}% CI`, '', 'sd', 'median'],
    rows.map((row) => [
      String(row[gi] ?? ''),
      formatNumber(num(row, 'units')),
      formatNumber(num(row, 'samples')),
      formatNumber(num(row, 'mean')),
      num(row, 'ci_low') === null ? '–' : `${formatNumber(num(row, 'ci_low'))} … ${formatNumber(num(row, 'ci_high'))}`,
      ciBar(row),
      formatNumber(num(row, 'sd')),
      formatNumber(num(row, 'median')),
    ]),
    { numeric: [false, true, true, true, true, false, true, true], className: 'grid compare-groups' },
  );
}

function analysis(a: CompareAnalysis, r: QueryResult, level: number): HTMLElement {
  const o = a.omnibus;
  const alpha = 1 - level;
  const pairs = a.pairs ?? [];
  return h(
    'div.compare-analysis',
    { dataset: { stratum: a.stratum ?? '' } },
    a.stratum !== undefined ? h('h3', `Stratum ${a.stratum}`) : null,
    h('p.verdict', { dataset: { verdict: a.verdict ?? '' } }, a.verdict ?? 'no verdict'),
    groupsTable(r, a.stratum, level),
    o
      ? h(
          'p.omnibus',
          `${o.test}: F(${o.df1}, ${formatNumber(o.df2)}) = ${formatNumber(o.f)}, p = ${formatP(o.p)}, η² = ${o.eta_squared.toFixed(2)} `,
          h('span.muted', `(the grouping explains ${Math.round(o.eta_squared * 100)}% of the variance between hosts)`),
        )
      : h('p.omnibus.muted', 'No ANOVA: fewer than two groups with two or more hosts.'),
    pairs.length > 0
      ? table(
          ['a', 'b', 'diff (a − b)', 'CI of diff', 't', 'df', 'p', 'p (Holm)', "Cohen's d", ''],
          pairs.map((p) => [
            p.a,
            p.b,
            formatNumber(p.diff),
            `${formatNumber(p.ci_low)} … ${formatNumber(p.ci_high)}`,
            formatNumber(p.t),
            formatNumber(p.df),
            formatP(p.p),
            h('span', { class: p.p_holm < alpha ? 'bad' : 'muted' }, formatP(p.p_holm)),
            `${formatNumber(p.cohens_d)} (${effectWord(p.cohens_d)})`,
            p.p_holm < alpha ? h('span.badge.firing', 'differs') : h('span.badge', 'no evidence'),
          ]),
          { numeric: [false, false, true, true, true, true, true, true, true, false], className: 'grid compare-pairs' },
        )
      : null,
  );
}

/** The whole analysis of a compare answer (`.compare-details`), strata one after the other. */
export function renderCompareDetails(d: CompareDetails, r: QueryResult): HTMLElement {
  const level = d.level ?? d.strata?.[0]?.level ?? 0.95;
  const parts = d.strata?.length ? d.strata.map((s) => analysis(s, r, s.level ?? level)) : [analysis(d, r, level)];
  return h('div.compare-details', parts);
}
