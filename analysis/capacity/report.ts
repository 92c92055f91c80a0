// `renderReport`: the capacity report of one snapshot as a self-contained HTML page, JSON and CSV files.
import type { CapacitySnapshot, ExhaustionRow, ForecastRow, HeadroomRow, ThroughputRow } from './snapshot.ts';
import { forecastChart, groupLabel, headroomChart, throughputChart } from './report-charts.ts';
import { exhaustionBase, labelText, renderCsv } from './report-csv.ts';
import { escapeHtml as e, formatPercent, formatTime, formatValue } from './report-format.ts';
import { REPORT_CSS } from './report-style.ts';

const DAY = 86_400_000;

export interface ReportOptions {
  /** Keep only this site in every section. */
  readonly site?: string;
}

/** The rendered report: the HTML page, the (filtered) snapshot as JSON, and one CSV per section by file name. */
export interface Report {
  readonly html: string;
  readonly json: string;
  readonly csv: Record<string, string>;
}

/** Soonest first: by days to full, then by the early end of the range; rows without a date last. */
function bySoonest(a: ExhaustionRow, b: ExhaustionRow): number {
  const k = (r: ExhaustionRow) => r.daysToFull ?? r.daysLow ?? Infinity;
  return k(a) - k(b) || (a.daysLow ?? Infinity) - (b.daysLow ?? Infinity) || a.host.localeCompare(b.host);
}

function tokens(s: string): Set<string> {
  return new Set(s.toLowerCase().split(/[^a-z0-9_.-]+/).filter(Boolean).flatMap((t) => [t, ...t.split('.')]));
}

/**
 * Keeps one site in every section. Exhaustion and headroom rows carry their site; throughput rows are
 * kept for the hardware models the site runs; forecasts whose key or title names the site or one of its
 * hosts (the snapshot does not give a forecast's site).
 */
export function filterSnapshot(s: CapacitySnapshot, site: string | undefined): CapacitySnapshot {
  const exhaustion = [...s.exhaustion].filter((r) => site === undefined || r.site === site).sort(bySoonest);
  if (site === undefined) return { ...s, exhaustion };
  const headroom = s.headroom.filter((r) => r.site === site);
  const models = new Set([...headroom, ...exhaustion].map((r) => r.hwModel));
  const names = new Set([site, ...exhaustion.map((r) => r.host)].map((x) => x.toLowerCase()));
  const forecasts = s.forecasts.filter((f) => [...tokens(`${f.key} ${f.title}`)].some((t) => names.has(t)));
  return { ...s, exhaustion, headroom, throughput: s.throughput.filter((t) => models.has(t.hwModel)), forecasts };
}

/** Renders the report of a snapshot, filtered to `opts.site` when given. Pure: the same input gives the same output. */
export function renderReport(snapshot: CapacitySnapshot, opts: ReportOptions = {}): Report {
  const s = filterSnapshot(snapshot, opts.site);
  return { html: renderHtml(s, opts.site), json: JSON.stringify(s, null, 2) + '\n', csv: renderCsv(s) };
}

function table(head: readonly string[], rows: readonly string[], caption: string, numeric: ReadonlySet<number> = new Set()): string {
  const th = head.map((h, i) => `<th scope="col"${numeric.has(i) ? ' class="num"' : ''}>${e(h)}</th>`).join('');
  return `<table class="data"><caption>${e(caption)}</caption><thead><tr>${th}</tr></thead><tbody>${rows.join('') || `<tr><td colspan="${head.length}">none</td></tr>`}</tbody></table>`;
}

function tr(cells: readonly string[], cls = '', numeric: ReadonlySet<number> = new Set()): string {
  return `<tr${cls ? ` class="${cls}"` : ''}>${cells.map((c, i) => `<td${numeric.has(i) ? ' class="num"' : ''}>${c}</td>`).join('')}</tr>`;
}

/** The range of dates a resource fills up, always as a range: `2027-03-01 – 2027-04-12 (in 99–141 days, likely 120)`. */
export function exhaustionRange(r: ExhaustionRow, fallbackBase: number): string {
  if (r.daysToFull === null && r.daysLow === null) return `no date: ${r.reason ?? 'not growing'}`;
  const base = exhaustionBase(r, fallbackBase);
  const date = (d: number) => formatTime(base + d * DAY, 'day');
  const days = (d: number) => String(Math.round(d));
  const likely = r.daysToFull !== null ? `, likely ${days(r.daysToFull)}` : '';
  if (r.daysLow !== null && r.daysHigh !== null) return `${date(r.daysLow)} – ${date(r.daysHigh)} (in ${days(r.daysLow)}–${days(r.daysHigh)} days${likely})`;
  if (r.daysLow !== null) return `${date(r.daysLow)} or later (in ${days(r.daysLow)}+ days${likely}; no upper bound)`;
  return `by ${date(r.daysHigh ?? r.daysToFull ?? 0)} (in 0–${days(r.daysHigh ?? r.daysToFull ?? 0)} days${likely})`;
}

/** Keeps each date on one line: a range may wrap between its dates, never inside one. */
function nowrapDates(html: string): string {
  return html.replace(/\d{4}-\d{2}-\d{2}/g, (d) => `<span class="nw">${d}</span>`);
}

/** A step as words: `1 h`, `5 min`, `1 d`. */
function duration(ms: number): string {
  const units: [number, string][] = [[DAY, 'd'], [3_600_000, 'h'], [60_000, 'min'], [1000, 's']];
  const [size, name] = units.find(([u]) => ms >= u && ms % u === 0) ?? [1, 'ms'];
  return `${ms / size} ${name}`;
}

function urgency(r: ExhaustionRow): string {
  const d = r.daysLow ?? r.daysToFull;
  return d === null ? '' : d < 30 ? 'neg' : d < 90 ? 'low' : '';
}

function summary(s: CapacitySnapshot): string {
  const items: string[] = [];
  const first = s.exhaustion.find((r) => r.daysToFull !== null || r.daysLow !== null);
  items.push(first
    ? `<li><strong>Runs out first:</strong> ${e(first.resource)} ${e(first.metric)} of <span class="host">${e(first.host)}</span> (${e(first.site)}, ${e(first.hwModel)}), ${e(exhaustionRange(first, s.to))}</li>`
    : '<li><strong>Runs out first:</strong> nothing is on course to run out in this window</li>');
  const low = [...s.headroom].filter((r) => Number.isFinite(r.headroom)).sort((a, b) => a.headroom - b.headroom);
  if (low.length > 0) {
    const over = low.filter((r) => r.headroom < 0).length;
    items.push(`<li><strong>Lowest headroom:</strong> ${e(groupLabel(low[0]))}, ${e(formatPercent(low[0].headroom))} (load ${e(formatValue(low[0].load, low[0].unit))} of ${e(formatValue(low[0].capacity, low[0].unit))})${over > 0 ? `; <span class="neg">${over} group${over === 1 ? '' : 's'} over capacity</span>` : ''}</li>`);
  } else items.push('<li><strong>Lowest headroom:</strong> no headroom figures</li>');
  items.push(`<li>${s.exhaustion.length} resources, ${s.headroom.length} site and model groups, ${s.throughput.length} hardware models, ${s.forecasts.length} forecasts</li>`);
  const warn = s.warnings.map((w) => `<li class="warning">${e(w)}</li>`).join('');
  return `<section id="summary"><h2>Summary</h2><ul>${items.join('')}</ul>${warn ? `<h3>Warnings</h3><ul>${warn}</ul>` : ''}</section>`;
}

function forecastSection(rows: readonly ForecastRow[]): string {
  const figs = rows.map((f) => {
    const fc = f.forecast.map(([t, v, lo, hi]) => tr([e(formatTime(t)), e(formatValue(v, f.unit)), e(formatValue(lo, f.unit)), e(formatValue(hi, f.unit))], '', new Set([1, 2, 3])));
    const hist = f.history.map(([t, v]) => tr([e(formatTime(t)), v === null ? 'missing' : e(formatValue(v, f.unit))], '', new Set([1])));
    const chart = forecastChart(f) || '<p class="empty">no finite values to draw</p>';
    const cap = f.capacity !== undefined ? `, capacity ${e(formatValue(f.capacity, f.unit))}` : '';
    return `<figure><figcaption><h3>${e(f.title)}</h3><span class="note">${e(f.key)}: ${Math.round(f.level * 100)} % interval, step ${e(duration(f.stepMs))}${cap}</span></figcaption>${chart}` +
      `<details><summary>Numbers of this chart</summary>${table(['time (UTC)', 'forecast', 'lower', 'upper'], fc, `Forecast of ${f.title}`, new Set([1, 2, 3]))}${table(['time (UTC)', 'value'], hist, `History of ${f.title}`, new Set([1]))}</details></figure>`;
  });
  return `<section id="forecasts"><h2>Forecasts</h2><p class="note">Line: history; dashed: forecast; shaded: the prediction interval; red: capacity.</p>${figs.join('') || '<p class="empty">no forecasts</p>'}</section>`;
}

function exhaustionSection(s: CapacitySnapshot): string {
  const num = new Set([6, 7]);
  const rows = s.exhaustion.map((r) => tr([
    `<span class="host">${e(r.host)}</span>`, e(r.site), e(r.hwModel), e(r.resource), `${e(r.metric)}${Object.keys(r.labels).length ? ` <span class="note">${e(labelText(r.labels))}</span>` : ''}`,
    nowrapDates(e(exhaustionRange(r, s.to))), e(`${formatValue(r.used, r.unit)} / ${formatValue(r.capacity, r.unit)}`), r.slopePerDay === null ? '–' : e(`${formatValue(r.slopePerDay, r.unit)}/day`),
  ], urgency(r), num));
  return `<section id="exhaustion"><h2>Time to exhaustion</h2><p class="note">Soonest first. Each date is a range: when the trend reaches capacity, at the model's confidence level. Red: may run out within 30 days; amber: within 90.</p>` +
    table(['host', 'site', 'model', 'resource', 'metric', 'runs out', 'used / capacity', 'growth'], rows, 'Time to exhaustion, soonest first', num) + '</section>';
}

function headroomSection(rows: readonly HeadroomRow[], site: string | undefined): string {
  const sorted = [...rows].sort((a, b) => a.headroom - b.headroom || groupLabel(a).localeCompare(groupLabel(b)));
  const num = new Set([2, 3, 4, 5]);
  const body = sorted.map((r) => tr([e(r.site), e(r.hwModel), String(r.hosts), e(formatValue(r.load, r.unit)), e(formatValue(r.capacity, r.unit)), e(formatPercent(r.headroom))], r.headroom < 0 ? 'neg' : r.headroom < 0.2 ? 'low' : '', num));
  const chart = headroomChart(sorted, site ?? 'all');
  return `<section id="headroom"><h2>Headroom by site and model</h2><p class="note">Headroom = 1 − peak load / capacity at the target; lowest first. Red: over capacity; amber: under 20 %.</p>` +
    `<figure>${chart || '<p class="empty">no headroom figures</p>'}</figure>` + table(['site', 'model', 'hosts', 'peak load', 'capacity', 'headroom'], body, 'Headroom by site and model, lowest first', num) + '</section>';
}

function throughputSection(rows: readonly ThroughputRow[]): string {
  const num = new Set([1, 2, 3]);
  const body = rows.map((r) => tr([e(r.hwModel), String(r.hosts), e(formatValue(r.perHost, r.unit)), e(`${formatValue(r.low, r.unit)} – ${formatValue(r.high, r.unit)}`), e(r.target)], '', num));
  const figs = rows.map((r) => {
    const pts = r.points.map(([x, y]) => tr([e(formatValue(x, '')), e(formatValue(y, r.unit))], '', new Set([0, 1])));
    return `<figure><figcaption><h3>${e(r.hwModel)}</h3><span class="note">${e(formatValue(r.perHost, r.unit))} per host at ${e(r.target)} (range ${e(formatValue(r.low, r.unit))} – ${e(formatValue(r.high, r.unit))}), ${r.hosts} hosts</span></figcaption>` +
      `${throughputChart(r) || '<p class="empty">no finite points to draw</p>'}<details><summary>Numbers of this chart</summary>${table([r.xLabel, r.yLabel], pts, `Observed points of ${r.hwModel}`, new Set([0, 1]))}</details></figure>`;
  });
  return `<section id="throughput"><h2>Throughput per host by model</h2><p class="note">Dots: observed points; line: fitted curve; dashed line and band: the capacity per host at the target, with its range.</p>` +
    table(['model', 'hosts', 'per host', 'range', 'target'], body, 'Throughput per host by model', num) + figs.join('') + '</section>';
}

function renderHtml(s: CapacitySnapshot, site: string | undefined): string {
  const title = `Capacity report${site !== undefined ? ` for ${site}` : ''}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(title)}</title><style>${REPORT_CSS}</style></head>
<body><header><h1>${e(title)}</h1><p>Data from ${e(formatTime(s.from))} to ${e(formatTime(s.to))} UTC (${Math.round((s.to - s.from) / DAY)} days); generated ${e(formatTime(s.generatedAt))} UTC.</p></header>
<main>${summary(s)}${exhaustionSection(s)}${headroomSection(s.headroom, site)}${throughputSection(s.throughput)}${forecastSection(s.forecasts)}</main>
</body></html>
`;
}
