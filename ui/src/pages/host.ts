// One host: what it is (asset record), its key metrics over the shared range with changes (posted and
// from asset history) as annotations and its anomalies as markers, and every earlier version of its record.
import { api, ApiError } from '../lib/api.ts';
import { TimeChart, type Marker } from '../lib/chart.ts';
import { h, mount, notice, table } from '../lib/dom.ts';
import { formatterFor } from '../lib/format.ts';
import type { Page, PageContext } from '../lib/page.ts';
import { fetchPoints } from '../lib/points.ts';
import { formatTime } from '../lib/time.ts';
import { anomalyText, describeError, expectedText, markerValue, type Anomaly } from './anomalies-api.ts';
import { fetchChangeSpans } from '../lib/changes.ts';
import { assetCard, historyTable, recordSpans, type AssetRecord, type AssetVersion } from './host-asset.ts';

const MAX_CHARTS = 6;
/** Which metrics a person looks at first, by name; the rest follow alphabetically. */
const KEY_METRICS = [/^cpu\b/, /^memory\b/, /^load\b/, /^(df|disk)\b/, /^interface\b/, /response_time|latency/, /^http\b/];

interface SeriesInfo {
  series_id: string;
  metric: string;
  labels: Record<string, string>;
  kind: string;
}

/** Up to `MAX_CHARTS` metric names of the host, key metrics first. */
export function pickMetrics(series: readonly SeriesInfo[]): string[] {
  const rank = (m: string) => {
    const i = KEY_METRICS.findIndex((r) => r.test(m));
    return i < 0 ? KEY_METRICS.length : i;
  };
  return [...new Set(series.map((s) => s.metric))].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b)).slice(0, MAX_CHARTS);
}

/** The line of an anomaly's series among lines labelled by their varying labels (`type_instance=user`). */
function lineOf<L extends { label: string }>(lines: readonly L[], a: Anomaly): L | undefined {
  return lines.find((l) =>
    l.label.split(',').every((part) => {
      const [k, v] = part.split('=');
      return v === undefined || a.labels?.[k] === v;
    }),
  );
}

function chartId(metric: string): string {
  return `host-${metric}`;
}

export function hostPage(ctx: PageContext): Page {
  const host = decodeURIComponent(ctx.match[1] ?? '');
  const assetBox = h('div');
  const messages = h('div.messages');
  const status = h('div.status');
  const chartBox = h('div.grid-2.host-charts');
  const anomalyBox = h('div');
  const historyBox = h('div');
  mount(
    ctx.root,
    h(
      'section.host',
      h('style', HOST_CSS),
      h('h1', 'Host ', h('span#host-name', host)),
      assetBox,
      messages,
      status,
      chartBox,
      h('h2', 'Anomalies in range'),
      anomalyBox,
      h('h2', 'Asset history'),
      historyBox,
    ),
  );
  const charts = new Map<string, TimeChart>();
  let abort: AbortController | undefined;
  let assetLoaded = false;

  function syncCharts(metrics: string[]): void {
    const same = metrics.length === charts.size && metrics.every((m) => charts.has(m));
    if (same) return;
    for (const c of charts.values()) c.destroy();
    charts.clear();
    for (const m of metrics) {
      charts.set(
        m,
        new TimeChart(chartBox, {
          id: chartId(m),
          title: m,
          height: 220,
          format: formatterFor(m),
          onZoom: (a, b) => ctx.setRange({ from: String(a), to: String(b) }),
          onHover: (on) => ctx.hover(on),
        }),
      );
    }
  }

  async function loadAsset(signal: AbortSignal): Promise<AssetVersion[]> {
    const [rec, hist] = await Promise.allSettled([
      api.get<AssetRecord>(`/api/v1/assets/${encodeURIComponent(host)}`, {}, signal),
      api.get<{ versions: AssetVersion[] }>(`/api/v1/assets/${encodeURIComponent(host)}/history`, {}, signal),
    ]);
    if (rec.status === 'fulfilled') mount(assetBox, assetCard(rec.value));
    else if (rec.reason instanceof ApiError && rec.reason.code === 'ASSET_ERR_NOT_FOUND') mount(assetBox, notice('info', `No current asset record for ${host}: its model, site and kernel are unknown (load one with PUT /api/v1/assets).`));
    else mount(assetBox, notice('error', `cannot load the asset record of ${host}: ${describeError(rec.reason)}`));
    if (hist.status === 'fulfilled') {
      mount(historyBox, historyTable(hist.value.versions));
      return hist.value.versions;
    }
    if (hist.reason instanceof ApiError && hist.reason.code === 'ASSET_ERR_NOT_FOUND') mount(historyBox, notice('info', 'No asset history for this host.'));
    else mount(historyBox, notice('error', `cannot load the asset history: ${describeError(hist.reason)}`));
    return [];
  }

  let versions: AssetVersion[] = [];

  function anomalyTable(list: Anomaly[]): HTMLElement {
    if (list.length === 0) return notice('info', 'No anomaly of this host in the range.');
    const t = table(
      ['time', 'metric', 'labels', 'kind', 'score', 'observed', 'expected'],
      list.slice(0, 50).map((a) => [
        h('a', { href: `/anomalies?host=${encodeURIComponent(host)}&sel=${a.series_id}:${a.ts}`, 'data-nav': '' }, formatTime(a.ts)),
        a.metric,
        Object.entries(a.labels ?? {}).filter(([k]) => k === 'plugin_instance' || k === 'type_instance').map(([k, v]) => `${k}=${v}`).join(' '),
        a.kind,
        a.score.toFixed(2),
        formatterFor(a.metric)(a.observed),
        expectedText(a),
      ]),
      { numeric: [false, false, false, false, true, true, true] },
    );
    t.id = 'host-anomalies';
    return h('div', t, list.length > 50 ? h('p.muted', `${list.length - 50} more on the anomalies page`) : null);
  }

  return {
    async update(reason) {
      abort?.abort();
      abort = new AbortController();
      const signal = abort.signal;
      const { from, to } = ctx.resolved();
      messages.replaceChildren();
      try {
        if (!assetLoaded || reason === 'load') {
          versions = await loadAsset(signal);
          assetLoaded = true;
        }
        const [seriesRes, anomaliesRes, changeSpans] = await Promise.all([
          api.get<{ series: SeriesInfo[] }>('/api/v1/series', { host, limit: 1000 }, signal),
          api.get<{ anomalies: Anomaly[] }>('/api/v1/anomalies', { host, from, to, limit: 1000 }, signal).catch((e: unknown) => {
            if ((e as Error).name === 'AbortError') throw e;
            mount(messages, notice('warn', `cannot load anomalies of ${host}: ${describeError(e)}`));
            return { anomalies: [] as Anomaly[] };
          }),
          // Posted changes that reach this host and the asset changes derived from its history.
          fetchChangeSpans({ from, to, host }, signal),
        ]);
        const metrics = pickMetrics(seriesRes.series);
        if (metrics.length === 0) {
          syncCharts([]);
          mount(status, '');
          mount(chartBox, notice('info', `No series of host ${host}: it never sent data, or its name differs from the asset record (case matters).`));
          mount(anomalyBox, anomalyTable(anomaliesRes.anomalies));
          return;
        }
        if (charts.size === 0) chartBox.replaceChildren();
        syncCharts(metrics);
        // Only changes inside the range: the chart would pin earlier ones to its left edge.
        // The API gives each field change of the asset history; the record's first and retired versions come from here.
        const spans = [...recordSpans(versions), ...changeSpans].filter((sp) => sp.start >= from && sp.start <= to);
        const anomalies = anomaliesRes.anomalies;
        const results = await Promise.allSettled(
          metrics.map(async (m) => {
            const chart = charts.get(m)!;
            const pts = await fetchPoints({ metric: m, from, to, width: chart.pixelWidth, filters: [{ key: 'host', value: host }], limit: 30 }, signal);
            const lines = pts.lines.map((l) => ({ ...l, label: l.label.startsWith(`${host} `) ? l.label.slice(host.length + 1) : l.label === host || !l.label ? m : l.label }));
            const markers: Marker[] = anomalies
              .filter((a) => a.metric === m)
              .map((a) => ({ t: a.ts, v: markerValue(a, lineOf(lines, a) ?? lines[0]), text: anomalyText(a) }));
            chart.set({ from, to, lines, markers, spans });
            return pts.lines.length;
          }),
        );
        if (signal.aborted) return;
        const failed = results.map((r, i) => [r, metrics[i]] as const).filter(([r]) => r.status === 'rejected' && (r.reason as Error).name !== 'AbortError');
        if (failed.length > 0) mount(messages, notice('error', ...failed.map(([r, m]) => h('div', `cannot load ${m}: ${describeError((r as PromiseRejectedResult).reason)}`))));
        const nSeries = seriesRes.series.length;
        mount(status, `${nSeries} series in ${new Set(seriesRes.series.map((s) => s.metric)).size} metrics; ${metrics.length} drawn · ${anomalies.length} anomalies · ${changeSpans.length > 0 ? `${changeSpans.length} changes` : 'no change'} · drag on a chart to zoom`);
        mount(anomalyBox, anomalyTable(anomalies));
      } catch (err) {
        if ((err as Error).name === 'AbortError') return;
        mount(messages, notice('error', `cannot load host ${host}: ${describeError(err)}`));
      }
    },
    dispose() {
      abort?.abort();
      for (const c of charts.values()) c.destroy();
    },
  };
}

const HOST_CSS = `
.host .asset dl { display: grid; grid-template-columns: repeat(auto-fill, minmax(100px, 130px) minmax(150px, 1fr)); gap: 2px 12px; margin: 0 0 6px; }
.host .asset dt { color: var(--muted); font-size: 12px; align-self: center; }
.host .asset dd { margin: 0; font-weight: 500; }
.host .small { font-size: 12px; }
.host .host-charts { gap: 0 12px; }
`;
