// The shell: routes paths to pages, keeps the shared time range and refresh in the URL, and refreshes
// the page on a timer when the range ends at now.
import './styles.css';
import { h, mount, notice } from './lib/dom.ts';
import type { Page, PageContext, PageDef } from './lib/page.ts';
import { probe, track } from './lib/probe.ts';
import { isRelative, parseDuration, resolveRange, type Resolved, type TimeRange } from './lib/time.ts';
import { renderTimebar } from './lib/timebar.ts';
import { pages } from './pages/index.ts';

const DEFAULT_RANGE: TimeRange = { from: 'now-6h', to: 'now' };
const LIVE_MS = 5000;

let current: { def: PageDef; page: Page; path: string } | undefined;
let resolvedAt: Resolved | undefined;
let timer: number | undefined;
let hovering = false;

function params(): URLSearchParams {
  return new URLSearchParams(location.search);
}

function range(): TimeRange {
  const p = params();
  return { from: p.get('from') || DEFAULT_RANGE.from, to: p.get('to') || DEFAULT_RANGE.to };
}

/** Resolves the shared range once per load or refresh, so every panel uses the same instant. */
function resolveNow(): Resolved {
  try {
    resolvedAt = resolveRange(range(), Date.now());
  } catch {
    resolvedAt = resolveRange(DEFAULT_RANGE, Date.now());
  }
  return resolvedAt;
}

function setUrl(search: URLSearchParams, push: boolean, path = location.pathname): void {
  const s = search.toString();
  const next = s ? `${path}?${s}` : path;
  if (next === location.pathname + location.search) return;
  if (push) history.pushState(null, '', next);
  else history.replaceState(null, '', next);
}

function setParams(patch: Record<string, string | string[] | undefined>, opts: { push?: boolean } = {}): void {
  const p = params();
  for (const [k, v] of Object.entries(patch)) {
    p.delete(k);
    if (Array.isArray(v)) for (const x of v) p.append(k, x);
    else if (v !== undefined && v !== '') p.set(k, v);
  }
  setUrl(p, opts.push ?? false);
  void update('params');
}

function navigate(path: string): void {
  history.pushState(null, '', path);
  void route();
}

async function update(reason: 'load' | 'params' | 'refresh'): Promise<void> {
  if (!current) return;
  if (reason !== 'refresh') {
    renderBar();
    renderNav();
  }
  resolveNow();
  schedule();
  const page = current.page;
  try {
    await track(() => page.update(reason));
  } catch (err) {
    probe.errors.push((err as Error).message);
    console.warn('page update failed', err);
  }
}

function schedule(): void {
  if (timer !== undefined) clearTimeout(timer);
  timer = undefined;
  if (!current?.def.usesTime || !isRelative(range())) return;
  const p = params();
  const every = p.get('live') === '1' ? LIVE_MS : parseDuration(p.get('refresh') ?? '');
  if (!every) return;
  timer = window.setTimeout(() => {
    if (hovering && p.get('live') === '1') return schedule();
    void update('refresh');
  }, every);
}

function renderBar(): void {
  const bar = document.getElementById('timebar');
  if (!bar) return;
  const p = params();
  renderTimebar(bar, current?.def.usesTime ? { range: range(), refresh: p.get('refresh') ?? 'off', live: p.get('live') === '1' } : undefined, {
    setRange: (r) => setParams({ from: r.from, to: r.to }, { push: true }),
    setRefresh: (refresh, live) => setParams({ refresh: refresh === 'off' ? undefined : refresh, live: live ? '1' : undefined, ...(live ? { to: 'now' } : {}) }),
    resolved: () => resolvedAt ?? resolveNow(),
    now: () => Date.now(),
  });
}

function renderNav(): void {
  const nav = document.getElementById('nav');
  if (!nav) return;
  mount(
    nav,
    pages
      .filter((d) => d.nav)
      .map((d) => {
        const href = d.href ?? '/';
        const on = current?.def === d;
        const keep = new URLSearchParams();
        for (const k of ['from', 'to', 'refresh', 'live']) {
          const v = params().get(k);
          if (v && d.usesTime) keep.set(k, v);
        }
        const q = keep.toString();
        return h('a', { href: q ? `${href}?${q}` : href, class: on ? 'on' : '', onclick: (e: MouseEvent) => linkClick(e, q ? `${href}?${q}` : href) }, d.nav);
      }),
  );
}

function linkClick(e: MouseEvent, href: string): void {
  if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
  e.preventDefault();
  navigate(href);
}

async function route(): Promise<void> {
  const path = location.pathname;
  if (current && current.path === path) return update('params');
  current?.page.dispose?.();
  current = undefined;
  probe.charts = {};
  const root = document.getElementById('page')!;
  root.replaceChildren();
  for (const def of pages) {
    const match = def.path.exec(path);
    if (!match) continue;
    const ctx: PageContext = {
      root,
      match,
      params,
      setParams,
      navigate,
      range,
      resolved: () => resolvedAt ?? resolveNow(),
      setRange: (r) => setParams({ from: r.from, to: r.to }, { push: true }),
      hover: (on) => {
        hovering = on;
      },
    };
    document.title = `${def.title} · fleetscope`;
    probe.page = def.title;
    current = { def, page: def.create(ctx), path };
    renderNav();
    return update('load');
  }
  renderNav();
  renderBar();
  probe.page = 'not found';
  mount(root, notice('error', `No page at ${path}. `, h('a', { href: '/' }, 'Go to the fleet overview')));
  probe.ready = true;
}

// Links inside pages that point into the UI navigate without reloading.
document.addEventListener('click', (e) => {
  const a = (e.target as Element | null)?.closest?.('a[data-nav]') as HTMLAnchorElement | null;
  if (a) linkClick(e, a.getAttribute('href') ?? '/');
});
window.addEventListener('popstate', () => void route());
window.addEventListener('error', (e) => probe.errors.push(String(e.message)));
window.addEventListener('unhandledrejection', (e) => probe.errors.push(String((e.reason as Error)?.message ?? e.reason)));
void route();
