// Horizontal box plots drawn as SVG, one row per group: whiskers p05–p95, box p25–p75, a median line,
// a dot per host, outliers in red linking to their host page, and the number of hosts under the name.
// Reports itself in window.__fleetscope.charts as kind 'box'.
import { h } from '../lib/dom.ts';
import { formatNumber } from '../lib/format.ts';
import { probe } from '../lib/probe.ts';

export interface BoxGroup {
  readonly group: string;
  readonly hosts: number;
  readonly min: number;
  readonly p05: number;
  readonly p25: number;
  readonly p50: number;
  readonly p75: number;
  readonly p95: number;
  readonly max: number;
  readonly mean: number;
  readonly outliers: readonly { host: string; value: number }[];
}

export interface BoxPlotData {
  readonly groups: readonly BoxGroup[];
  readonly hosts: readonly { host: string; group: string; value: number }[];
  readonly from: number;
  readonly to: number;
  readonly title: string;
  readonly format?: (v: number | null | undefined) => string;
  /** Width to draw at, px (the container's). */
  readonly width?: number;
}

const NS = 'http://www.w3.org/2000/svg';

function svgEl(tag: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** About `n` round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, n = 6): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toPrecision(12));
  return out;
}

/** Deterministic jitter in [-1, 1] from a host name, so dots do not move between refreshes. */
function jitter(s: string): number {
  let x = 2166136261;
  for (let i = 0; i < s.length; i++) x = Math.imul(x ^ s.charCodeAt(i), 16777619);
  return ((x >>> 0) % 1000) / 500 - 1;
}

/** Draws the plot into a new element (`.boxplot`, `data-chart="compare-box"`). */
export function renderBoxPlot(id: string, d: BoxPlotData): HTMLElement {
  const fmt = d.format ?? formatNumber;
  const values = [...d.groups.flatMap((g) => [g.p05, g.p95, g.min, g.max]), ...d.hosts.map((x) => x.value)].filter(Number.isFinite);
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (!(hi > lo)) {
    lo -= 1;
    hi += 1;
  }
  const pad = (hi - lo) * 0.04;
  lo -= pad;
  hi += pad;
  const ticks = niceTicks(lo, hi);
  const longest = Math.max(4, ...d.groups.map((g) => g.group.length));
  const labelW = Math.min(220, longest * 7 + 16);
  const W = Math.max(360, Math.min(1400, Math.round(d.width ?? 640)));
  const rowH = d.groups.length > 14 ? 30 : d.groups.length > 8 ? 38 : 48;
  const top = 8;
  const H = top + d.groups.length * rowH + 28;
  const plotW = W - labelW - 16;
  const x = (v: number) => labelW + ((v - lo) / (hi - lo)) * plotW;
  const svg = svgEl('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': d.title });
  const tip = h('div.boxplot-tip');
  const box = h('div.boxplot', { dataset: { chart: id } }, svg as unknown as HTMLElement, tip);
  const showTip = (e: MouseEvent, text: string) => {
    const r = box.getBoundingClientRect();
    tip.textContent = text;
    tip.style.display = 'block';
    tip.style.left = `${e.clientX - r.left + 10}px`;
    tip.style.top = `${e.clientY - r.top - 26}px`;
  };
  const hideTip = () => (tip.style.display = 'none');

  const axis = svgEl('g', { class: 'axis' });
  for (const t of ticks) {
    axis.appendChild(svgEl('line', { x1: x(t), x2: x(t), y1: top - 4, y2: H - 22, stroke: '#eef0f3' }));
    axis.appendChild(svgEl('text', { x: x(t), y: H - 8, 'text-anchor': 'middle' }, fmt(t)));
  }
  svg.appendChild(axis);

  const byGroup = new Map<string, { host: string; value: number }[]>();
  for (const hv of d.hosts) (byGroup.get(hv.group) ?? byGroup.set(hv.group, []).get(hv.group)!).push(hv);

  d.groups.forEach((g, i) => {
    const cy = top + i * rowH + rowH / 2 - 4;
    const bh = rowH > 34 ? 16 : 12;
    const row = svgEl('g', { class: 'box-row', 'data-group': g.group, 'data-hosts': g.hosts });
    row.appendChild(svgEl('text', { x: labelW - 8, y: cy - 1, 'text-anchor': 'end', class: 'group-label' }, g.group.length > 30 ? `${g.group.slice(0, 29)}…` : g.group || '(none)'));
    row.appendChild(svgEl('text', { x: labelW - 8, y: cy + 12, 'text-anchor': 'end', class: 'group-n' }, `n = ${g.hosts} host${g.hosts === 1 ? '' : 's'}`));
    // Whisker p05–p95 with end caps, the box p25–p75 and the median.
    row.appendChild(svgEl('line', { x1: x(g.p05), x2: x(g.p95), y1: cy, y2: cy, stroke: '#4b5563' }));
    for (const v of [g.p05, g.p95]) row.appendChild(svgEl('line', { x1: x(v), x2: x(v), y1: cy - bh / 3, y2: cy + bh / 3, stroke: '#4b5563' }));
    const rect = svgEl('rect', { x: x(g.p25), y: cy - bh / 2, width: Math.max(1, x(g.p75) - x(g.p25)), height: bh, fill: '#bfdbfe', stroke: '#2563eb', class: 'box' });
    rect.addEventListener('mousemove', (e) =>
      showTip(e as MouseEvent, `${g.group}: p05 ${fmt(g.p05)} · p25 ${fmt(g.p25)} · median ${fmt(g.p50)} · p75 ${fmt(g.p75)} · p95 ${fmt(g.p95)} · mean ${fmt(g.mean)}`),
    );
    rect.addEventListener('mouseleave', hideTip);
    row.appendChild(rect);
    row.appendChild(svgEl('line', { x1: x(g.p50), x2: x(g.p50), y1: cy - bh / 2, y2: cy + bh / 2, stroke: '#1e3a8a', 'stroke-width': 2.5, class: 'median' }));
    row.appendChild(svgEl('path', { d: `M${x(g.mean)},${cy + bh / 2 + 1} l-3,5 h6 z`, fill: '#1e3a8a', class: 'mean' }));
    const outlierHosts = new Set(g.outliers.map((o) => o.host));
    const members = byGroup.get(g.group) ?? [];
    if (members.length <= 300) {
      for (const m of members) {
        if (outlierHosts.has(m.host)) continue;
        const dot = svgEl('circle', { cx: x(m.value), cy: cy + jitter(m.host) * (bh / 2 - 2), r: 2.2, class: 'host-dot', 'data-host': m.host });
        dot.addEventListener('mousemove', (e) => showTip(e as MouseEvent, `${m.host}: ${fmt(m.value)}`));
        dot.addEventListener('mouseleave', hideTip);
        row.appendChild(dot);
      }
    }
    for (const o of g.outliers) {
      const a = svgEl('a', { href: `/hosts/${encodeURIComponent(o.host)}`, 'data-nav': '', class: 'outlier', 'data-host': o.host, 'data-value': o.value });
      const t = svgEl('title', {}, `${o.host}: ${fmt(o.value)} (outlier, open host)`);
      a.appendChild(t);
      a.appendChild(svgEl('circle', { cx: x(o.value), cy, r: 4.5, fill: '#ef4444', stroke: '#7f1d1d', 'stroke-width': 1.2 }));
      a.appendChild(svgEl('text', { x: x(o.value), y: cy - 8, 'text-anchor': 'middle', fill: '#991b1b', 'font-size': 10 }, o.host));
      a.addEventListener('mousemove', (e) => showTip(e as MouseEvent, `${o.host}: ${fmt(o.value)} — click to open the host`));
      a.addEventListener('mouseleave', hideTip);
      row.appendChild(a);
    }
    svg.appendChild(row);
  });
  box.appendChild(h('div.boxplot-legend', 'whiskers p05–p95 · box p25–p75 · line median · ▲ mean · dots hosts · red: outliers beyond 1.5 IQR (click to open the host)'));

  const prev = probe.charts[id];
  probe.charts[id] = {
    id,
    title: d.title,
    kind: 'box',
    from: d.from,
    to: d.to,
    series: d.groups.map((g) => ({
      label: g.group,
      points: g.hosts,
      min: g.p05,
      max: g.p95,
      maxAt: null,
      p25: g.p25,
      p50: g.p50,
      p75: g.p75,
      mean: g.mean,
      outliers: g.outliers.map((o) => o.host),
    })),
    markers: d.groups.flatMap((g) => g.outliers.map((o) => ({ t: 0, v: o.value, text: o.host }))),
    spans: [],
    draws: (prev?.draws ?? 0) + 1,
  };
  return box;
}
