// The shared time bar: quick ranges, free from/to expressions, zoom out, auto-refresh and live mode.
// Everything it holds lives in the URL (from, to, refresh, live).
import { h, mount } from './dom.ts';
import { QUICK_RANGES, describeRange, parseTime, zoomOut, type Resolved, type TimeRange } from './time.ts';

export interface TimebarState {
  readonly range: TimeRange;
  readonly refresh: string;
  readonly live: boolean;
}

export interface TimebarHandlers {
  setRange(r: TimeRange): void;
  setRefresh(refresh: string, live: boolean): void;
  resolved(): Resolved;
  now(): number;
}

export const REFRESH_CHOICES = ['off', '10s', '30s', '1m', '5m'];

export function renderTimebar(el: HTMLElement, state: TimebarState | undefined, on: TimebarHandlers): void {
  if (!state) {
    el.replaceChildren();
    return;
  }
  const from = h('input.time', { name: 'from', value: state.range.from, size: 16, title: 'now-6h, now/d, an ISO date or epoch ms' });
  const to = h('input.time', { name: 'to', value: state.range.to, size: 16, title: 'now, now-1h, now+7d, an ISO date or epoch ms' });
  const error = h('span.time-error', { role: 'alert' });
  const apply = (e?: Event) => {
    e?.preventDefault();
    const now = on.now();
    const bad = [from, to].find((i) => parseTime(i.value, now) === undefined);
    if (bad) {
      error.textContent = `"${bad.value}" is not a time`;
      bad.focus();
      return;
    }
    if ((parseTime(from.value, now) ?? 0) >= (parseTime(to.value, now) ?? 0)) {
      error.textContent = 'from must be before to';
      return;
    }
    on.setRange({ from: from.value.trim(), to: to.value.trim() });
  };
  const refresh = h(
    'select',
    { name: 'refresh', title: 'auto-refresh (only while the range ends at now)', onchange: () => on.setRefresh(refresh.value, false) },
    REFRESH_CHOICES.map((c) => h('option', { value: c, selected: c === (state.refresh || 'off') }, c === 'off' ? 'refresh off' : `every ${c}`)),
  );
  mount(
    el,
    h(
      'div.quick',
      QUICK_RANGES.map((q) =>
        h('button', { type: 'button', class: state.range.from === q.from && state.range.to === 'now' ? 'on' : '', onclick: () => on.setRange({ from: q.from, to: 'now' }) }, q.label),
      ),
    ),
    h('form.range', { onsubmit: apply }, from, h('span', '→'), to, h('button', { type: 'submit' }, 'apply'), error),
    h('button', { type: 'button', name: 'zoom-out', title: 'twice the range', onclick: () => on.setRange(zoomOut(on.resolved(), on.now())) }, 'zoom out'),
    refresh,
    h(
      'button',
      {
        type: 'button',
        name: 'live',
        class: state.live ? 'on live' : 'live',
        title: 'follow new data every 5 s (pauses while the pointer is on a chart)',
        onclick: () => on.setRefresh(state.refresh, !state.live),
      },
      state.live ? '● live' : '○ live',
    ),
    h('span.range-label', describeRange(state.range, on.now())),
  );
}
