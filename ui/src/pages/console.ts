// Query console: write a query in the pipeline language (docs/query-language.md), run it (button or
// Ctrl/Cmd+Enter) and see the answer drawn as its view hint says, or as a table; Explain shows the SQL.
// URL: q (the query), view (auto|timechart|bars|tile|table). Errors point at their line and column.
import { api, ApiError } from '../lib/api.ts';
import { h, mount, notice, table } from '../lib/dom.ts';
import { formatNumber } from '../lib/format.ts';
import type { Page, PageContext } from '../lib/page.ts';
import { probe, track } from '../lib/probe.ts';
import { errorPosition, renderQueryError, resultStatus, ResultView, runQuery, type QueryResult, type ViewChoice } from './console-render.ts';

const VIEWS: readonly ViewChoice[] = ['auto', 'timechart', 'bars', 'tile', 'table'];
const RESULT_ID = 'console-result';

/** Queries on the demo fleet's metrics, one per kind of answer. */
export const EXAMPLES: readonly { label: string; query: string }[] = [
  { label: 'p99 latency by model (time chart)', query: 'metric "http.response_time_ms" last 6h\n| stats every 5m p99 = p99(value) by hw_model' },
  { label: 'mean latency by model (bars)', query: 'metric "http.response_time_ms" last 6h\n| stats avg_ms = avg(value), p99_ms = p99(value) by hw_model\n| sort p99_ms desc' },
  { label: 'compare models', query: 'metric "http.response_time_ms" last 6h\n| compare value by hw_model' },
  { label: 'fleet CPU busy (single value)', query: 'metric "cpu.percent" where type_instance != "idle" last 1h\n| stats busy_pct = avg(value) * 2' },
  { label: 'outlier hosts (table)', query: 'metric "http.response_time_ms" last 6h\n| stats avg_ms = avg(value) by host\n| outliers avg_ms' },
  { label: 'requests per second by site', query: 'metric "http.requests" last 3h\n| rate\n| stats every 5m rps = avg(value) by site' },
  { label: 'hosts per site and model', query: 'assets | stats hosts = count() by site, hw_model' },
  { label: 'a syntax error', query: 'metric "http.response_time_ms" last 1h stats avg(value)' },
];

interface Explain {
  sql: string;
  params: Record<string, unknown>;
  estimate: { table: string; parts: number; rows: number; marks: number }[];
  stages: { stage: string; runs: string; note: string }[];
  source: string;
  warnings: string[];
}

function renderExplain(e: Explain): HTMLElement {
  return h(
    'div.explain',
    h('h2', 'Explain'),
    h('div.status', `reads ${e.source} · about ${formatNumber(e.estimate.reduce((n, x) => n + x.rows, 0))} rows to read`),
    e.warnings.map((w) => notice('warn', w)),
    e.stages.length > 0 ? table(['stage', 'runs in', 'what it became'], e.stages.map((s) => [s.stage, s.runs, s.note])) : null,
    e.estimate.length > 0
      ? table(['table', 'parts', 'rows', 'marks'], e.estimate.map((x) => [x.table, formatNumber(x.parts), formatNumber(x.rows), formatNumber(x.marks)]), { numeric: [false, true, true, true] })
      : null,
    h('pre#explain-sql.sql', e.sql),
    Object.keys(e.params).length > 0 ? h('details', h('summary', 'parameters'), h('pre.sql', JSON.stringify(e.params, null, 2))) : null,
  );
}

export function consolePage(ctx: PageContext): Page {
  const input = h('textarea.query-input', {
    name: 'q',
    spellcheck: false,
    autocomplete: 'off',
    placeholder: 'metric "http.response_time_ms" last 1h | stats every 1m p99 = p99(value) by hw_model',
    'aria-label': 'query',
  });
  const runBtn = h('button#console-run.on', { type: 'button', title: 'Ctrl+Enter or ⌘+Enter' }, 'Run');
  const explainBtn = h('button#console-explain', { type: 'button' }, 'Explain');
  const viewSelect = h('select', { name: 'view', title: 'how to draw the answer' }, VIEWS.map((v) => h('option', { value: v }, v === 'auto' ? 'draw as the answer suggests' : `draw as ${v}`)));
  const tableBtn = h('button#console-table', { type: 'button', title: 'show the rows whatever the view' }, 'Show table');
  const examples = h(
    'div.chips.examples',
    h('span.muted', 'Examples: '),
    EXAMPLES.map((x) => h('button.example', { type: 'button', title: x.query, dataset: { query: x.query }, onclick: () => submit(x.query) }, x.label)),
  );
  const messages = h('div.messages');
  const status = h('div#console-status.status');
  const resultBox = h('div.result-box');
  const below = h('div.below');
  const view = new ResultView(resultBox, { id: RESULT_ID, height: 360, details: true, onHover: (on) => ctx.hover(on) });

  let last: { q: string; result: QueryResult } | undefined;
  let forceRun = false;
  let abort: AbortController | undefined;

  function submit(q: string): void {
    input.value = q;
    forceRun = true;
    ctx.setParams({ q: q.trim() ? q : undefined }, { push: true });
  }

  input.addEventListener('keydown', (e: KeyboardEvent) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      submit(input.value);
    }
  });
  input.addEventListener('input', () => input.classList.remove('has-error'));
  runBtn.addEventListener('click', () => submit(input.value));
  explainBtn.addEventListener('click', () => void track(explain));
  viewSelect.addEventListener('change', () => ctx.setParams({ view: viewSelect.value === 'auto' ? undefined : viewSelect.value }));
  tableBtn.addEventListener('click', () => ctx.setParams({ view: viewSelect.value === 'table' ? undefined : 'table' }));

  mount(
    ctx.root,
    h(
      'section.console',
      h('h1', 'Query console'),
      h(
        'div.console-editor',
        input,
        h(
          'div.console-actions',
          runBtn,
          explainBtn,
          h('span.kbd', 'Ctrl/⌘ + Enter runs'),
          h('span', { style: { flex: '1' } }),
          viewSelect,
          tableBtn,
          h('span.muted', 'Language reference: docs/query-language.md'),
        ),
        examples,
      ),
      messages,
      status,
      resultBox,
      below,
    ),
  );

  function showError(err: unknown, q: string): void {
    const el = renderQueryError(err, q);
    mount(messages, el);
    const pos = err instanceof ApiError ? errorPosition(err) : undefined;
    if (pos) {
      input.classList.add('has-error');
      const lines = q.split('\n');
      const start = pos.start ?? lines.slice(0, pos.line - 1).reduce((n, l) => n + l.length + 1, 0) + pos.column - 1;
      const end = Math.max(start + 1, pos.end ?? start + 1);
      el.querySelector('.query-error')?.append(
        h('button', { type: 'button', class: 'goto-error', onclick: () => { input.focus(); input.setSelectionRange(start, end); } }, `go to line ${pos.line}, column ${pos.column}`),
      );
      // Select the culprit in the editor so it is highlighted there too.
      if (input.value === q) input.setSelectionRange(start, end);
    }
  }

  async function explain(): Promise<void> {
    const q = input.value;
    if (!q.trim()) return;
    messages.replaceChildren();
    probe.requests.push('/api/v1/query/explain');
    try {
      const e = await api.post<Explain>('/api/v1/query/explain', { query: q });
      mount(below, renderExplain(e));
      below.scrollIntoView({ block: 'nearest' });
    } catch (err) {
      below.replaceChildren();
      showError(err, q);
    }
  }

  function draw(q: string, r: QueryResult): void {
    const want = (ctx.params().get('view') ?? 'auto') as ViewChoice;
    if ((r as unknown as Explain).estimate && !r.columns) {
      view.message(notice('info', 'The query starts with "explain": here is what it would do.'));
      mount(below, renderExplain(r as unknown as Explain));
      mount(status, '');
      return;
    }
    const drawn = view.set(r, VIEWS.includes(want) ? want : 'auto');
    tableBtn.classList.toggle('on', want === 'table');
    mount(status, resultStatus(r, drawn));
    const notes = (r.warnings ?? []).map((w) => notice('warn', h('span.result-warning', w)));
    if (/\blive\b/.test(q)) notes.unshift(notice('info', 'A live query runs once here; GET /api/v1/query/live streams its updates.'));
    mount(messages, notes);
  }

  return {
    async update(reason) {
      const p = ctx.params();
      const q = p.get('q') ?? '';
      const want = p.get('view') ?? 'auto';
      viewSelect.value = VIEWS.includes(want as ViewChoice) ? want : 'auto';
      if (document.activeElement !== input || reason === 'load') input.value = q;
      if (!q.trim()) {
        view.message(notice('info', 'Write a query and press Run (or Ctrl/⌘ + Enter), or click an example above.'));
        mount(status, '');
        messages.replaceChildren();
        below.replaceChildren();
        last = undefined;
        return;
      }
      if (!forceRun && last && last.q === q && reason === 'params') {
        draw(q, last.result);
        return;
      }
      forceRun = false;
      abort?.abort();
      abort = new AbortController();
      below.replaceChildren();
      mount(status, 'running…');
      input.classList.remove('has-error');
      try {
        const r = await runQuery(q, undefined, abort.signal);
        last = { q, result: r };
        draw(q, r);
      } catch (err) {
        if ((err as Error).name === 'AbortError') return;
        last = undefined;
        mount(status, '');
        view.message(h('div'));
        showError(err, q);
      }
    },
    dispose() {
      abort?.abort();
      view.destroy();
    },
  };
}
