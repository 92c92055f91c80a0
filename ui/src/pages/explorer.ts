// Explorer: one metric, filtered by labels and asset attributes, optionally grouped by any of them,
// over the shared range. Everything is in the URL: metric, filter (repeated key=value), group, agg.
import { api, ApiError } from '../lib/api.ts';
import { TimeChart, type Marker } from '../lib/chart.ts';
import { fetchChangeSpans } from '../lib/changes.ts';
import { h, mount, notice } from '../lib/dom.ts';
import { formatBytes, formatNumber, formatterFor } from '../lib/format.ts';
import type { Page, PageContext } from '../lib/page.ts';
import { readFilters, urlFilters } from '../lib/labels.ts';
import { fetchPoints } from '../lib/points.ts';

const GROUP_CHOICES = ['', 'all', 'host', 'hw_model', 'site', 'rack', 'role', 'os', 'kernel', 'manufacturer'];
const AGG_CHOICES = ['avg', 'p50', 'p95', 'p99', 'max', 'min', 'sum', 'count'];
/** Series drawn one line each; beyond that the page suggests grouping. */
const MAX_LINES = 30;

interface Anomaly {
  ts: number;
  host: string;
  metric: string;
  kind: string;
  score: number;
  observed: number;
}


export function explorerPage(ctx: PageContext): Page {
  const metricInput = h('input', { name: 'metric', list: 'metric-names', placeholder: 'metric, such as cpu.percent', size: 28 });
  const metricList = h('datalist#metric-names');
  const filterInput = h('input', { name: 'filter', placeholder: 'site=ams, label.type=user, host=web-01', size: 30 });
  const groupSelect = h('select', { name: 'group' }, GROUP_CHOICES.map((g) => h('option', { value: g }, g === '' ? 'no grouping' : `group by ${g}`)));
  const aggSelect = h('select', { name: 'agg', title: 'how a group combines its series in each pixel column' }, AGG_CHOICES.map((a) => h('option', { value: a }, a)));
  const chips = h('div.chips');
  const status = h('div.status');
  const messages = h('div.messages');
  const chartBox = h('div.chart-box');
  let chart: TimeChart | undefined;
  let abort: AbortController | undefined;

  const filters = () => urlFilters(ctx.params());

  const form = h(
    'form.controls',
    {
      onsubmit: (e: Event) => {
        e.preventDefault();
        const added = readFilters(filterInput.value);
        if ('bad' in added) {
          mount(messages, notice('error', `"${added.bad}" is not a filter: write key=value, such as site=ams or label.type=user`));
          return;
        }
        filterInput.value = '';
        ctx.setParams(
          {
            metric: metricInput.value.trim() || undefined,
            filter: [...ctx.params().getAll('filter'), ...added.filters],
            group: groupSelect.value || undefined,
            agg: groupSelect.value ? aggSelect.value : undefined,
          },
          { push: true },
        );
      },
    },
    h('label', 'metric ', metricInput),
    metricList,
    h('label', 'filter ', filterInput),
    groupSelect,
    aggSelect,
    h('button', { type: 'submit' }, 'show'),
  );
  mount(ctx.root, h('section.explorer', h('h1', 'Explorer'), form, chips, messages, status, chartBox));

  api
    .get<{ series: { byMetric: { metric: string; count: number }[] } }>('/api/v1/overview')
    .then((o) => mount(metricList, o.series.byMetric.map((m) => h('option', { value: m.metric }, `${m.count} series`))))
    .catch(() => undefined);

  function renderChips(): void {
    const fs = ctx.params().getAll('filter');
    mount(
      chips,
      fs.map((f, i) =>
        h('span.chip', f, h('button', { type: 'button', title: `remove ${f}`, onclick: () => ctx.setParams({ filter: fs.filter((_, j) => j !== i) }, { push: true }) }, '×')),
      ),
    );
  }

  return {
    async update() {
      const p = ctx.params();
      const metric = p.get('metric') ?? '';
      const group = p.get('group') ?? '';
      const agg = p.get('agg') ?? 'avg';
      metricInput.value = metric;
      groupSelect.value = GROUP_CHOICES.includes(group) ? group : '';
      if (group && !GROUP_CHOICES.includes(group)) groupSelect.append(h('option', { value: group, selected: true }, `group by ${group}`));
      aggSelect.value = agg;
      aggSelect.disabled = !group;
      renderChips();
      messages.replaceChildren();
      if (!metric) {
        chart?.destroy();
        chart = undefined;
        mount(status, notice('info', 'Pick a metric to draw. Filters narrow the series; grouping draws one line per group with its min–max envelope.'));
        return;
      }
      const { from, to } = ctx.resolved();
      if (!chart) {
        chart = new TimeChart(chartBox, {
          id: 'explorer',
          height: 360,
          format: formatterFor(metric),
          onZoom: (a, b) => ctx.setRange({ from: String(a), to: String(b) }),
          onHover: (on) => ctx.hover(on),
        });
      }
      abort?.abort();
      abort = new AbortController();
      const started = performance.now();
      try {
        const oneHost = filters().find((f) => f.key === 'host')?.value;
        const [pts, anomalies, spans] = await Promise.all([
          fetchPoints({ metric, from, to, width: chart.pixelWidth, filters: filters(), groupBy: group || undefined, agg, limit: MAX_LINES }, abort.signal),
          api
            .get<{ anomalies: Anomaly[] }>('/api/v1/anomalies', { metric, from, to, limit: 500, host: oneHost }, abort.signal)
            .catch(() => ({ anomalies: [] as Anomaly[] })),
          // Change annotations: those of the one host filtered on, else every change in the range.
          fetchChangeSpans({ from, to, host: oneHost }, abort.signal),
        ]);
        const hosts = new Set(pts.lines.map((l) => l.label.split(' ')[0]));
        const markers: Marker[] = anomalies.anomalies
          .filter((a) => group || hosts.has(a.host))
          .map((a) => ({ t: a.ts, v: a.observed, text: `${a.kind} on ${a.host} (score ${a.score.toFixed(2)})` }));
        chart.set({ from, to, lines: pts.lines, markers, spans });
        const ms = Math.round(performance.now() - started);
        const bytes = performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/v1/points')).at(-1) as PerformanceResourceTiming | undefined;
        mount(
          status,
          h(
            'span',
            `${pts.matched} series matched · ${pts.lines.length} ${group ? 'groups' : 'lines'} · ${formatNumber(pts.points)} points (${pts.reduction} from ${pts.source}) · ${ms} ms`,
            bytes?.encodedBodySize ? ` · ${formatBytes(bytes.encodedBodySize)}` : '',
            markers.length > 0 ? ` · ${markers.length} anomalies` : '',
          ),
        );
        if (pts.truncated) {
          mount(
            messages,
            notice(
              'warn',
              `${pts.matched} series match; the first ${pts.lines.length} are drawn. `,
              h('button', { type: 'button', onclick: () => ctx.setParams({ group: 'hw_model', agg: 'max' }, { push: true }) }, 'group by hw_model'),
              ' or add a filter to see every series.',
            ),
          );
        } else if (pts.lines.length === 0) {
          mount(messages, notice('info', `No data for ${metric} in this range with these filters.`));
        }
      } catch (err) {
        if ((err as Error).name === 'AbortError') return;
        const e = err as ApiError;
        mount(messages, notice('error', `${e.message}${e.where ? ` (${Object.entries(e.where).map(([k, v]) => `${k}: ${String(v)}`).join(', ')})` : ''}`));
      }
    },
    dispose() {
      abort?.abort();
      chart?.destroy();
    },
  };
}
