// Capacity: the newest snapshot of the capacity job: disks soonest to fill, forecasts with their
// intervals, headroom per site × model, throughput per host by model, and a what-if calculator.
import { api, ApiError } from '../lib/api.ts';
import type { TimeChart } from '../lib/chart.ts';
import { h, mount, notice, table } from '../lib/dom.ts';
import { formatBytes, formatNumber } from '../lib/format.ts';
import type { Page, PageContext } from '../lib/page.ts';
import { probe, reportValues, track } from '../lib/probe.ts';
import { formatSpan, formatTime } from '../lib/time.ts';
import { describeError } from './anomalies-api.ts';
import { drawForecasts, type ForecastRow } from './capacity-charts.ts';
import { whatIfForm } from './capacity-whatif.ts';

const MAX_EXHAUSTION = 50;
const MAX_FORECASTS = 6;

interface ExhaustionRow {
  host: string;
  site: string;
  hwModel: string;
  metric: string;
  labels: Record<string, string>;
  resource: string;
  unit: string;
  capacity: number;
  used: number;
  daysToFull: number | null;
  daysLow: number | null;
  daysHigh: number | null;
  fullAt: number | null;
  slopePerDay: number | null;
  reason?: string;
}
interface HeadroomRow {
  site: string;
  hwModel: string;
  hosts: number;
  load: number;
  capacity: number;
  headroom: number;
  unit: string;
}
interface ThroughputRow {
  hwModel: string;
  hosts: number;
  perHost: number;
  low: number;
  high: number;
  unit: string;
  target: string;
}
interface Snapshot {
  generatedAt: number;
  from: number;
  to: number;
  exhaustion: ExhaustionRow[];
  headroom: HeadroomRow[];
  throughput: ThroughputRow[];
  forecasts: ForecastRow[];
  warnings: string[];
}

function amount(v: number, unit: string): string {
  return unit === 'bytes' ? formatBytes(v) : `${formatNumber(v)}${unit ? ` ${unit}` : ''}`;
}

function days(d: number | null): string {
  return d === null ? '?' : d >= 100 ? d.toFixed(0) : d.toFixed(1);
}

function exhaustionTable(rows: ExhaustionRow[], now: number): HTMLElement {
  if (rows.length === 0) return notice('info', 'No resource is filling up: no disk, memory or link trend reaches its capacity.');
  const sorted = [...rows].sort((a, b) => (a.daysToFull ?? Infinity) - (b.daysToFull ?? Infinity)).slice(0, MAX_EXHAUSTION);
  const instance = (r: ExhaustionRow) => r.labels.plugin_instance ?? Object.entries(r.labels).filter(([k]) => !['plugin', 'type', 'ds'].includes(k)).map(([k, v]) => `${k}=${v}`).join(' ');
  const t = table(
    ['host', 'site', 'model', 'resource', 'mount / series', 'used', 'days to full (range)', 'full by', 'growth / day'],
    sorted.map((r) => [
      h('a', { href: `/hosts/${encodeURIComponent(r.host)}`, 'data-nav': '' }, r.host),
      r.site,
      r.hwModel,
      r.resource,
      h('span', { title: r.metric }, instance(r) || r.metric),
      `${amount(r.used, r.unit)} of ${amount(r.capacity, r.unit)} (${Math.round((100 * r.used) / r.capacity)}%)`,
      r.daysToFull === null ? h('span.muted', r.reason ?? 'not growing') : h('span', { class: r.daysToFull < 7 ? 'bad' : r.daysToFull < 30 ? 'warnc' : undefined }, `${days(r.daysToFull)} d (${days(r.daysLow)}–${days(r.daysHigh)})`),
      r.fullAt === null ? '–' : `${formatTime(r.fullAt, false).slice(0, 10)} (in ${formatSpan(Math.max(0, r.fullAt - now))})`,
      r.slopePerDay === null ? '–' : amount(r.slopePerDay, r.unit),
    ]),
    { numeric: [false, false, false, false, false, true, true, false, true] },
  );
  t.id = 'capacity-exhaustion';
  t.querySelectorAll('tbody tr').forEach((tr, i) => ((tr as HTMLElement).dataset.host = sorted[i].host));
  reportValues('capacity-exhaustion', 'soonest to fill', 'table', Object.entries({ daysToFull: sorted.map((r) => r.daysToFull ?? NaN), used: sorted.map((r) => r.used / r.capacity) }));
  return h('div', t, rows.length > MAX_EXHAUSTION ? h('p.muted', `${rows.length - MAX_EXHAUSTION} more not shown.`) : null);
}

/** Green above 25 % headroom, amber above 10 %, red below (and over capacity). */
function headroomClass(x: number): string {
  return x < 0.1 ? 'hr-bad' : x < 0.25 ? 'hr-warn' : 'hr-ok';
}

function headroomMatrix(rows: HeadroomRow[]): HTMLElement {
  if (rows.length === 0) return notice('info', 'No headroom: the snapshot has no load per site and model (see the warnings above).');
  const sites = [...new Set(rows.map((r) => r.site))].sort();
  const models = [...new Set(rows.map((r) => r.hwModel))].sort();
  const cell = new Map(rows.map((r) => [`${r.site}\u0000${r.hwModel}`, r]));
  const t = table(
    ['site \\ model', ...models],
    sites.map((s) => [
      h('strong', s),
      ...models.map((m) => {
        const r = cell.get(`${s}\u0000${m}`);
        if (!r) return h('span.muted', '·');
        return h(
          'div.hr',
          { class: headroomClass(r.headroom), dataset: { site: s, model: m, headroom: r.headroom.toFixed(3) }, title: `peak ${amount(r.load, r.unit)} of ${amount(r.capacity, r.unit)} on ${r.hosts} hosts` },
          h('strong', `${Math.round(r.headroom * 100)}%`),
          h('span.small', ` ${r.hosts} hosts · ${formatNumber(r.load)}/${formatNumber(r.capacity)} ${r.unit}`),
        );
      }),
    ]),
  );
  t.id = 'capacity-headroom';
  reportValues('capacity-headroom', 'headroom per site × model', 'table', Object.entries({ headroom: rows.map((r) => r.headroom), load: rows.map((r) => r.load) }));
  return h('div', t, h('p.muted.small', 'Headroom = 1 − peak load / capacity. Red below 10 %, amber below 25 %.'));
}

function throughputTable(rows: ThroughputRow[]): HTMLElement {
  if (rows.length === 0) return notice('info', 'No throughput fit: the snapshot has no load and utilisation (or latency) to fit per model.');
  const t = table(
    ['model', 'hosts', 'per host', 'range', 'at target'],
    rows.map((r) => [r.hwModel, String(r.hosts), amount(r.perHost, r.unit), `${formatNumber(r.low)}–${formatNumber(r.high)}`, r.target]),
    { numeric: [false, true, true, true, false] },
  );
  t.id = 'capacity-throughput';
  reportValues('capacity-throughput', 'throughput per host by model', 'table', Object.entries({ perHost: rows.map((r) => r.perHost) }));
  return t;
}

export function capacityPage(ctx: PageContext): Page {
  const status = h('div.status');
  const body = h('div');
  const computeBtn = h('button', { type: 'button', onclick: () => void track(() => load(true)) }, 'compute now');
  mount(ctx.root, h('section.capacity', h('style', CAPACITY_CSS), h('div.head', h('h1', 'Capacity'), computeBtn), status, body));
  let charts: TimeChart[] = [];
  let abort: AbortController | undefined;

  function clear(): void {
    for (const c of charts) c.destroy();
    charts = [];
    for (const id of ['capacity-exhaustion', 'capacity-headroom', 'capacity-throughput']) delete probe.charts[id];
  }

  async function load(compute = false): Promise<void> {
    abort?.abort();
    abort = new AbortController();
    let snap: Snapshot;
    computeBtn.disabled = true;
    if (compute) mount(status, 'computing a snapshot…');
    try {
      snap = await api.get<Snapshot>('/api/v1/capacity', compute ? { compute: 1 } : {}, abort.signal);
    } catch (err) {
      if ((err as Error).name === 'AbortError') return;
      clear();
      mount(status, '');
      if (err instanceof ApiError && err.code === 'CAPACITY_ERR_NONE') {
        mount(body, notice('info', 'No capacity snapshot yet. The analysis role computes one when it starts and then every hour (analysis.capacity.everyMs); ', h('button', { type: 'button', onclick: () => void track(() => load(true)) }, 'compute one now'), ' to see it sooner.'));
      } else mount(body, notice('error', `cannot load the capacity snapshot: ${describeError(err)}`));
      return;
    } finally {
      computeBtn.disabled = false;
    }
    render(snap);
  }

  function render(snap: Snapshot): void {
    clear();
    const now = Date.now();
    mount(status, h('span#snapshot-time', { dataset: { generatedAt: String(snap.generatedAt) } }, `snapshot of ${formatTime(snap.generatedAt, false)} (${formatSpan(Math.max(0, now - snap.generatedAt))} ago) over ${formatTime(snap.from, false)} → ${formatTime(snap.to, false)}`));
    const forecastBox = h('div#capacity-forecasts.grid-2');
    const unit = snap.throughput[0]?.unit ?? snap.headroom[0]?.unit ?? 'req/s';
    const models = [...new Set([...snap.throughput.map((t) => t.hwModel), ...snap.headroom.map((r) => r.hwModel)])];
    mount(
      body,
      snap.warnings.length > 0 ? notice('warn', h('strong', 'Not everything could be computed:'), h('ul', snap.warnings.map((w) => h('li', w)))) : null,
      h('h2', 'Soonest to fill'),
      exhaustionTable(snap.exhaustion, now),
      h('h2', 'Forecasts'),
      snap.forecasts.length === 0 ? notice('info', 'No forecast in this snapshot.') : forecastBox,
      h('div.grid-2', h('div', h('h2', 'Headroom per site × model'), headroomMatrix(snap.headroom)), h('div', h('h2', 'Throughput per host by model'), throughputTable(snap.throughput))),
      h('h2', 'What if'),
      whatIfForm(models, [...new Set(snap.headroom.map((r) => r.site))].sort(), unit),
    );
    charts = drawForecasts(forecastBox, snap.forecasts.slice(0, MAX_FORECASTS));
    if (snap.forecasts.length > MAX_FORECASTS) forecastBox.after(h('p.muted', `${snap.forecasts.length - MAX_FORECASTS} more forecasts not drawn.`));
  }

  return {
    update: () => load(false),
    dispose() {
      abort?.abort();
      clear();
    },
  };
}

const CAPACITY_CSS = `
.capacity .head { display: flex; align-items: center; gap: 12px; }
.capacity .small { font-size: 12px; }
.capacity .warnc { color: var(--warn); font-weight: 600; }
.capacity .bad { font-weight: 600; }
.capacity .hr { padding: 2px 6px; border-radius: 4px; }
.capacity .hr-ok { background: #dcfce7; color: #14532d; }
.capacity .hr-warn { background: #fef3c7; color: #78350f; }
.capacity .hr-bad { background: #fee2e2; color: #7f1d1d; }
.capacity pre.arithmetic { background: #f3f4f6; padding: 8px; border-radius: 4px; margin: 8px 0; white-space: pre-wrap; }
.capacity #whatif label { display: inline-flex; gap: 4px; align-items: center; margin-right: 6px; }
`;
