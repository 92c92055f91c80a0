// Saved dashboards: /dashboards lists them (create, import, delete); /dashboards/:id shows one as a
// 12-column grid of panels, each a query drawn as in the console or a markdown note. Panels whose
// query has no range of its own follow the shared time bar; a dashboard's saved range applies when the
// URL has none. Edit mode (URL edit=1) changes panels and saves with the version it started from.
import { ApiError } from '../lib/api.ts';
import { h, mount, notice, table } from '../lib/dom.ts';
import type { Page, PageContext } from '../lib/page.ts';
import { probe, track } from '../lib/probe.ts';
import { formatTime } from '../lib/time.ts';
import { renderQueryError, ResultView, runQuery, type ViewChoice } from './console-render.ts';
import { hasOwnRange, rangeClause, withRange } from './console-range.ts';
import { renderMarkdown } from './dashboards-markdown.ts';
import { cleanSpec, dashboardsApi, EXAMPLE_DASHBOARD, newPanelId, PANEL_VIEWS, type Dashboard, type DashboardSpec, type PanelSpec, type PanelView } from './dashboards-spec.ts';

const ROW_PX = 70;
const GAP_PX = 10;

function apiMessage(err: unknown): string {
  const e = err as ApiError;
  const path = (e.where as { path?: string } | undefined)?.path;
  return `${e.message}${path ? ` (at ${path})` : ''}`;
}

export function dashboardsPage(ctx: PageContext): Page {
  const id = ctx.match[1] ? decodeURIComponent(ctx.match[1]) : undefined;
  return id ? dashboardView(ctx, id) : dashboardList(ctx);
}

/** The list, with create, import and delete. */
function dashboardList(ctx: PageContext): Page {
  const listBox = h('div.dash-list-box');
  const messages = h('div.messages');
  const nameInput = h('input', { name: 'name', placeholder: 'name of the new dashboard', size: 30, required: true });
  const importText = h('textarea', { name: 'import', placeholder: 'paste an exported dashboard (JSON)' });
  const importFile = h('input', { type: 'file', name: 'import-file', accept: 'application/json,.json' });

  async function create(spec: unknown, edit: boolean): Promise<void> {
    try {
      const r = await dashboardsApi.create(spec);
      ctx.navigate(`/dashboards/${encodeURIComponent(r.dashboard.id)}${edit ? '?edit=1' : ''}`);
    } catch (err) {
      mount(messages, notice('error', h('span.dash-error', `Cannot save the dashboard: ${apiMessage(err)}`)));
    }
  }

  async function importJson(text: string): Promise<void> {
    let spec: unknown;
    try {
      spec = JSON.parse(text);
    } catch (err) {
      mount(messages, notice('error', h('span.dash-error', `That is not JSON: ${(err as Error).message}`)));
      return;
    }
    await create(spec, false);
  }

  importFile.addEventListener('change', () => {
    const f = importFile.files?.[0];
    if (f) void track(() => f.text().then((t) => importJson(t)));
  });

  mount(
    ctx.root,
    h(
      'section.dashboards',
      h('h1', 'Dashboards'),
      messages,
      listBox,
      h(
        'div.section-row',
        h(
          'form.card.create-box',
          {
            onsubmit: (e: Event) => {
              e.preventDefault();
              if (nameInput.value.trim()) void track(() => create({ name: nameInput.value.trim(), panels: [] }, true));
            },
          },
          h('h2', 'New dashboard'),
          h('div.controls', nameInput, h('button#dash-create.on', { type: 'submit' }, 'Create')),
          h('div.controls', h('button#dash-create-example', { type: 'button', onclick: () => void track(() => create(EXAMPLE_DASHBOARD, false)) }, 'Create an example dashboard'), h('span.muted', 'latency, load and a runbook note on the demo fleet')),
        ),
        h(
          'div.card.import-box',
          h('h2', 'Import'),
          importText,
          h('div.controls', h('button#dash-import', { type: 'button', onclick: () => void track(() => importJson(importText.value)) }, 'Import pasted JSON'), h('label', 'or pick a file ', importFile)),
        ),
      ),
    ),
  );

  async function load(): Promise<void> {
    try {
      const { dashboards } = await dashboardsApi.list();
      probe.charts['dashboards-list'] = { id: 'dashboards-list', title: 'dashboards', kind: 'table', from: 0, to: 0, series: [{ label: 'dashboards', points: dashboards.length, min: null, max: null, maxAt: null }], markers: [], spans: [], draws: 1 };
      if (dashboards.length === 0) {
        mount(listBox, notice('info', 'No dashboards yet. Create one below, import an exported file, or start from the example.'));
        return;
      }
      mount(
        listBox,
        table(
          ['name', 'panels', 'updated', ''],
          dashboards.map((d) => {
            const del = h('button.delete-dashboard', { type: 'button', dataset: { id: d.id } }, 'Delete');
            let armed = false;
            del.addEventListener('click', () => void track(async () => {
              if (!armed) {
                armed = true;
                del.textContent = 'Click again to delete';
                del.classList.add('on');
                return;
              }
              try {
                await dashboardsApi.remove(d.id);
                mount(messages, notice('info', `Deleted "${d.name}".`));
                await load();
              } catch (err) {
                mount(messages, notice('error', `Cannot delete: ${apiMessage(err)}`));
              }
            }));
            return [
              h('a.dash-link', { href: `/dashboards/${encodeURIComponent(d.id)}`, 'data-nav': '', dataset: { id: d.id } }, d.name),
              String(d.panels),
              formatTime(d.updatedAt, false),
              h('span.actions', h('a', { href: dashboardsApi.exportHref(d.id), download: '' }, 'Export JSON'), del),
            ];
          }),
          { className: 'grid dash-list', numeric: [false, true, false, false] },
        ),
      );
    } catch (err) {
      mount(listBox, notice('error', `Cannot list dashboards: ${apiMessage(err)}`));
    }
  }

  return {
    async update() {
      await load();
    },
    dispose() {
      delete probe.charts['dashboards-list'];
    },
  };
}

interface PanelState {
  readonly spec: PanelSpec;
  readonly el: HTMLElement;
  readonly body: HTMLElement;
  readonly info: HTMLElement;
  view?: ResultView;
}

/** One dashboard: its grid of panels, or its editor. */
function dashboardView(ctx: PageContext, id: string): Page {
  let dash: Dashboard | undefined;
  let draft: DashboardSpec | undefined;
  let panels: PanelState[] = [];
  let abort: AbortController | undefined;
  const head = h('div.dash-head');
  const messages = h('div.messages');
  const content = h('div.dash-content');
  mount(ctx.root, h('section.dashboard', head, messages, content));

  const editing = () => ctx.params().get('edit') === '1';

  function clearPanels(): void {
    for (const p of panels) p.view?.destroy();
    panels = [];
  }

  function renderHead(): void {
    if (!dash) return;
    const d = dash;
    mount(
      head,
      h('a', { href: '/dashboards', 'data-nav': '' }, '← Dashboards'),
      h('h1#dash-name', d.name),
      h('span.muted', `version ${d.version} · saved ${formatTime(d.updatedAt, false)}`),
      h('span.spacer'),
      editing() ? null : h('button#dash-edit', { type: 'button', onclick: () => ctx.setParams({ edit: '1' }, { push: true }) }, 'Edit'),
      h('a#dash-export', { href: dashboardsApi.exportHref(d.id), download: '' }, 'Export JSON'),
    );
  }

  // ---- view mode ----

  function buildGrid(): void {
    clearPanels();
    if (!dash) return;
    if (dash.panels.length === 0) {
      mount(content, dash.description ? h('p.muted', dash.description) : null, notice('info', 'This dashboard has no panels yet. ', h('button', { type: 'button', onclick: () => ctx.setParams({ edit: '1' }, { push: true }) }, 'Add panels')));
      return;
    }
    const grid = h('div.dash-grid');
    for (const spec of dash.panels) {
      const w = Math.max(1, Math.min(12, spec.w ?? 6));
      const rows = Math.max(1, Math.min(12, spec.h ?? 4));
      const body = h('div.panel-body');
      const info = h('span.panel-info');
      const title = h('span.title', { title: spec.title }, spec.title);
      const el = h('div.panel', { dataset: { panelId: spec.id, view: spec.view ?? 'auto' }, style: { gridColumn: `span ${w}`, gridRow: `span ${rows}` } }, h('div.panel-head', title, info), body);
      grid.appendChild(el);
      panels.push({ spec, el, body, info });
    }
    mount(content, dash.description ? h('p.muted.dash-description', dash.description) : null, grid);
  }

  async function runPanels(): Promise<void> {
    abort?.abort();
    abort = new AbortController();
    const signal = abort.signal;
    const clause = rangeClause(ctx.range(), ctx.resolved());
    const now = ctx.resolved().to;
    await Promise.all(
      panels.map(async (p) => {
        const spec = p.spec;
        if (spec.view === 'markdown') {
          mount(p.body, renderMarkdown(spec.markdown ?? ''));
          return;
        }
        const raw = spec.query ?? '';
        const q = withRange(raw, clause);
        const own = hasOwnRange(raw) && /\bmetric\b/.test(raw);
        mount(
          p.info,
          own ? h('span.badge', { title: 'this panel says its own time range' }, 'own range') : null,
          ' ',
          h('a', { href: `/console?q=${encodeURIComponent(q)}`, 'data-nav': '', title: 'open this query in the console' }, 'query'),
        );
        if (!p.view) {
          p.body.replaceChildren();
          const rows = spec.h ?? 4;
          const height = Math.max(80, rows * ROW_PX + (rows - 1) * GAP_PX - 100);
          p.view = new ResultView(p.body, { id: `panel-${spec.id}`, title: spec.title, height, onHover: (on) => ctx.hover(on), onZoom: (a, b) => ctx.setRange({ from: String(a), to: String(b) }) });
        }
        try {
          const r = await runQuery(q, now, signal);
          p.view.set(r, (spec.view ?? 'auto') as ViewChoice);
          const warn = (r.warnings ?? []).length;
          p.el.dataset.rows = String(r.rows.length);
          p.el.title = warn ? r.warnings.join('\n') : '';
          if (warn) p.info.prepend(h('span.badge.pending', { title: r.warnings.join('\n') }, `${warn} warning${warn > 1 ? 's' : ''}`), ' ');
        } catch (err) {
          if ((err as Error).name === 'AbortError') return;
          p.view.message(renderQueryError(err, q));
        }
      }),
    );
  }

  // ---- edit mode ----

  function panelEditor(p: PanelSpec, i: number, all: PanelSpec[]): HTMLElement {
    const title = h('input', { name: 'title', value: p.title, placeholder: 'title' });
    title.addEventListener('input', () => (p.title = title.value));
    const view = h('select', { name: 'view' }, PANEL_VIEWS.map((v) => h('option', { value: v, selected: (p.view ?? 'auto') === v }, v)));
    view.addEventListener('change', () => {
      p.view = view.value as PanelView;
      renderEditor();
    });
    const num = (name: 'w' | 'h', label: string) => {
      const input = h('input', { name, type: 'number', min: 1, max: 12, value: String(p[name] ?? (name === 'w' ? 6 : 4)), style: { width: '60px' } });
      input.addEventListener('input', () => (p[name] = Math.max(1, Math.min(12, Math.round(Number(input.value) || 1)))));
      return h('label', label, ' ', input);
    };
    const text =
      p.view === 'markdown'
        ? h('textarea', { name: 'markdown', placeholder: '## Notes\n\n- markdown: headers, lists, **bold**, `code`, [links](/compare)' }, p.markdown ?? '')
        : h('textarea', { name: 'query', placeholder: 'metric "cpu.percent" | stats every 5m avg(value) by site  (no range: the time bar\'s)' }, p.query ?? '');
    text.addEventListener('input', () => {
      if (p.view === 'markdown') p.markdown = text.value;
      else p.query = text.value;
    });
    const move = (d: number) => {
      const j = i + d;
      if (j < 0 || j >= all.length) return;
      [all[i], all[j]] = [all[j], all[i]];
      renderEditor();
    };
    return h(
      'div.panel-editor',
      { dataset: { panelId: p.id } },
      h(
        'div.row',
        h('label', 'title ', title),
        h('label', 'view ', view),
        num('w', 'width'),
        num('h', 'height'),
        h('span', { style: { flex: '1' } }),
        h('button', { type: 'button', title: 'move up', disabled: i === 0, onclick: () => move(-1) }, '↑'),
        h('button', { type: 'button', title: 'move down', disabled: i === all.length - 1, onclick: () => move(1) }, '↓'),
        h('button.remove-panel', { type: 'button', onclick: () => { all.splice(i, 1); renderEditor(); } }, 'Remove'),
      ),
      text,
    );
  }

  function renderEditor(): void {
    if (!dash) return;
    clearPanels();
    const d = (draft ??= structuredClone(cleanSpec(dash)));
    const name = h('input', { name: 'dash-name', value: d.name, size: 40 });
    name.addEventListener('input', () => (d.name = name.value));
    const desc = h('input', { name: 'description', value: d.description ?? '', size: 60, placeholder: 'description (optional)' });
    desc.addEventListener('input', () => (d.description = desc.value));
    const tf = h('input', { name: 'time-from', value: d.time?.from ?? '', placeholder: 'now-6h', size: 12 });
    const tt = h('input', { name: 'time-to', value: d.time?.to ?? '', placeholder: 'now', size: 12 });
    const tr = h('input', { name: 'time-refresh', value: d.time?.refresh ?? '', placeholder: 'off', size: 6 });
    const setTime = () => (d.time = tf.value.trim() && tt.value.trim() ? { from: tf.value, to: tt.value, refresh: tr.value } : undefined);
    for (const x of [tf, tt, tr]) x.addEventListener('input', setTime);
    const useBar = h('button', { type: 'button', onclick: () => { tf.value = ctx.range().from; tt.value = ctx.range().to; tr.value = ctx.params().get('refresh') ?? ''; setTime(); } }, 'use the time bar\'s range');
    const add = (markdown: boolean) => {
      d.panels.push(markdown ? { id: newPanelId(d.panels), title: 'Notes', view: 'markdown', markdown: '', w: 4, h: 3 } : { id: newPanelId(d.panels), title: 'New panel', query: '', view: 'auto', w: 6, h: 4 });
      renderEditor();
    };
    mount(
      content,
      h(
        'div.dash-edit',
        h('div.card', h('div.controls', h('label', 'name ', name), h('label', 'description ', desc)), h('div.controls', 'default time range ', tf, ' to ', tt, ' refresh ', tr, useBar, h('span.muted', 'used when the URL has no range'))),
        d.panels.map((p, i) => panelEditor(p, i, d.panels)),
        h(
          'div.controls',
          h('button#dash-add-panel', { type: 'button', onclick: () => add(false) }, '+ Query panel'),
          h('button#dash-add-text', { type: 'button', onclick: () => add(true) }, '+ Text panel'),
          h('span', { style: { flex: '1' } }),
          h('button#dash-cancel', { type: 'button', onclick: () => { draft = undefined; messages.replaceChildren(); ctx.setParams({ edit: undefined }, { push: true }); } }, 'Cancel'),
          h('button#dash-save.on', { type: 'button', onclick: () => void track(() => save(false)) }, 'Save'),
        ),
        h('p.muted', 'Queries without "last …" or "from … to …" follow the time bar; a query with its own range keeps it.'),
      ),
    );
  }

  async function save(overwrite: boolean): Promise<void> {
    if (!dash || !draft) return;
    const body = { ...cleanSpec(draft), ...(overwrite ? {} : { version: dash.version }) };
    try {
      const r = await dashboardsApi.save(dash.id, body);
      dash = r.dashboard;
      draft = undefined;
      mount(messages, notice('info', h('span.dash-saved', `Saved version ${dash.version}.`)));
      ctx.setParams({ edit: undefined }, { push: true });
    } catch (err) {
      const e = err as ApiError;
      if (e.code === 'DASHBOARD_ERR_CONFLICT') {
        const cur = (e.where as { current?: number | null } | undefined)?.current;
        mount(
          messages,
          notice(
            'error',
            h(
              'div.dash-conflict',
              { dataset: { code: e.code } },
              h('b', 'Someone else saved this dashboard while you were editing. '),
              `You started from version ${dash.version}; ${cur ? `it is now at version ${cur}` : 'it no longer exists'}. Your changes are still here and were not saved. `,
              h('button#dash-reload', { type: 'button', onclick: () => void track(reload) }, 'Discard my changes and load theirs'),
              ' ',
              h('button#dash-overwrite', { type: 'button', onclick: () => void track(() => save(true)) }, 'Save mine over theirs'),
            ),
          ),
        );
      } else {
        mount(messages, notice('error', h('span.dash-error', { dataset: { code: e.code } }, `Cannot save: ${apiMessage(err)}`)));
      }
    }
  }

  async function reload(): Promise<void> {
    draft = undefined;
    messages.replaceChildren();
    await fetchDash();
    renderHead();
    if (editing()) renderEditor();
  }

  async function fetchDash(): Promise<boolean> {
    try {
      dash = (await dashboardsApi.get(id)).dashboard;
      document.title = `${dash.name} · fleetscope`;
      return true;
    } catch (err) {
      dash = undefined;
      clearPanels();
      head.replaceChildren(h('a', { href: '/dashboards', 'data-nav': '' }, '← Dashboards'));
      mount(content, notice('error', (err as ApiError).status === 404 ? `There is no dashboard "${id}": it was never saved, or was deleted.` : `Cannot load the dashboard: ${apiMessage(err)}`));
      return false;
    }
  }

  let mode: 'view' | 'edit' | undefined;

  return {
    async update(reason) {
      if (reason === 'load' || !dash) {
        if (!(await fetchDash())) return;
        const p = ctx.params();
        if (dash!.time && !p.get('from') && !p.get('to')) {
          // The saved range applies when the URL has none; setting it updates the page again.
          mode = undefined;
          ctx.setParams({ from: dash!.time.from, to: dash!.time.to, refresh: p.get('refresh') ?? dash!.time.refresh });
          return;
        }
      }
      renderHead();
      if (editing()) {
        if (mode !== 'edit') renderEditor();
        mode = 'edit';
        return;
      }
      if (mode !== 'view' || reason === 'load') buildGrid();
      mode = 'view';
      if (reason !== 'refresh') messages.querySelector('.dash-conflict')?.remove();
      await runPanels();
    },
    dispose() {
      abort?.abort();
      clearPanels();
    },
  };
}
