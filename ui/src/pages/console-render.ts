// Draws the answer of POST /api/v1/query, shared by the query console and dashboard panels: a time
// chart, horizontal bars, a single-value tile or a table, chosen by the answer's view hint unless the
// caller asks for one. Also runs queries and shows query errors with a caret under their position.
import './console-render.css';
import { api, ApiError } from '../lib/api.ts';
import { PALETTE, TimeChart, type Line } from '../lib/chart.ts';
import { h, mount, notice, table } from '../lib/dom.ts';
import { formatNumber } from '../lib/format.ts';
import { probe, type DrawnSeries } from '../lib/probe.ts';
import { formatTime } from '../lib/time.ts';
import { renderCompareDetails, type CompareDetails } from './compare-stats.ts';

export interface Column {
  readonly name: string;
  readonly type: 'time' | 'string' | 'number' | 'bool' | 'json';
}

/** The JSON of a query answer (query/result.ts). */
export interface QueryResult {
  readonly columns: readonly Column[];
  readonly rows: readonly (readonly unknown[])[];
  readonly view: { kind: 'timechart' | 'table' | 'bar' | 'single'; x?: string; series?: readonly string[]; y?: readonly string[]; options?: Record<string, string | number | boolean> };
  readonly warnings: readonly string[];
  readonly details?: Record<string, unknown>;
  readonly sql: string;
  readonly source: string;
  readonly elapsedMs: number;
}

/** What a panel or the console asks for; `auto` follows the answer's hint. */
export type ViewChoice = 'auto' | 'timechart' | 'table' | 'bars' | 'tile';
export type DrawnView = Exclude<ViewChoice, 'auto'>;

/** Most lines a time chart draws, and rows a table shows, before saying what was left out. */
const MAX_LINES = 40;
const MAX_TABLE_ROWS = 1000;
const MAX_BARS = 60;

/** Runs a query; `now` pins the instant that `last 6h` counts back from. */
export async function runQuery(query: string, now?: number, signal?: AbortSignal): Promise<QueryResult> {
  probe.requests.push('/api/v1/query');
  return api.post<QueryResult>('/api/v1/query', now === undefined ? { query } : { query, now }, signal);
}

/** The view actually drawn for an answer: the wanted one when the answer has the columns for it. */
export function chooseView(r: QueryResult, want: ViewChoice = 'auto'): DrawnView {
  const hasTime = r.columns.some((c) => c.type === 'time');
  const hasNum = r.columns.some((c) => c.type === 'number');
  if (r.rows.length === 0) return 'table';
  if (want === 'timechart') return hasTime && hasNum ? 'timechart' : 'table';
  if (want === 'bars') return hasNum ? 'bars' : 'table';
  if (want === 'tile') return hasNum ? 'tile' : 'table';
  if (want === 'table') return 'table';
  switch (r.view?.kind) {
    case 'timechart':
      return hasTime && hasNum ? 'timechart' : 'table';
    case 'bar':
      return hasNum && r.rows.length <= MAX_BARS * 4 ? 'bars' : 'table';
    case 'single':
      return hasNum ? 'tile' : 'table';
    default:
      return 'table';
  }
}

function cellText(v: unknown, type: Column['type']): string {
  if (v === null || v === undefined) return '–';
  if (type === 'time' && typeof v === 'number') return formatTime(v);
  if (type === 'number' && typeof v === 'number') return formatNumber(v);
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function numStats(label: string, values: readonly unknown[], times?: readonly unknown[]): DrawnSeries {
  let points = 0;
  let min: number | null = null;
  let max: number | null = null;
  let maxAt: number | null = null;
  values.forEach((x, i) => {
    if (typeof x !== 'number' || !Number.isFinite(x)) return;
    points++;
    if (min === null || x < min) min = x;
    if (max === null || x > max) {
      max = x;
      maxAt = typeof times?.[i] === 'number' ? (times[i] as number) : null;
    }
  });
  return { label, points, min, max, maxAt };
}

/** Lines of a time chart: one per series key (the non-numeric columns) and numeric column. */
export function resultLines(r: QueryResult): { lines: Line[]; from: number; to: number; dropped: number } {
  const idx = (name: string | undefined) => (name === undefined ? -1 : r.columns.findIndex((c) => c.name === name));
  let xi = idx(r.view?.x);
  if (xi < 0 || r.columns[xi].type !== 'time') xi = r.columns.findIndex((c) => c.type === 'time');
  const ys = (r.view?.y?.length ? r.view.y.map(idx) : r.columns.map((c, i) => (c.type === 'number' ? i : -1))).filter((i) => i >= 0 && i !== xi);
  const keys = (r.view?.series ? r.view.series.map(idx) : r.columns.map((c, i) => (c.type === 'string' || c.type === 'bool' ? i : -1))).filter((i) => i >= 0 && i !== xi);
  const byKey = new Map<string, { t: number; vals: unknown[] }[]>();
  let from = Infinity;
  let to = -Infinity;
  for (const row of r.rows) {
    const t = row[xi];
    if (typeof t !== 'number') continue;
    from = Math.min(from, t);
    to = Math.max(to, t);
    const key = keys.map((k) => String(row[k] ?? '')).join(' ');
    (byKey.get(key) ?? byKey.set(key, []).get(key)!).push({ t, vals: ys.map((y) => row[y]) });
  }
  const lines: Line[] = [];
  let total = 0;
  for (const [key, pts] of [...byKey].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    pts.sort((a, b) => a.t - b.t);
    ys.forEach((y, j) => {
      total++;
      if (lines.length >= MAX_LINES) return;
      const name = r.columns[y].name;
      const label = key === '' ? name : ys.length > 1 ? `${key} ${name}` : key;
      lines.push({ label, t: pts.map((p) => p.t), v: pts.map((p) => (typeof p.vals[j] === 'number' ? (p.vals[j] as number) : null)), color: PALETTE[lines.length % PALETTE.length] });
    });
  }
  if (!Number.isFinite(from)) from = to = Date.now();
  if (from === to) to = from + 1000;
  return { lines, from, to, dropped: total - lines.length };
}

/** Horizontal bars: one row per category (the string columns), one bar per numeric column (up to 3). */
function barsSvg(r: QueryResult, width: number, title: string): { el: Element; series: DrawnSeries[]; dropped: number } {
  const idx = (name: string) => r.columns.findIndex((c) => c.name === name);
  let ys = (r.view?.y ?? []).map(idx).filter((i) => i >= 0 && r.columns[i].type === 'number');
  if (ys.length === 0) ys = r.columns.map((c, i) => (c.type === 'number' ? i : -1)).filter((i) => i >= 0).slice(0, 3);
  ys = ys.slice(0, 3);
  const cats = r.columns.map((c, i) => (c.type !== 'number' ? i : -1)).filter((i) => i >= 0);
  const rows = r.rows.slice(0, MAX_BARS);
  const labels = rows.map((row, i) => (cats.length ? cats.map((k) => cellText(row[k], r.columns[k].type)).join(' · ') : `row ${i + 1}`));
  const values = rows.map((row) => ys.map((y) => (typeof row[y] === 'number' ? (row[y] as number) : null)));
  const all = values.flat().filter((v): v is number => v !== null && Number.isFinite(v));
  const lo = Math.min(0, ...all);
  const hi = Math.max(0, ...all) || 1;
  const labelW = Math.min(260, Math.max(60, Math.max(...labels.map((l) => l.length)) * 7 + 10));
  const W = Math.max(320, Math.min(1000, Math.round(width) || 760));
  const barH = 14;
  const rowH = ys.length * (barH + 2) + 8;
  const plotW = Math.max(80, W - labelW - 60);
  const H = rows.length * rowH + 24;
  const x = (v: number) => labelW + ((v - lo) / (hi - lo)) * plotW;
  const NS = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('width', String(W));
  svg.setAttribute('height', String(H));
  svg.setAttribute('class', 'bars');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', title || 'bar chart');
  const add = (tag: string, attrs: Record<string, string | number>, text?: string) => {
    const e = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = text;
    svg.appendChild(e);
    return e;
  };
  add('line', { x1: x(0), x2: x(0), y1: 0, y2: H - 20, stroke: '#9ca3af' });
  rows.forEach((_, i) => {
    const y0 = i * rowH + 4;
    add('text', { x: labelW - 6, y: y0 + rowH / 2, 'text-anchor': 'end', 'dominant-baseline': 'middle', class: 'bar-label' }, labels[i].length > 36 ? `${labels[i].slice(0, 35)}…` : labels[i]);
    values[i].forEach((v, j) => {
      if (v === null) return;
      const a = x(Math.min(0, v));
      const b = x(Math.max(0, v));
      const rect = add('rect', { x: a, y: y0 + j * (barH + 2), width: Math.max(1, b - a), height: barH, fill: PALETTE[j % PALETTE.length], 'data-value': v, 'data-label': labels[i] });
      const tip = document.createElementNS(NS, 'title');
      tip.textContent = `${labels[i]} ${r.columns[ys[j]].name}: ${formatNumber(v)}`;
      rect.appendChild(tip);
      add('text', { x: b + 4, y: y0 + j * (barH + 2) + barH / 2, 'dominant-baseline': 'middle', class: 'bar-value' }, formatNumber(v));
    });
  });
  add('text', { x: labelW, y: H - 6, class: 'bar-axis' }, formatNumber(lo));
  add('text', { x: labelW + plotW, y: H - 6, 'text-anchor': 'end', class: 'bar-axis' }, formatNumber(hi));
  const legend = ys.length > 1 ? h('div.bar-legend', ys.map((y, j) => h('span', h('i', { style: { background: PALETTE[j % PALETTE.length] } }), r.columns[y].name))) : null;
  const series = ys.map((y, j) => ({ ...numStats(r.columns[y].name, values.map((v) => v[j])), categories: labels }));
  return { el: h('div.bars-box', legend, svg as unknown as HTMLElement), series, dropped: r.rows.length - rows.length };
}

function tiles(r: QueryResult): { el: HTMLElement; series: DrawnSeries[] } {
  const row = r.rows[0] ?? [];
  const nums = r.columns.map((c, i) => (c.type === 'number' ? i : -1)).filter((i) => i >= 0).slice(0, 6);
  const keys = r.columns.map((c, i) => (c.type !== 'number' ? i : -1)).filter((i) => i >= 0);
  const context = keys.map((k) => cellText(row[k], r.columns[k].type)).join(' · ');
  return {
    el: h(
      'div.tiles',
      nums.map((i) => h('div.tile', { dataset: { column: r.columns[i].name } }, h('div.tile-value', cellText(row[i], 'number')), h('div.tile-label', r.columns[i].name))),
      context ? h('div.tile-context.muted', context, r.rows.length > 1 ? ` (first of ${r.rows.length} rows)` : '') : null,
    ),
    series: nums.map((i) => numStats(r.columns[i].name, [row[i]])),
  };
}

export function resultTable(r: QueryResult): HTMLElement {
  const rows = r.rows.slice(0, MAX_TABLE_ROWS);
  return h(
    'div.table-box',
    table(
      r.columns.map((c) => c.name),
      rows.map((row) => r.columns.map((c, i) => cellText(row[i], c.type))),
      { numeric: r.columns.map((c) => c.type === 'number'), className: 'grid result-table' },
    ),
    r.rows.length > rows.length ? notice('info', `The first ${rows.length} of ${r.rows.length} rows are shown.`) : null,
  );
}

export interface ResultViewOptions {
  /** Chart id in window.__fleetscope.charts. */
  readonly id: string;
  readonly title?: string;
  /** Height of a time chart, px. */
  readonly height?: number;
  readonly onHover?: (on: boolean) => void;
  readonly onZoom?: (from: number, to: number) => void;
  /** Show details of `compare` (verdict, ANOVA, pairs) under the chart. */
  readonly details?: boolean;
}

/** One place that shows query answers; `set` replaces what it shows, `destroy` removes it. */
export class ResultView {
  readonly el: HTMLDivElement;
  private chart: TimeChart | undefined;
  drawn: DrawnView | undefined;

  constructor(
    parent: HTMLElement,
    private readonly opts: ResultViewOptions,
  ) {
    this.el = h('div.result-view', { dataset: { result: opts.id } });
    parent.appendChild(this.el);
  }

  set(r: QueryResult, want: ViewChoice = 'auto'): DrawnView {
    const view = chooseView(r, want);
    this.drawn = view;
    this.el.dataset.view = view;
    this.el.dataset.rows = String(r.rows.length);
    const notes: HTMLElement[] = [];
    if (view !== 'timechart') {
      this.chart?.destroy();
      this.chart = undefined;
    }
    const base = { id: this.opts.id, title: this.opts.title ?? '', from: 0, to: 0, markers: [], spans: [] };
    const draws = (probe.charts[this.opts.id]?.draws ?? 0) + 1;
    if (r.rows.length === 0) {
      mount(this.el, notice('info', 'The query ran and found no rows. Widen the time range or loosen the filters.'));
      probe.charts[this.opts.id] = { ...base, kind: 'table', series: [], draws, rows: 0 } as typeof probe.charts[string];
      return view;
    }
    if (view === 'timechart') {
      const { lines, from, to, dropped } = resultLines(r);
      if (!this.chart || !this.el.contains(this.chart.el)) {
        this.el.replaceChildren();
        this.chart = new TimeChart(this.el, { id: this.opts.id, title: undefined, height: this.opts.height ?? 300, onHover: this.opts.onHover, onZoom: this.opts.onZoom });
      }
      for (const n of [...this.el.children]) if (n !== this.chart.el) n.remove();
      this.chart.set({ from, to, lines });
      if (dropped > 0) notes.push(notice('warn', `${dropped} more lines are not drawn; aggregate with "stats … by" fewer keys or switch to the table.`));
    } else if (view === 'bars') {
      const b = barsSvg(r, this.el.clientWidth || this.el.parentElement?.clientWidth || 760, this.opts.title ?? '');
      mount(this.el, b.el);
      if (b.dropped > 0) notes.push(notice('info', `The first ${MAX_BARS} of ${r.rows.length} rows are drawn; the table has them all.`));
      probe.charts[this.opts.id] = { ...base, kind: 'bars', series: b.series, draws };
    } else if (view === 'tile') {
      const t = tiles(r);
      mount(this.el, t.el);
      probe.charts[this.opts.id] = { ...base, kind: 'tile', series: t.series, draws };
    } else {
      mount(this.el, resultTable(r));
      const nums = r.columns.map((c, i) => (c.type === 'number' ? i : -1)).filter((i) => i >= 0);
      probe.charts[this.opts.id] = { ...base, kind: 'table', series: nums.map((i) => numStats(r.columns[i].name, r.rows.map((row) => row[i]))), draws, rows: r.rows.length } as typeof probe.charts[string];
    }
    const cmp = (r.details as { compare?: CompareDetails } | undefined)?.compare;
    if (this.opts.details && cmp) notes.push(renderCompareDetails(cmp, r));
    for (const n of notes) this.el.appendChild(n);
    return view;
  }

  /** Shows a message instead of a result (an error, or nothing to run). */
  message(el: HTMLElement): void {
    this.chart?.destroy();
    this.chart = undefined;
    delete probe.charts[this.opts.id];
    mount(this.el, el);
  }

  destroy(): void {
    this.chart?.destroy();
    delete probe.charts[this.opts.id];
    this.el.remove();
  }
}

/** Where a query error points, from the API's `where`. */
export function errorPosition(err: ApiError): { line: number; column: number; start?: number; end?: number } | undefined {
  const w = err.where as { line?: number; column?: number; start?: number; end?: number } | undefined;
  if (!w || typeof w.line !== 'number' || typeof w.column !== 'number') return undefined;
  return { line: w.line, column: w.column, start: w.start, end: w.end };
}

/**
 * An error of a query: the message, and for a located error the offending line with the culprit
 * marked and a caret line under it (`.query-error`, with `data-error-line` and `data-error-column`).
 */
export function renderQueryError(err: unknown, text: string): HTMLElement {
  if (!(err instanceof ApiError)) return notice('error', h('div.query-error', (err as Error).message ?? String(err)));
  const pos = errorPosition(err);
  const w = (err.where ?? {}) as { hint?: string; expected?: string[]; path?: string; field?: string };
  const body: (HTMLElement | string | null)[] = [h('div.query-error-message', h('b', err.code), ' ', pos ? `${pos.line}:${pos.column}: ` : '', err.message)];
  if (pos) {
    const src = text.split('\n')[pos.line - 1] ?? '';
    const col = Math.max(1, Math.min(pos.column, src.length + 1));
    const width = Math.max(1, Math.min((pos.end ?? 0) - (pos.start ?? 0) || 1, src.length - (col - 1) || 1));
    body.push(
      h(
        'pre.query-excerpt',
        h('span.gutter', `${pos.line} | `),
        src.slice(0, col - 1),
        h('mark.query-error-at', src.slice(col - 1, col - 1 + width) || ' '),
        src.slice(col - 1 + width),
        '\n',
        h('span.gutter', `${' '.repeat(String(pos.line).length)} | `),
        h('span.caret', `${' '.repeat(col - 1)}${'^'.repeat(width)}`),
      ),
    );
  }
  if (w.hint) body.push(h('div.query-hint', 'hint: ', w.hint));
  if (w.expected?.length) body.push(h('div.muted', 'expected: ', w.expected.join(', ')));
  const el = h('div.query-error', { dataset: { errorCode: err.code } }, body);
  if (pos) {
    el.dataset.errorLine = String(pos.line);
    el.dataset.errorColumn = String(pos.column);
  }
  return notice('error', el);
}

/** Status line of an answer: rows, time, source. */
export function resultStatus(r: QueryResult, view: DrawnView): string {
  return `${r.rows.length} row${r.rows.length === 1 ? '' : 's'} · ${r.elapsedMs} ms · from ${r.source} · drawn as ${view}`;
}

/** The warnings of an answer, one notice each. */
export function resultWarnings(r: QueryResult): HTMLElement[] {
  return (r.warnings ?? []).map((w) => notice('warn', w));
}
