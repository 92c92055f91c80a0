// Anomalies and alerts: filters in the URL (job, kind, host, metric, min_score), the alerts and the
// anomalies of the range, and the selected one (`sel=<series_id>:<ts>`, else the highest score) drawn
// with its expected band, markers and alert windows.
import { api } from '../lib/api.ts';
import { TimeChart } from '../lib/chart.ts';
import { h, mount, notice, table } from '../lib/dom.ts';
import { formatterFor } from '../lib/format.ts';
import type { Page, PageContext } from '../lib/page.ts';
import { probe, reportValues } from '../lib/probe.ts';
import { formatSpan, formatTime } from '../lib/time.ts';
import { IDENTITY_LABELS, describeError, expectedText, type Alert, type Anomaly } from './anomalies-api.ts';
import { renderChanges } from './anomalies-changes.ts';
import { alertMatches, drawSelection, seriesTitle, type SeriesRef } from './anomalies-chart.ts';

const KINDS = ['spike', 'dip', 'level_shift', 'trend', 'variance', 'seasonality', 'flatline', 'missing', 'peer'];
const FILTERS = ['job', 'kind', 'host', 'metric', 'min_score'] as const;
const LIMIT = 500;
const STATUS_ORDER: Record<string, number> = { firing: 0, pending: 1, resolved: 2 };

/** `12345:1795300000000` → its series and time; undefined when malformed. */
export function parseSel(text: string | null): { sid: string; ts: number } | undefined {
  const m = /^(\d{1,20}):(\d+)$/.exec(text ?? '');
  return m ? { sid: m[1], ts: Number(m[2]) } : undefined;
}

function selOf(a: { series_id: string; ts: number }): string {
  return `${a.series_id}:${a.ts}`;
}

function seriesLabelText(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .filter(([k, v]) => !IDENTITY_LABELS.has(k) && k !== 'plugin' && k !== 'type' && !(k === 'ds' && v === 'value'))
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

export function anomaliesPage(ctx: PageContext): Page {
  const inputs = {
    job: h('select', { name: 'job' }, h('option', { value: '' }, 'any job')),
    kind: h('select', { name: 'kind' }, h('option', { value: '' }, 'any kind'), KINDS.map((k) => h('option', { value: k }, k))),
    host: h('input', { name: 'host', placeholder: 'host', size: 14 }),
    metric: h('input', { name: 'metric', placeholder: 'metric', size: 20 }),
    min_score: h('input', { name: 'min_score', type: 'number', min: '0', max: '1', step: '0.05', placeholder: 'min score', style: { width: '90px' } }),
  };
  const form = h(
    'form#anomaly-filters.controls',
    {
      onsubmit: (e: Event) => {
        e.preventDefault();
        const patch: Record<string, string | undefined> = { sel: undefined };
        for (const k of FILTERS) patch[k] = inputs[k].value.trim() || undefined;
        ctx.setParams(patch, { push: true });
      },
    },
    inputs.job,
    inputs.kind,
    inputs.host,
    inputs.metric,
    h('label', 'score ≥ ', inputs.min_score),
    h('button', { type: 'submit' }, 'apply'),
    h('button', { type: 'button', onclick: () => ctx.setParams(Object.fromEntries([...FILTERS, 'sel'].map((k) => [k, undefined])), { push: true }) }, 'clear'),
  );
  const messages = h('div.messages');
  const chartStatus = h('div.status');
  const chartBox = h('div#anomaly-chart');
  const changesBox = h('div#anomaly-changes.card');
  const alertsBox = h('div.scroll.alerts');
  const anomaliesBox = h('div.scroll.anomalies');
  const alertsTitle = h('h2', 'Alerts');
  const anomaliesTitle = h('h2', 'Anomalies');
  mount(ctx.root, h('section.anomalies-page', h('style', ANOMALIES_CSS), h('h1', 'Anomalies and alerts'), form, messages, chartStatus, chartBox, changesBox, alertsTitle, alertsBox, anomaliesTitle, anomaliesBox));

  let chart: TimeChart | undefined;
  let chartMetric = '';
  let abort: AbortController | undefined;
  let cache: { key: string; anomalies: Anomaly[]; alerts: Alert[] | string } | undefined;

  api
    .get<{ jobs: (string | { job?: string; name?: string })[] }>('/api/v1/analysis/jobs')
    .then((r) => {
      const names = r.jobs.map((j) => (typeof j === 'string' ? j : (j.job ?? j.name ?? ''))).filter(Boolean);
      inputs.job.append(...names.filter((n) => ![...inputs.job.options].some((o) => o.value === n)).map((n) => h('option', { value: n }, n)));
      inputs.job.value = ctx.params().get('job') ?? '';
    })
    .catch(() => undefined);

  function filterQuery(): Record<string, string | undefined> {
    const p = ctx.params();
    return Object.fromEntries(FILTERS.map((k) => [k, p.get(k) ?? undefined]));
  }

  async function loadLists(signal: AbortSignal): Promise<{ anomalies: Anomaly[]; alerts: Alert[] | string }> {
    const { from, to } = ctx.resolved();
    const f = filterQuery();
    const key = JSON.stringify([from, to, f]);
    if (cache?.key === key) return cache;
    const alertsP = api
      .get<{ alerts: Alert[] }>('/api/v1/alerts', {}, signal)
      .then((r) => r.alerts)
      .catch((e: unknown) => {
        if ((e as Error).name === 'AbortError') throw e;
        return `cannot load alerts: ${describeError(e)}`;
      });
    const r = await api.get<{ anomalies: Anomaly[] }>('/api/v1/anomalies', { from, to, ...f, limit: LIMIT }, signal);
    cache = { key, anomalies: r.anomalies, alerts: await alertsP };
    return cache;
  }

  /** Alerts of the range matching the filters: every open one, resolved ones that overlap the range. */
  function visibleAlerts(all: Alert[]): Alert[] {
    const { from, to } = ctx.resolved();
    const f = filterQuery();
    const minScore = f.min_score ? Number(f.min_score) : 0;
    return all
      .filter((a) => a.status !== 'resolved' || ((a.endsAt ?? to) >= from && a.startsAt <= to))
      .filter((a) => (!f.host || a.labels.host === f.host) && (!f.metric || a.labels.metric === undefined || a.labels.metric === f.metric) && (!f.job || a.labels.job === f.job || a.job === f.job))
      .filter((a) => (a.score ?? 1) >= minScore)
      .sort((a, b) => (STATUS_ORDER[a.status] ?? 3) - (STATUS_ORDER[b.status] ?? 3) || b.startsAt - a.startsAt);
  }

  /** The series an alert is about: a listed anomaly of it, else its series looked up by labels. */
  async function selectAlert(a: Alert, anomalies: Anomaly[]): Promise<void> {
    const hit = anomalies.filter((x) => alertMatches(a, x) && x.ts >= a.startsAt - 60_000).sort((x, y) => y.score - x.score)[0];
    if (hit) return ctx.setParams({ sel: `${hit.series_id}:${a.startsAt}` }, { push: true });
    if (a.labels.metric && a.labels.host) {
      const labels = Object.fromEntries(Object.entries(a.labels).filter(([k]) => !IDENTITY_LABELS.has(k)).map(([k, v]) => [`label.${k}`, v]));
      try {
        const r = await api.get<{ series: { series_id: string }[] }>('/api/v1/series', { metric: a.labels.metric, host: a.labels.host, ...labels, limit: 1 });
        if (r.series[0]) return ctx.setParams({ sel: `${r.series[0].series_id}:${a.startsAt}` }, { push: true });
      } catch (err) {
        mount(messages, notice('error', `cannot find the series of this alert: ${describeError(err)}`));
        return;
      }
    }
    mount(messages, notice('info', `This alert is about host ${a.labels.host ?? '?'} as a whole, with no anomaly of one series listed in the range: `, a.labels.host ? h('a', { href: `/hosts/${encodeURIComponent(a.labels.host)}`, 'data-nav': '' }, `open ${a.labels.host}`) : ''));
  }

  function renderAlerts(list: Alert[] | string, anomalies: Anomaly[], selected: SeriesRef | undefined): void {
    if (typeof list === 'string') {
      alertsTitle.textContent = 'Alerts';
      mount(alertsBox, notice('error', list));
      return;
    }
    const shown = visibleAlerts(list);
    const firing = shown.filter((a) => a.status === 'firing').length;
    alertsTitle.textContent = `Alerts (${firing} firing, ${shown.filter((a) => a.status === 'pending').length} pending, ${shown.filter((a) => a.status === 'resolved').length} resolved in range)`;
    if (shown.length === 0) {
      delete probe.charts['alerts-table'];
      mount(alertsBox, notice('info', list.length === 0 ? 'No alert has been raised yet.' : 'No alert matches these filters in this range.'));
      return;
    }
    const now = Date.now();
    const t = table(
      ['status', 'alert', 'host', 'metric', 'labels', 'starts', 'ends', 'for', 'score', 'summary'],
      shown.map((a) => [
        h('span.badge', { class: a.status }, a.status),
        a.labels.alertname ?? '',
        a.labels.host ? h('a', { href: `/hosts/${encodeURIComponent(a.labels.host)}`, 'data-nav': '', onclick: (e: Event) => e.stopPropagation() }, a.labels.host) : '–',
        a.labels.metric ?? '–',
        seriesLabelText(a.labels),
        formatTime(a.startsAt),
        a.endsAt ? formatTime(a.endsAt) : h('span.muted', 'ongoing'),
        formatSpan(Math.max(0, (a.endsAt ?? now) - a.startsAt)),
        a.score === undefined ? '–' : a.score.toFixed(2),
        h('span', { title: a.annotations.description ?? '' }, a.annotations.summary ?? ''),
      ]),
      { numeric: [false, false, false, false, false, false, false, true, true, false] },
    );
    t.id = 'alerts-table';
    reportValues('alerts-table', 'alerts', 'table', ['firing', 'pending', 'resolved'].map((st) => [st, shown.filter((a) => a.status === st).map((a) => a.score ?? 0)]));
    t.querySelectorAll('tbody tr').forEach((tr, i) => {
      const a = shown[i];
      const row = tr as HTMLTableRowElement;
      row.dataset.key = a.key;
      row.dataset.status = a.status;
      row.tabIndex = 0;
      if (selected && alertMatches(a, selected)) row.classList.add('sel');
      row.addEventListener('click', () => void selectAlert(a, anomalies));
    });
    mount(alertsBox, t);
  }

  function renderAnomalies(list: Anomaly[], sel: string | undefined): void {
    anomaliesTitle.textContent = `Anomalies (${list.length}${list.length >= LIMIT ? '+, newest shown' : ''})`;
    if (list.length === 0) {
      delete probe.charts['anomalies-table'];
      const f = filterQuery();
      const filtered = FILTERS.some((k) => f[k]);
      mount(anomaliesBox, notice('info', filtered ? 'No anomaly matches these filters in this range: widen the range or clear a filter.' : 'No anomaly in this range: the detection jobs found nothing unusual (or have not run yet).'));
      return;
    }
    const t = table(
      ['time', 'host', 'metric', 'labels', 'kind', 'score', 'observed', 'expected (low–high)', 'job'],
      list.map((a) => {
        const fmt = formatterFor(a.metric);
        return [
          formatTime(a.ts),
          h('a', { href: `/hosts/${encodeURIComponent(a.host)}`, 'data-nav': '', onclick: (e: Event) => e.stopPropagation() }, a.host),
          a.metric,
          seriesLabelText(a.labels ?? {}),
          a.kind,
          a.score.toFixed(2),
          fmt(a.observed),
          expectedText(a),
          a.job,
        ];
      }),
      { numeric: [false, false, false, false, false, true, true, true, false] },
    );
    t.id = 'anomalies-table';
    reportValues('anomalies-table', 'anomalies', 'table', [...new Set(list.map((a) => a.kind))].map((k) => [k, list.filter((a) => a.kind === k).map((a) => a.score)]));
    t.querySelectorAll('tbody tr').forEach((tr, i) => {
      const row = tr as HTMLTableRowElement;
      const s = selOf(list[i]);
      row.dataset.sel = s;
      row.tabIndex = 0;
      if (s === sel) row.classList.add('sel');
      row.addEventListener('click', () => ctx.setParams({ sel: s }, { push: true }));
    });
    mount(anomaliesBox, t);
  }

  /** The selected anomaly: from the list, else looked up around its time (a shared link, other filters). */
  async function findSelected(sel: { sid: string; ts: number }, list: Anomaly[], signal: AbortSignal): Promise<Anomaly | undefined> {
    const exact = list.find((a) => a.series_id === sel.sid && a.ts === sel.ts) ?? list.find((a) => a.series_id === sel.sid);
    if (exact) return exact;
    const r = await api.get<{ anomalies: Anomaly[] }>('/api/v1/anomalies', { from: sel.ts - 3_600_000, to: sel.ts + 3_600_000, limit: 2000 }, signal);
    return r.anomalies.filter((a) => a.series_id === sel.sid).sort((a, b) => Math.abs(a.ts - sel.ts) - Math.abs(b.ts - sel.ts))[0];
  }

  async function drawChart(target: Anomaly | undefined, ts: number, alerts: Alert[], signal: AbortSignal): Promise<void> {
    if (!target) {
      chart?.destroy();
      chart = undefined;
      return;
    }
    if (chart && chartMetric !== target.metric) {
      chart.destroy();
      chart = undefined;
    }
    chartMetric = target.metric;
    chart ??= new TimeChart(chartBox, {
      id: 'anomaly',
      height: 260,
      format: formatterFor(target.metric),
      onZoom: (a, b) => ctx.setRange({ from: String(a), to: String(b) }),
      onHover: (on) => ctx.hover(on),
    });
    chart.el.dataset.series = target.series_id;
    chart.el.dataset.ts = String(ts);
    const titleEl = chart.el.querySelector('.chart-title') ?? chart.el.insertBefore(h('div.chart-title'), chart.el.firstChild);
    titleEl.textContent = `${seriesTitle(target)} · job ${target.job}`;
    const r = await drawSelection(chart, target, ts, ctx.resolved(), alerts, signal);
    mount(
      chartStatus,
      `${r.anomalies} anomalies of this series from ${formatTime(r.from, false)} to ${formatTime(r.to, false)} · dashed: what ${target.detector} expected, shaded: its normal band · `,
      h('a', { href: `/hosts/${encodeURIComponent(target.host)}`, 'data-nav': '' }, `open ${target.host}`),
    );
    if (r.warnings.length > 0) messages.append(notice('warn', r.warnings.join('; ')));
  }

  return {
    async update() {
      const p = ctx.params();
      for (const k of FILTERS) inputs[k].value = p.get(k) ?? '';
      if (p.get('job') && inputs.job.value !== p.get('job')) inputs.job.append(h('option', { value: p.get('job')!, selected: true }, p.get('job')!));
      abort?.abort();
      abort = new AbortController();
      const signal = abort.signal;
      messages.replaceChildren();
      try {
        const { anomalies, alerts } = await loadLists(signal);
        const parsed = parseSel(p.get('sel'));
        if (p.get('sel') && !parsed) messages.append(notice('warn', `"${p.get('sel')}" is not a selection: it should be <series_id>:<epoch ms>.`));
        const byScore = [...anomalies].sort((a, b) => b.score - a.score || b.ts - a.ts)[0];
        const target = parsed ? await findSelected(parsed, anomalies, signal) : byScore;
        if (parsed && !target) messages.append(notice('warn', `No anomaly of series ${parsed.sid} near ${formatTime(parsed.ts)}; showing nothing selected.`));
        const ts = parsed && target ? parsed.ts : (target?.ts ?? 0);
        const sel = target ? (parsed && target.series_id === parsed.sid ? `${parsed.sid}:${parsed.ts}` : selOf(target)) : undefined;
        ctx.root.querySelector('section')!.dataset.selected = sel ?? '';
        renderAnomalies(anomalies, sel);
        renderAlerts(alerts, anomalies, target);
        if (!target) mount(chartStatus, 'Nothing to draw: select an anomaly or an alert when there is one.');
        await Promise.all([drawChart(target, ts, typeof alerts === 'string' ? [] : alerts, signal), renderChanges(changesBox, target, signal)]);
      } catch (err) {
        if ((err as Error).name === 'AbortError') return;
        messages.append(notice('error', describeError(err)));
      }
    },
    dispose() {
      abort?.abort();
      chart?.destroy();
    },
  };
}

const ANOMALIES_CSS = `
.anomalies-page .scroll { max-height: 360px; overflow-y: auto; border: 1px solid var(--line); border-radius: 4px; }
.anomalies-page tbody tr { cursor: pointer; }
.anomalies-page tbody tr:hover { background: #f3f4f6; }
.anomalies-page tbody tr.sel { background: #dbeafe; }
.anomalies-page td { white-space: nowrap; }
.anomalies-page #alerts-table td:last-child { white-space: normal; min-width: 320px; }
.anomalies-page #anomaly-changes { margin: 8px 0; }
.anomalies-page #anomaly-changes:empty { display: none; }
.anomalies-page #anomaly-changes h2 { margin-top: 0; }
.anomalies-page #anomaly-changes tbody tr { cursor: default; }
.anomalies-page #anomaly-changes td { white-space: normal; }
.anomalies-page #anomaly-changes td:nth-child(-n+3) { white-space: nowrap; }
.anomalies-page #anomaly-changes .evidence.significant strong { color: var(--bad); }
`;
