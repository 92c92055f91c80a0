// Coverage: which hosts fleetscope expects (asset records) against which report, absent and unexpected
// hosts, the jobs that cover each, and the silences that hold alerts back. Filters `state`, `site` and
// `role` live in the URL; silences are listed (active, pending, expired), expired with a button, and
// created with a form.
import { ApiError, api } from '../lib/api.ts';
import { h, mount, notice, table } from '../lib/dom.ts';
import type { Page, PageContext } from '../lib/page.ts';
import { reportValues } from '../lib/probe.ts';
import { formatSpan, formatTime } from '../lib/time.ts';
import { describeError } from './anomalies-api.ts';

const STATES = ['absent', 'reporting', 'unexpected'] as const;
const FILTERS = ['state', 'site', 'role'] as const;
const MATCHERS = ['host', 'site', 'role', 'hw_model', 'alertname'] as const;
const ENDS = [
  ['1h', 'now+1h'],
  ['4h', 'now+4h'],
  ['1d', 'now+1d'],
  ['7d', 'now+7d'],
] as const;

/** One host of GET /api/v1/coverage. */
interface CoverageHost {
  readonly host: string;
  readonly site: string | null;
  readonly role: string | null;
  readonly hw_model: string | null;
  readonly status: string | null;
  readonly expected: boolean;
  readonly reporting: boolean;
  readonly lastSeen: number | null;
  readonly interval_ms: number;
  readonly absent: boolean;
  readonly silenced?: { by: 'status' } | { by: 'silence'; id: string };
  readonly jobs: readonly string[];
}

interface Summary {
  expected: number;
  reporting: number;
  absent: number;
  unexpected: number;
  silenced: number;
}

/** One silence of GET /api/v1/silences. */
interface Silence {
  readonly id: string;
  readonly matchers: Readonly<Record<string, string>>;
  readonly startsAt: number;
  readonly endsAt: number;
  readonly comment: string;
  readonly createdBy: string;
  readonly updatedAt: number;
  readonly state: 'active' | 'pending' | 'expired';
}

/** Reporting without an asset record (the API has no asset status for such a host). */
function isUnexpected(x: CoverageHost): boolean {
  return x.reporting && !x.expected && (x.status === null || x.status === undefined);
}

const SUMMARY_KEYS: readonly (keyof Summary)[] = ['expected', 'reporting', 'absent', 'unexpected', 'silenced'];

/** Which hosts of the table count toward each summary number. */
const IN_STATE: Record<keyof Summary, (x: CoverageHost) => boolean> = {
  expected: (x) => x.expected,
  reporting: (x) => x.reporting,
  absent: (x) => x.absent,
  unexpected: isUnexpected,
  silenced: (x) => x.silenced !== undefined,
};

function stat(name: string, value: number, label: string, tone?: 'bad' | 'ok' | 'warn', href?: string): HTMLElement {
  const v = h('div.value', { class: tone }, String(value));
  return h('div.card.stat', { dataset: { stat: name } }, href ? h('a', { href, 'data-nav': '' }, v) : v, h('div.label', label));
}

function matcherText(m: Readonly<Record<string, string>>): string {
  return Object.entries(m)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

export function coveragePage(ctx: PageContext): Page {
  const selects = {
    state: h('select', { name: 'state' }, h('option', { value: '' }, 'any state'), STATES.map((s) => h('option', { value: s }, s))),
    site: h('select', { name: 'site' }, h('option', { value: '' }, 'any site')),
    role: h('select', { name: 'role' }, h('option', { value: '' }, 'any role')),
  };
  const filters = h(
    'form#coverage-filters.controls',
    {
      onsubmit: (e: Event) => {
        e.preventDefault();
        ctx.setParams(Object.fromEntries(FILTERS.map((k) => [k, selects[k].value || undefined])), { push: true });
      },
      onchange: () => ctx.setParams(Object.fromEntries(FILTERS.map((k) => [k, selects[k].value || undefined])), { push: true }),
    },
    selects.state,
    selects.site,
    selects.role,
    h('button', { type: 'button', onclick: () => ctx.setParams({ state: undefined, site: undefined, role: undefined }, { push: true }) }, 'clear'),
  );
  const status = h('div.status');
  const cardsBox = h('div');
  const hostsTitle = h('h2', 'Hosts');
  const hostsBox = h('div.scroll');
  const silencesTitle = h('h2', 'Silences');
  const silencesBox = h('div.scroll');
  const formMessages = h('div.messages');

  // The form that creates a silence.
  const matcherInputs = Object.fromEntries(MATCHERS.map((k) => [k, h('input', { name: k, placeholder: k === 'alertname' ? 'alertname (glob)' : `${k} (glob)`, size: 14 })])) as Record<(typeof MATCHERS)[number], HTMLInputElement>;
  const ends = h('select', { name: 'ends' }, ENDS.map(([label, v]) => h('option', { value: v, selected: label === '4h' }, `ends in ${label}`)), h('option', { value: 'at' }, 'ends at…'));
  const endsAt = h('input', { name: 'endsAt', type: 'datetime-local', hidden: true });
  ends.addEventListener('change', () => {
    endsAt.hidden = ends.value !== 'at';
  });
  const comment = h('input', { name: 'comment', placeholder: 'comment', size: 28 });
  const createdBy = h('input', { name: 'createdBy', placeholder: 'created by', size: 12 });
  const fieldOf: Record<string, HTMLElement> = { ...Object.fromEntries(MATCHERS.map((k) => [`matchers.${k}`, matcherInputs[k]])), comment, createdBy };
  const createForm = h(
    'form#silence-form.controls',
    { onsubmit: (e: Event) => void createSilence(e) },
    MATCHERS.map((k) => matcherInputs[k]),
    ends,
    endsAt,
    comment,
    createdBy,
    h('button', { type: 'submit' }, 'create silence'),
  );

  mount(
    ctx.root,
    h(
      'section.coverage-page',
      h('style', COVERAGE_CSS),
      h('h1', 'Coverage'),
      filters,
      status,
      cardsBox,
      hostsTitle,
      hostsBox,
      silencesTitle,
      h('p.muted', 'A silence holds back the alerts its matchers (globs) fit, from its start to its end. Every matcher given must match.'),
      createForm,
      formMessages,
      silencesBox,
    ),
  );

  let abort: AbortController | undefined;
  const sites = new Set<string>();
  const roles = new Set<string>();

  function fillOptions(sel: HTMLSelectElement, values: Set<string>, current: string): void {
    const have = new Set([...sel.options].map((o) => o.value));
    for (const v of [...values, current].filter(Boolean).sort()) if (!have.has(v)) sel.append(h('option', { value: v }, v));
    sel.value = current;
  }

  function renderHosts(hosts: CoverageHost[], summary: Summary, now: number): void {
    const p = ctx.params();
    const href = (state: string) => {
      const q = new URLSearchParams(p);
      q.set('state', state);
      return `/coverage?${q.toString()}`;
    };
    mount(
      cardsBox,
      h(
        'div.cards',
        stat('expected', summary.expected, 'hosts expected (asset records)'),
        stat('reporting', summary.reporting, 'hosts reporting', summary.reporting < summary.expected ? 'warn' : 'ok', href('reporting')),
        stat('absent', summary.absent, 'hosts absent', summary.absent > 0 ? 'bad' : 'ok', href('absent')),
        stat('unexpected', summary.unexpected, 'reporting without an asset record', summary.unexpected > 0 ? 'warn' : undefined, href('unexpected')),
        stat('silenced', summary.silenced, 'hosts silenced'),
      ),
    );
    hostsTitle.textContent = `Hosts (${hosts.length})`;
    reportValues(
      'coverage-hosts',
      'hosts by coverage state',
      'table',
      SUMMARY_KEYS.map((k) => [k, hosts.filter(IN_STATE[k]).map(() => 1)]),
    );
    if (hosts.length === 0) {
      const filtered = FILTERS.some((k) => p.get(k));
      mount(hostsBox, notice('info', filtered ? 'No host matches these filters.' : 'No host yet: load asset records (PUT /api/v1/assets) or send data.'));
      return;
    }
    const t = table(
      ['host', 'site', 'role', 'model', 'status', 'coverage', 'last seen', 'jobs', 'silenced by'],
      hosts.map((x) => [
        h('a', { href: `/hosts/${encodeURIComponent(x.host)}`, 'data-nav': '' }, x.host),
        x.site ?? '–',
        x.role ?? '–',
        x.hw_model ?? '–',
        x.status ?? h('span.muted', 'no asset record'),
        x.absent ? h('span.badge.absent', 'absent') : x.reporting ? h('span.badge', { class: isUnexpected(x) ? 'unexpected' : 'reporting' }, isUnexpected(x) ? 'unexpected' : 'reporting') : h('span.badge', 'not reporting'),
        x.lastSeen === null ? h('span.muted', 'never') : h('span', { title: formatTime(x.lastSeen) }, `${formatSpan(Math.max(0, now - x.lastSeen))} ago`),
        x.jobs.length ? x.jobs.join(', ') : h('span.muted', 'none'),
        !x.silenced ? '' : x.silenced.by === 'status' ? `asset status ${x.status ?? ''}` : h('a', { href: `#silence-${x.silenced.id}` }, `silence ${x.silenced.id.slice(0, 8)}`),
      ]),
    );
    t.id = 'coverage-hosts';
    t.querySelectorAll('tbody tr').forEach((tr, i) => {
      const x = hosts[i];
      (tr as HTMLElement).dataset.host = x.host;
      (tr as HTMLElement).dataset.state = x.absent ? 'absent' : isUnexpected(x) ? 'unexpected' : x.reporting ? 'reporting' : 'quiet';
    });
    mount(hostsBox, t);
  }

  function renderSilences(list: Silence[], now: number): void {
    const active = list.filter((s) => s.state === 'active').length;
    silencesTitle.textContent = `Silences (${active} active, ${list.length - active} pending or expired)`;
    if (list.length === 0) {
      mount(silencesBox, notice('info', 'No silence yet.'));
      return;
    }
    const t = table(
      ['state', 'matchers', 'starts', 'ends', 'comment', 'created by', ''],
      list.map((s) => [
        h('span.badge', { class: s.state }, s.state),
        h('code', matcherText(s.matchers)),
        formatTime(s.startsAt, false),
        h('span', { title: formatTime(s.endsAt) }, s.endsAt > now ? `${formatTime(s.endsAt, false)} (in ${formatSpan(s.endsAt - now)})` : formatTime(s.endsAt, false)),
        s.comment,
        s.createdBy,
        s.state === 'expired' ? '' : h('button.expire', { type: 'button', onclick: () => void expire(s) }, 'expire'),
      ]),
    );
    t.id = 'silences';
    t.querySelectorAll('tbody tr').forEach((tr, i) => {
      const row = tr as HTMLElement;
      row.dataset.silenceId = list[i].id;
      row.dataset.state = list[i].state;
      row.id = `silence-${list[i].id}`;
    });
    mount(silencesBox, t);
  }

  async function loadSilences(signal?: AbortSignal): Promise<void> {
    try {
      const r = await api.get<{ silences: Silence[] }>('/api/v1/silences', {}, signal);
      renderSilences(r.silences, Date.now());
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err;
      mount(silencesBox, notice('error', `cannot load silences: ${describeError(err)}`));
    }
  }

  async function expire(s: Silence): Promise<void> {
    formMessages.replaceChildren();
    try {
      await api.del(`/api/v1/silences/${encodeURIComponent(s.id)}`);
    } catch (err) {
      mount(formMessages, notice('error', `cannot expire the silence: ${describeError(err)}`));
      return;
    }
    await load();
  }

  async function createSilence(e: Event): Promise<void> {
    e.preventDefault();
    formMessages.replaceChildren();
    for (const el of createForm.querySelectorAll('.invalid')) el.classList.remove('invalid');
    const matchers: Record<string, string> = {};
    for (const k of MATCHERS) if (matcherInputs[k].value.trim()) matchers[k] = matcherInputs[k].value.trim();
    let end: string = ends.value;
    if (end === 'at') end = endsAt.value ? new Date(endsAt.value).toISOString() : '';
    const body = { matchers, endsAt: end, comment: comment.value.trim(), createdBy: createdBy.value.trim() };
    try {
      const r = await api.post<Silence>('/api/v1/silences', body);
      mount(formMessages, notice('info', `Silence created: ${matcherText(r.matchers)} until ${formatTime(r.endsAt, false)}.`));
      for (const k of MATCHERS) matcherInputs[k].value = '';
      comment.value = '';
    } catch (err) {
      const path = err instanceof ApiError && typeof err.where?.path === 'string' ? err.where.path : undefined;
      const field = path === undefined ? undefined : path === 'endsAt' ? (ends.value === 'at' ? endsAt : ends) : (fieldOf[path] ?? (path === 'matchers' ? matcherInputs.host : undefined));
      field?.classList.add('invalid');
      field?.focus();
      mount(formMessages, notice('error', err instanceof ApiError && /^cannot create the silence/.test(err.message) ? err.message : `cannot create the silence: ${describeError(err)}`, path !== undefined ? h('span', ' (at ', h('code.where', path || '(the whole body)'), ')') : ''));
      return;
    }
    await load();
  }

  async function load(): Promise<void> {
    abort?.abort();
    abort = new AbortController();
    const signal = abort.signal;
    const p = ctx.params();
    const q = Object.fromEntries(FILTERS.map((k) => [k, p.get(k) ?? undefined]));
    const silencesP = loadSilences(signal).catch(() => undefined);
    let r: { hosts: CoverageHost[]; summary: Summary };
    try {
      r = await api.get<{ hosts: CoverageHost[]; summary: Summary }>('/api/v1/coverage', q, signal);
    } catch (err) {
      if ((err as Error).name === 'AbortError') return;
      mount(hostsBox, notice('error', `cannot load coverage: ${describeError(err)}`));
      await silencesP;
      return;
    }
    for (const x of r.hosts) {
      if (x.site) sites.add(x.site);
      if (x.role) roles.add(x.role);
    }
    selects.state.value = q.state ?? '';
    fillOptions(selects.site, sites, q.site ?? '');
    fillOptions(selects.role, roles, q.role ?? '');
    const now = Date.now();
    mount(status, `as of ${formatTime(now)}`);
    renderHosts(r.hosts, r.summary, now);
    await silencesP;
  }

  return {
    update: load,
    dispose() {
      abort?.abort();
    },
  };
}

const COVERAGE_CSS = `
.coverage-page .cards { grid-template-columns: repeat(auto-fill, minmax(160px, 1fr)); margin-bottom: 8px; }
.coverage-page .stat a { color: inherit; }
.coverage-page .stat .value.bad { color: var(--bad); }
.coverage-page .stat .value.warn { color: var(--warn); }
.coverage-page .stat .value.ok { color: var(--ok); }
.coverage-page .scroll { max-height: 420px; overflow-y: auto; border: 1px solid var(--line); border-radius: 4px; }
.coverage-page td { white-space: nowrap; }
.coverage-page .badge.reporting, .coverage-page .badge.active { background: #dcfce7; color: #166534; }
.coverage-page .badge.absent { background: #fee2e2; color: #991b1b; }
.coverage-page .badge.unexpected, .coverage-page .badge.pending { background: #fef3c7; color: #92400e; }
.coverage-page .badge.expired { background: #e5e7eb; color: #4b5563; }
.coverage-page #silence-form input.invalid, .coverage-page #silence-form select.invalid { outline: 2px solid var(--bad); }
`;
