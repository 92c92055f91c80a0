// Compare: how one metric is spread over the hosts of each group (hardware model, site, rack, kernel…),
// as box plots of a per-host statistic from GET /api/v1/distribution, beside the query language's
// `compare` stage for the same metric and range (means with intervals, ANOVA, pairwise tests).
// URL: metric, by (default hw_model), stat (avg|p50|p95|max), filter (repeated key=value).
import { readFilters, urlFilters } from '../lib/labels.ts';
import { api, ApiError } from '../lib/api.ts';
import { h, mount, notice } from '../lib/dom.ts';
import { formatterFor } from '../lib/format.ts';
import type { Page, PageContext } from '../lib/page.ts';
import { probe } from '../lib/probe.ts';
import { describeRange } from '../lib/time.ts';
import { renderBoxPlot, type BoxGroup } from './compare-boxplot.ts';
import { renderCompareDetails, type CompareDetails } from './compare-stats.ts';
import { renderQueryError, runQuery, type QueryResult } from './console-render.ts';
import { rangeClause } from './console-range.ts';

const BY_CHOICES = ['hw_model', 'site', 'rack', 'kernel', 'os', 'role', 'manufacturer', 'cpu_model', 'firmware', 'owner', 'label.type_instance', 'label.plugin_instance'];
const STATS = ['avg', 'p50', 'p95', 'max'] as const;
const PLOT_ID = 'compare-box';

interface Distribution {
  groups: BoxGroup[];
  hosts: { host: string; group: string; value: number }[];
  hostsTotal?: number;
  source?: string;
}

/** A name as the language writes it: bare when it is a plain word, else in backquotes. */
function langName(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : `\`${name.replace(/`/g, '')}\``;
}

/** `asset.site` → `site`, `label.type_instance` → `type_instance`. */
function bareKey(key: string): string {
  return key.replace(/^(asset|label)\./, '');
}

/** The `compare` query for the page's controls. */
export function compareQuery(metric: string, by: string, stat: string, filters: readonly { key: string; value: string }[], range: string): string {
  const where = filters.map((f) => `${langName(bareKey(f.key))} = ${JSON.stringify(f.value)}`).join(' and ');
  const source = `metric ${JSON.stringify(metric)}${where ? ` where ${where}` : ''} ${range}`;
  const attr = langName(bareKey(by));
  if (stat === 'avg') return `${source}\n| compare value by ${attr}`;
  // Labels are gone after stats by host unless kept as a key; asset attributes come back through host.
  const keys = by.startsWith('label.') ? `host, ${attr}` : 'host';
  return `${source}\n| stats v = ${stat}(value) by ${keys}\n| compare v by ${attr}`;
}

export function comparePage(ctx: PageContext): Page {
  const metricInput = h('input', { name: 'metric', list: 'compare-metrics', placeholder: 'metric, such as http.response_time_ms', size: 28 });
  const metricList = h('datalist#compare-metrics');
  const byInput = h('input', { name: 'by', list: 'compare-by', size: 18, title: 'an asset field (hw_model, site, rack, kernel, os, role) or label.<key>' });
  const byList = h('datalist#compare-by', BY_CHOICES.map((b) => h('option', { value: b })));
  const statSelect = h('select', { name: 'stat', title: 'the statistic of each host over the range' }, STATS.map((s) => h('option', { value: s }, `per-host ${s}`)));
  const filterInput = h('input', { name: 'filter', placeholder: 'site=ams1, label.type_instance=user', size: 28 });
  const chips = h('div.chips');
  const messages = h('div.messages');
  const status = h('div.status');
  const plotBox = h('div.compare-plot');
  const side = h('div.compare-side');
  let abort: AbortController | undefined;

  const filters = () => urlFilters(ctx.params());

  const form = h(
    'form.controls',
    {
      onsubmit: (e: Event) => {
        e.preventDefault();
        const added = readFilters(filterInput.value);
        if ('bad' in added) {
          mount(messages, notice('error', `"${added.bad}" is not a filter: write key=value, such as site=ams1 or label.type_instance=user`));
          return;
        }
        filterInput.value = '';
        ctx.setParams(
          {
            metric: metricInput.value.trim() || undefined,
            by: byInput.value.trim() || undefined,
            stat: statSelect.value === 'avg' ? undefined : statSelect.value,
            filter: [...ctx.params().getAll('filter'), ...added.filters],
          },
          { push: true },
        );
      },
    },
    h('label', 'metric ', metricInput),
    metricList,
    h('label', 'group by ', byInput),
    byList,
    statSelect,
    h('label', 'filter ', filterInput),
    h('button', { type: 'submit' }, 'compare'),
  );
  mount(
    ctx.root,
    h(
      'section.compare',
      h('h1', 'Compare groups of hosts'),
      form,
      chips,
      messages,
      status,
      h('div.compare-layout', h('div', h('h2', 'Distribution of hosts per group'), plotBox), side),
    ),
  );

  api
    .get<{ series: { byMetric: { metric: string; count: number }[] } }>('/api/v1/overview')
    .then((o) => mount(metricList, o.series.byMetric.map((m) => h('option', { value: m.metric }, `${m.count} series`))))
    .catch(() => undefined);

  function renderChips(): void {
    const fs = ctx.params().getAll('filter');
    mount(
      chips,
      fs.map((f, i) => h('span.chip', f, h('button', { type: 'button', title: `remove ${f}`, onclick: () => ctx.setParams({ filter: fs.filter((_, j) => j !== i) }, { push: true }) }, '×'))),
    );
  }

  async function loadPlot(metric: string, by: string, stat: string, signal: AbortSignal): Promise<void> {
    const { from, to } = ctx.resolved();
    const params: Record<string, string | number> = { metric, start: from, end: to, by, stat };
    for (const f of filters()) params[f.key] = f.value;
    probe.requests.push(`/api/v1/distribution?metric=${metric}&start=${from}&end=${to}&by=${by}&stat=${stat}`);
    try {
      const d = await api.get<Distribution>('/api/v1/distribution', params, signal);
      if (d.groups.length === 0) {
        delete probe.charts[PLOT_ID];
        mount(plotBox, notice('info', `No host has ${metric} in this range${filters().length ? ' with these filters' : ''}.`));
        return;
      }
      const groups = [...d.groups].sort((a, b) => b.p50 - a.p50);
      mount(
        plotBox,
        renderBoxPlot(PLOT_ID, { groups, hosts: d.hosts, from, to, title: `${stat} of ${metric} per host, by ${by}`, format: formatterFor(metric), width: plotBox.clientWidth - 18 }),
        h('div.status', `${d.hostsTotal ?? d.hosts.length} hosts in ${d.groups.length} groups · per-host ${stat} · sorted by median${d.source ? ` · from ${d.source}` : ''}`),
      );
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err;
      delete probe.charts[PLOT_ID];
      const e = err as ApiError;
      mount(plotBox, notice('error', `Cannot draw the distribution: ${e.message}`));
    }
  }

  async function loadStats(metric: string, by: string, stat: string, signal: AbortSignal): Promise<void> {
    const range = rangeClause(ctx.range(), ctx.resolved());
    const text = compareQuery(metric, by, stat, filters(), range);
    const consoleHref = `/console?q=${encodeURIComponent(text)}`;
    const head = [
      h('h2', 'Statistical comparison (', h('code', 'compare'), ')'),
      h('div.query-text', { dataset: { query: text } }, text),
      h('div.status', h('a', { href: consoleHref, 'data-nav': '', class: 'open-console' }, 'open in the query console'), ` · hosts are the units: each host's ${stat === 'avg' ? 'mean' : stat} is one observation`),
    ];
    try {
      const r: QueryResult = await runQuery(text, ctx.resolved().to, signal);
      const cmp = (r.details as { compare?: CompareDetails } | undefined)?.compare;
      mount(
        side,
        head,
        r.rows.length === 0 ? notice('info', 'The query found no hosts to compare.') : cmp ? renderCompareDetails(cmp, r) : notice('warn', 'The answer has no compare details.'),
        (r.warnings ?? []).map((w) => notice('warn', h('span.compare-warning', w))),
      );
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err;
      mount(side, head, renderQueryError(err, text));
    }
  }

  return {
    async update() {
      const p = ctx.params();
      const metric = p.get('metric') ?? '';
      const by = p.get('by') || 'hw_model';
      const statText = p.get('stat') ?? 'avg';
      const stat = (STATS as readonly string[]).includes(statText) ? statText : 'avg';
      metricInput.value = metric;
      byInput.value = by;
      statSelect.value = stat;
      renderChips();
      messages.replaceChildren();
      if (statText !== stat) mount(messages, notice('warn', `"${statText}" is not a per-host statistic here; using avg (choose avg, p50, p95 or max).`));
      if (!metric) {
        delete probe.charts[PLOT_ID];
        mount(status, '');
        mount(
          plotBox,
          notice(
            'info',
            'Pick a metric to compare its hosts group by group, for example ',
            h('a', { href: '/compare?metric=http.response_time_ms&by=hw_model', 'data-nav': '' }, 'http.response_time_ms by hw_model'),
            '.',
          ),
        );
        side.replaceChildren();
        return;
      }
      mount(status, `${metric} · per-host ${stat} · by ${by} · ${describeRange(ctx.range(), Date.now())}`);
      abort?.abort();
      abort = new AbortController();
      const signal = abort.signal;
      try {
        await Promise.all([loadPlot(metric, by, stat, signal), loadStats(metric, by, stat, signal)]);
      } catch (err) {
        if ((err as Error).name !== 'AbortError') throw err;
      }
    },
    dispose() {
      abort?.abort();
      delete probe.charts[PLOT_ID];
    },
  };
}
