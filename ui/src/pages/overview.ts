// Fleet overview: is the fleet reporting, what is it made of, and what is wrong right now. Stat cards,
// hosts by site × model (each cell opens the explorer filtered to that group), silent hosts, firing
// alerts and anomalies by kind. Refreshes itself every 30 s.
import { api } from '../lib/api.ts';
import { h, mount, notice, table } from '../lib/dom.ts';
import { formatNumber } from '../lib/format.ts';
import type { Page, PageContext } from '../lib/page.ts';
import { probe, track } from '../lib/probe.ts';
import { formatSpan, formatTime } from '../lib/time.ts';
import { describeError, type Alert } from './anomalies-api.ts';

const REFRESH_MS = 30_000;
const TOP_ALERTS = 20;
/** Metrics the site × model cells open in the explorer, first one present wins. */
const PREFERRED_METRICS = ['cpu.percent', 'load.load', 'memory.memory', 'http.response_time_ms'];

interface Overview {
  hosts: { total: number; bySite: { site: string; count: number }[]; byModel: { hw_model: string; count: number }[]; bySiteModel: { site: string | null; hw_model: string | null; count: number }[] };
  series: { total: number; byMetric: { metric: string; count: number }[] };
  ingest: { lastSampleAt: number | null; samplesLastHour: number; samplesLast5m: number; hostsReportingLast5m: number; hostsSilent: { host: string; lastSeen: number | null }[] };
  anomalies: { lastHour: number; byKind: { kind: string; count: number }[] };
  alerts: { firing: number; pending: number };
}

function stat(name: string, value: string, label: string, opts: { tone?: 'bad' | 'ok' | 'warn'; href?: string } = {}): HTMLElement {
  const v = h('div.value', { class: opts.tone }, value);
  return h('div.card.stat', { dataset: { stat: name } }, opts.href ? h('a', { href: opts.href, 'data-nav': '' }, v) : v, h('div.label', label));
}

function cards(o: Overview, now: number): HTMLElement {
  const silent = o.ingest.hostsSilent.length;
  const age = o.ingest.lastSampleAt === null ? undefined : now - o.ingest.lastSampleAt;
  return h(
    'div.cards',
    stat('hosts', formatNumber(o.hosts.total), `hosts (${o.hosts.bySite.length} sites, ${o.hosts.byModel.length} models)`),
    stat('series', formatNumber(o.series.total), `series (${o.series.byMetric.length} metrics)`),
    stat('samples5m', formatNumber(o.ingest.samplesLast5m), 'samples, last 5 min', { tone: o.ingest.samplesLast5m === 0 ? 'bad' : undefined }),
    stat('samples1h', formatNumber(o.ingest.samplesLastHour), age === undefined ? 'samples, last hour (none ever)' : `samples, last hour · newest ${formatSpan(Math.max(0, age))} ago`),
    stat('reporting', `${o.ingest.hostsReportingLast5m} / ${o.hosts.total}`, silent > 0 ? `hosts reporting, last 5 min · ${silent} silent` : 'hosts reporting, last 5 min', {
      tone: o.hosts.total > 0 && o.ingest.hostsReportingLast5m === 0 ? 'bad' : silent > 0 || o.ingest.hostsReportingLast5m < o.hosts.total ? 'warn' : 'ok',
    }),
    stat('firing', String(o.alerts.firing), 'alerts firing', { tone: o.alerts.firing > 0 ? 'bad' : 'ok', href: '/anomalies' }),
    stat('pending', String(o.alerts.pending), 'alerts pending', { tone: o.alerts.pending > 0 ? 'warn' : undefined, href: '/anomalies' }),
    stat('anomalies', formatNumber(o.anomalies.lastHour), 'anomalies, last hour', { href: '/anomalies?from=now-1h&to=now' }),
  );
}

function exploreHref(metric: string, site: string | null, model: string | null): string {
  const q = new URLSearchParams({ metric });
  if (site !== null) q.append('filter', `asset.site=${site}`);
  if (model !== null) q.append('filter', `asset.hw_model=${model}`);
  return `/explore?${q.toString()}`;
}

/** Sites as rows, models as columns; a cell links to the explorer filtered to that site and model. */
function matrix(o: Overview): HTMLElement {
  const name = (v: string | null) => v ?? '(none)';
  const sites = [...new Set(o.hosts.bySiteModel.map((r) => r.site))].sort((a, b) => name(a).localeCompare(name(b)));
  const models = [...new Set(o.hosts.bySiteModel.map((r) => r.hw_model))].sort((a, b) => name(a).localeCompare(name(b)));
  const count = new Map(o.hosts.bySiteModel.map((r) => [`${r.site}\u0000${r.hw_model}`, r.count]));
  const metrics = o.series.byMetric.map((m) => m.metric);
  const metric = PREFERRED_METRICS.find((m) => metrics.includes(m)) ?? metrics[0] ?? 'cpu.percent';
  const rows = sites.map((s) => {
    let total = 0;
    const cells = models.map((m) => {
      const n = count.get(`${s}\u0000${m}`) ?? 0;
      total += n;
      return n === 0 ? h('span.muted', '·') : h('a', { href: exploreHref(metric, s, m), 'data-nav': '', dataset: { site: name(s), model: name(m) }, title: `${metric} of ${n} ${name(m)} hosts in ${name(s)}` }, String(n));
    });
    return [h('strong', name(s)), ...cells, String(total)];
  });
  const t = table(['site \\ model', ...models.map(name), 'total'], rows, { numeric: [false, ...models.map(() => true), true], className: 'grid site-model' });
  t.id = 'site-model';
  probe.charts['site-model'] = {
    id: 'site-model',
    title: 'hosts by site × model',
    kind: 'table',
    from: 0,
    to: 0,
    series: models.map((m) => {
      const vs = sites.map((s) => count.get(`${s}\u0000${m}`) ?? 0);
      return { label: name(m), points: vs.filter((v) => v > 0).length, min: Math.min(...vs), max: Math.max(...vs), maxAt: null };
    }),
    markers: [],
    spans: [],
    draws: 1,
  };
  return h('div', h('p.muted', `Counts of hosts with asset records. A cell opens ${metric} for that site and model in the explorer.`), t);
}

function silentHosts(o: Overview, now: number): HTMLElement {
  const list = o.ingest.hostsSilent;
  if (list.length === 0) return notice('info', 'Every host with an asset record sent data in the last 5 minutes.');
  return h(
    'ul#silent-hosts.plain',
    list.map((s) =>
      h('li', h('a', { href: `/hosts/${encodeURIComponent(s.host)}`, 'data-nav': '', dataset: { host: s.host } }, s.host), h('span.muted', s.lastSeen === null ? ' · never reported' : ` · last seen ${formatSpan(Math.max(0, now - s.lastSeen))} ago (${formatTime(s.lastSeen, false)})`)),
    ),
  );
}

function firingAlerts(alerts: Alert[] | string): HTMLElement {
  if (typeof alerts === 'string') return notice('error', `cannot load firing alerts: ${alerts}`);
  if (alerts.length === 0) return notice('info', 'No alert is firing.');
  const top = [...alerts].sort((a, b) => (b.score ?? 0) - (a.score ?? 0) || b.startsAt - a.startsAt).slice(0, TOP_ALERTS);
  const t = table(
    ['alert', 'host', 'metric', 'since', 'summary'],
    top.map((a) => [
      h('a', { href: a.labels.host ? `/anomalies?host=${encodeURIComponent(a.labels.host)}${a.labels.metric ? `&metric=${encodeURIComponent(a.labels.metric)}` : ''}` : '/anomalies', 'data-nav': '' }, a.labels.alertname ?? a.key),
      a.labels.host ? h('a', { href: `/hosts/${encodeURIComponent(a.labels.host)}`, 'data-nav': '' }, a.labels.host) : '–',
      a.labels.metric ?? '–',
      formatTime(a.startsAt, false),
      a.annotations.summary ?? '',
    ]),
  );
  t.id = 'firing-alerts';
  return h('div', t, alerts.length > TOP_ALERTS ? h('p.muted', `${alerts.length - TOP_ALERTS} more on the `, h('a', { href: '/anomalies', 'data-nav': '' }, 'anomalies page')) : null);
}

function byKind(o: Overview): HTMLElement {
  if (o.anomalies.byKind.length === 0) {
    delete probe.charts['anomalies-by-kind'];
    return notice('info', 'No anomaly in the last hour.');
  }
  const max = Math.max(...o.anomalies.byKind.map((k) => k.count));
  const rows = [...o.anomalies.byKind]
    .sort((a, b) => b.count - a.count)
    .map((k) => [
      h('a', { href: `/anomalies?kind=${encodeURIComponent(k.kind)}&from=now-1h&to=now`, 'data-nav': '' }, k.kind),
      String(k.count),
      h('div.bar', { style: { width: `${Math.max(2, (100 * k.count) / max)}%` } }),
    ]);
  probe.charts['anomalies-by-kind'] = {
    id: 'anomalies-by-kind',
    title: 'anomalies by kind, last hour',
    kind: 'bars',
    from: 0,
    to: 0,
    series: o.anomalies.byKind.map((k) => ({ label: k.kind, points: 1, min: k.count, max: k.count, maxAt: null })),
    markers: [],
    spans: [],
    draws: 1,
  };
  const t = table(['kind', 'count', ''], rows, { numeric: [false, true, false] });
  t.id = 'anomalies-by-kind';
  return t;
}

export function overviewPage(ctx: PageContext): Page {
  const status = h('div.status');
  const body = h('div');
  mount(ctx.root, h('section.overview', h('style', OVERVIEW_CSS), h('h1', 'Fleet overview'), status, body));
  let abort: AbortController | undefined;

  async function load(): Promise<void> {
    abort?.abort();
    abort = new AbortController();
    const signal = abort.signal;
    let o: Overview;
    const alertsP = api
      .get<{ alerts: Alert[] }>('/api/v1/alerts', { status: 'firing' }, signal)
      .then((r) => r.alerts)
      .catch((e: unknown) => ((e as Error).name === 'AbortError' ? [] : describeError(e)));
    try {
      o = await api.get<Overview>('/api/v1/overview', {}, signal);
    } catch (err) {
      if ((err as Error).name === 'AbortError') return;
      mount(body, notice('error', `cannot load the fleet overview: ${describeError(err)}`));
      return;
    }
    const alerts = await alertsP;
    if (signal.aborted) return;
    const now = Date.now();
    mount(status, `as of ${formatTime(now)} · refreshes every 30 s`);
    mount(
      body,
      cards(o, now),
      o.hosts.total === 0 && o.series.total === 0 ? notice('info', 'No hosts and no series yet: load asset records (PUT /api/v1/assets) and point collectd at fleetscope.') : null,
      h(
        'div.grid-2',
        h('div', h('h2', 'Hosts by site × model'), o.hosts.bySiteModel.length === 0 ? notice('info', 'No asset records yet: load them with PUT /api/v1/assets or fleetscope assets import.') : matrix(o)),
        h('div', h('h2', `Silent hosts (${o.ingest.hostsSilent.length})`), silentHosts(o, now), h('h2', 'Anomalies by kind, last hour'), byKind(o)),
      ),
      h('h2', `Firing alerts (${typeof alerts === 'string' ? '?' : alerts.length})`),
      firingAlerts(alerts),
    );
  }

  const timer = window.setInterval(() => void track(load).catch(() => undefined), REFRESH_MS);
  return {
    update: load,
    dispose() {
      clearInterval(timer);
      abort?.abort();
    },
  };
}

const OVERVIEW_CSS = `
.overview .cards { grid-template-columns: repeat(auto-fill, minmax(160px, 1fr)); }
.overview .stat a { color: inherit; }
.overview .stat .value.bad { color: var(--bad); }
.overview .stat .value.warn { color: var(--warn); }
.overview .stat .value.ok { color: var(--ok); }
.overview ul.plain { list-style: none; padding: 0; margin: 0; max-height: 260px; overflow-y: auto; }
.overview ul.plain li { padding: 2px 0; }
.overview .bar { height: 10px; background: #f87171; border-radius: 2px; min-width: 2px; }
.overview table.site-model td.num a { font-weight: 600; }
`;
