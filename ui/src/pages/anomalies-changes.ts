// "What changed before": the changes that preceded the selected anomaly, ranked by
// GET /api/v1/anomalies/{id}/changes, each with how it reached the host, how long before, and whether
// the hosts that got it were anomalous more often than their peers that did not.
import { api } from '../lib/api.ts';
import { CHANGE_COLORS } from '../lib/changes.ts';
import { h, mount, notice, table } from '../lib/dom.ts';
import { reportValues } from '../lib/probe.ts';
import { formatSpan, formatTime } from '../lib/time.ts';
import { describeError, isMissingRoute, type Anomaly } from './anomalies-api.ts';

/** One candidate of the answer. */
export interface ChangeCandidate {
  readonly change: {
    readonly id: string;
    readonly ts: number;
    readonly kind: string;
    readonly scope?: { readonly kind: string; readonly hosts?: readonly string[] } | string;
    readonly description: string;
    readonly link?: string;
  };
  readonly relation: 'host' | 'group' | 'fleet';
  readonly lagMs: number;
  readonly evidence: {
    readonly changed: { readonly hosts: number; readonly anomalous: number };
    readonly unchanged: { readonly hosts: number; readonly anomalous: number };
    readonly pValue: number;
    readonly significant: boolean;
    readonly verdict: string;
  } | null;
  readonly score: number;
  readonly note?: string;
}

interface ChangesAnswer {
  readonly window: number;
  readonly after: number;
  readonly peers?: { readonly field: string | null; readonly value: string | null; readonly hosts: number };
  readonly changes: readonly ChangeCandidate[];
}

/** "12 min before", "2 h 5 min before", "at the same time". */
export function lagText(ms: number): string {
  const min = Math.round(ms / 60_000);
  if (ms <= 0) return 'at the same time';
  if (min < 1) return `${Math.max(1, Math.round(ms / 1000))} s before`;
  if (min < 60) return `${min} min before`;
  const hours = Math.floor(min / 60);
  if (hours < 24) return `${hours} h${min % 60 ? ` ${min % 60} min` : ''} before`;
  const days = Math.floor(hours / 24);
  return `${days} d${hours % 24 ? ` ${hours % 24} h` : ''} before`;
}

function pText(p: number): string {
  return p < 0.001 ? p.toExponential(1) : String(+p.toPrecision(2));
}

function evidenceCell(c: ChangeCandidate): HTMLElement {
  const e = c.evidence;
  if (!e) return h('span.muted', c.note ?? 'no comparison');
  return h(
    'span',
    { class: e.significant ? 'evidence significant' : 'evidence', title: e.verdict },
    h('strong', e.significant ? 'significant' : 'not significant'),
    ` · p = ${pText(e.pValue)} · changed hosts ${e.changed.anomalous} of ${e.changed.hosts} anomalous vs ${e.unchanged.anomalous} of ${e.unchanged.hosts}`,
  );
}

/** Fills `box` for the selected anomaly: a heading, then the candidates, an empty state or the error. */
export async function renderChanges(box: HTMLElement, target: Anomaly | undefined, signal: AbortSignal): Promise<void> {
  const title = h('h2', 'What changed before');
  if (!target) {
    box.replaceChildren();
    delete box.dataset.anomalyId;
    return;
  }
  if (!target.id) {
    mount(box, title, notice('info', 'This anomaly has no id, so the changes before it cannot be ranked.'));
    return;
  }
  box.dataset.anomalyId = target.id;
  mount(box, title, h('div.status', 'looking for changes before this anomaly…'));
  let r: ChangesAnswer;
  try {
    r = await api.get<ChangesAnswer>(`/api/v1/anomalies/${encodeURIComponent(target.id)}/changes`, {}, signal);
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    if (signal.aborted) return;
    mount(box, title, notice(isMissingRoute(err) ? 'info' : 'error', isMissingRoute(err) ? 'This server does not rank changes before anomalies.' : `cannot load the changes before this anomaly: ${describeError(err)}`));
    return;
  }
  if (signal.aborted) return;
  reportValues('anomaly-changes', 'changes before the anomaly', 'table', [['score', r.changes.map((c) => c.score)]]);
  const peers = r.peers ? ` Peers compared: ${r.peers.hosts} hosts${r.peers.field ? ` with ${r.peers.field} ${r.peers.value}` : ''}.` : '';
  const intro = h('p.muted', `Changes to ${target.host}, its groups or the fleet in the ${formatSpan(r.window)} before ${formatTime(target.ts, false)}, best explanation first; a host counts as anomalous within ${formatSpan(r.after)} of a change.${peers}`);
  if (r.changes.length === 0) {
    mount(box, title, intro, notice('info', `No change was recorded for ${target.host}, its groups or the fleet in the ${formatSpan(r.window)} before this anomaly.`));
    return;
  }
  const t = table(
    ['kind', 'relation', 'when', 'description', 'evidence', 'score'],
    r.changes.map((c) => [
      h('span.badge.change-kind', { style: { background: CHANGE_COLORS[c.change.kind] ?? CHANGE_COLORS.other, color: '#fff' } }, c.change.kind),
      c.relation,
      h('span', { title: formatTime(c.change.ts) }, lagText(c.lagMs)),
      c.change.link ? h('a', { href: c.change.link, ...(c.change.link.startsWith('/') ? { 'data-nav': '' } : { target: '_blank', rel: 'noopener' }) }, c.change.description) : c.change.description,
      evidenceCell(c),
      c.score.toFixed(2),
    ]),
    { numeric: [false, false, false, false, false, true] },
  );
  t.querySelectorAll('tbody tr').forEach((tr, i) => {
    const row = tr as HTMLElement;
    row.dataset.changeId = r.changes[i].change.id;
    row.dataset.relation = r.changes[i].relation;
  });
  mount(box, title, intro, t);
}
