// Time charts on uPlot: lines, group envelopes (min–max band around the group's line), the detector's
// expected band, anomaly markers, shaded alert windows and asset-change annotations. Drag to zoom hands
// the new range to the page, which puts it in the URL and fetches again; the server already reduced
// the data to the chart's pixel width (M4), so nothing is averaged away here.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { h } from './dom.ts';
import { formatNumber } from './format.ts';
import { probe, type DrawnSeries } from './probe.ts';
import { formatTime } from './time.ts';

export interface Line {
  readonly label: string;
  readonly t: readonly number[];
  readonly v: readonly (number | null)[];
  readonly color?: string;
  readonly dash?: number[];
  /** Min and max around the line (a group's envelope, or the expected band), drawn as a shaded area. */
  readonly low?: readonly (number | null)[];
  readonly high?: readonly (number | null)[];
}

export interface Marker {
  readonly t: number;
  readonly v: number;
  readonly text: string;
  readonly color?: string;
}

/** A shaded window (`end` given) or a vertical line at `start`, labelled. */
export interface Span {
  readonly start: number;
  readonly end?: number;
  readonly text: string;
  readonly color?: string;
}

export interface ChartData {
  readonly from: number;
  readonly to: number;
  readonly lines: readonly Line[];
  readonly markers?: readonly Marker[];
  readonly spans?: readonly Span[];
}

export interface ChartOptions {
  readonly id: string;
  readonly title?: string;
  readonly height?: number;
  readonly format?: (v: number | null | undefined) => string;
  /** Called with the dragged range (epoch ms); without it, dragging does nothing. */
  readonly onZoom?: (from: number, to: number) => void;
  /** Called while the pointer is over the chart (live charts pause then). */
  readonly onHover?: (hovering: boolean) => void;
}

export const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777', '#4b5563', '#65a30d', '#7c3aed', '#0d9488'];

/** A chart's drawing width in device pixels: what the server reduces the data to. */
export function pixelWidth(el: HTMLElement): number {
  const w = el.clientWidth || el.parentElement?.clientWidth || 800;
  return Math.max(100, Math.min(10_000, Math.round(w * (window.devicePixelRatio || 1))));
}

function alpha(color: string, a: number): string {
  const n = parseInt(color.slice(1), 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${a})`;
}

function stats(label: string, t: ArrayLike<number>, v: ArrayLike<number | null | undefined>): DrawnSeries {
  let points = 0;
  let min: number | null = null;
  let max: number | null = null;
  let maxAt: number | null = null;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (x === null || x === undefined || !Number.isFinite(x)) continue;
    points++;
    if (min === null || x < min) min = x;
    if (max === null || x > max) {
      max = x;
      maxAt = t[i];
    }
  }
  return { label, points, min, max, maxAt };
}

/** Tick labels in UTC, 24-hour: `14:30` within a day, `11-22 14:30` beyond, `11-22` at midnight of long ranges. */
export function timeTicks(splits: number[], span: number): string[] {
  return splits.map((ms) => {
    const iso = new Date(ms).toISOString();
    const hm = iso.slice(11, 16);
    if (span <= 86_400_000) return hm;
    return hm === '00:00' || span > 10 * 86_400_000 ? iso.slice(5, 10) : `${iso.slice(5, 10)} ${hm}`;
  });
}

/**
 * Value tick labels: the chart's formatter, unless it would print two ticks alike (3 significant digits
 * on a narrow range of large values); then enough decimals of the common SI prefix to tell them apart.
 */
export function axisTicks(splits: number[], fmt: (v: number) => string): string[] {
  const labels = splits.map((v) => fmt(v));
  if (new Set(labels).size === labels.length || splits.length < 2) return labels;
  const top = Math.max(...splits.map(Math.abs));
  const exp = top >= 1000 ? Math.min(15, Math.floor(Math.log10(top) / 3) * 3) : 0;
  const step = Math.abs(splits[1] - splits[0]) / 10 ** exp;
  const decimals = Math.max(0, Math.min(6, -Math.floor(Math.log10(step))));
  const prefix = ['', 'k', 'M', 'G', 'T', 'P'][exp / 3];
  return splits.map((v) => `${(v / 10 ** exp).toFixed(decimals)}${prefix}`);
}

/** Draws spans and annotation lines under the series. */
function spansPlugin(get: () => readonly Span[]): uPlot.Plugin {
  return {
    hooks: {
      drawClear: (u: uPlot) => {
        const { ctx } = u;
        const { top, height, left, width } = u.bbox;
        ctx.save();
        ctx.font = `${Math.round(11 * devicePixelRatio)}px system-ui, sans-serif`;
        for (const s of get()) {
          const at = u.valToPos(s.start, 'x', true);
          const x0 = Math.max(left, at);
          if (s.end !== undefined) {
            const x1 = Math.min(left + width, u.valToPos(s.end, 'x', true));
            if (x1 <= left || x0 >= left + width) continue;
            ctx.fillStyle = alpha(s.color ?? '#dc2626', 0.12);
            ctx.fillRect(x0, top, Math.max(2, x1 - x0), height);
          } else {
            if (at < left || at > left + width) continue;
            ctx.strokeStyle = s.color ?? '#7c3aed';
            ctx.setLineDash([4 * devicePixelRatio, 3 * devicePixelRatio]);
            ctx.beginPath();
            ctx.moveTo(x0, top);
            ctx.lineTo(x0, top + height);
            ctx.stroke();
            ctx.setLineDash([]);
          }
          ctx.fillStyle = s.color ?? '#7c3aed';
          ctx.fillText(s.text.slice(0, 40), x0 + 3 * devicePixelRatio, top + 12 * devicePixelRatio);
        }
        ctx.restore();
      },
    },
  };
}

/** A time chart that can be given new data; `destroy` when the page goes. */
export class TimeChart {
  readonly el: HTMLDivElement;
  private plot: uPlot | undefined;
  private data: ChartData | undefined;
  private draws = 0;
  private readonly resize: ResizeObserver;
  private readonly body: HTMLDivElement;

  constructor(
    parent: HTMLElement,
    private readonly opts: ChartOptions,
  ) {
    this.body = h('div.chart-body');
    this.el = h('div.chart', { dataset: { chart: opts.id } }, opts.title ? h('div.chart-title', opts.title) : null, this.body);
    parent.appendChild(this.el);
    this.el.addEventListener('mouseenter', () => opts.onHover?.(true));
    this.el.addEventListener('mouseleave', () => opts.onHover?.(false));
    this.resize = new ResizeObserver(() => {
      if (this.plot && this.body.clientWidth > 0) this.plot.setSize({ width: this.body.clientWidth, height: this.opts.height ?? 280 });
    });
    this.resize.observe(this.body);
  }

  /** The width in device pixels that data for this chart should be reduced to. */
  get pixelWidth(): number {
    return pixelWidth(this.body);
  }

  set(data: ChartData): void {
    this.data = data;
    const fmt = this.opts.format ?? formatNumber;
    // One table per line ([t, v] or [t, v, low, high]) and one for the markers; uPlot.join aligns them
    // on the union of times, leaving undefined (not drawn, not a gap) where a table has no point.
    const tables: uPlot.AlignedData[] = [];
    const series: uPlot.Series[] = [{ label: 'time', value: (_u, v) => (v == null ? '–' : formatTime(v)) }];
    const bands: uPlot.Band[] = [];
    let idx = 1;
    data.lines.forEach((line, i) => {
      const color = line.color ?? PALETTE[i % PALETTE.length];
      const withBand = line.low !== undefined && line.high !== undefined;
      tables.push(withBand ? [line.t as number[], line.v as number[], line.high as number[], line.low as number[]] : [line.t as number[], line.v as number[]]);
      series.push({ label: line.label, stroke: color, width: 1.25, dash: line.dash, spanGaps: false, value: (_u, v) => fmt(v) });
      if (withBand) {
        series.push({ label: `${line.label} max`, stroke: alpha(color, 0.35), width: 0.5, value: (_u, v) => fmt(v), spanGaps: false });
        series.push({ label: `${line.label} min`, stroke: alpha(color, 0.35), width: 0.5, value: (_u, v) => fmt(v), spanGaps: false });
        bands.push({ series: [idx + 1, idx + 2], fill: alpha(color, 0.13) });
        idx += 3;
      } else idx += 1;
    });
    const markers = data.markers ?? [];
    if (markers.length > 0) {
      const ms = [...markers].sort((a, b) => a.t - b.t);
      tables.push([ms.map((m) => m.t), ms.map((m) => m.v)]);
      series.push({
        label: 'anomalies',
        stroke: '#dc2626',
        fill: '#dc2626',
        paths: () => null,
        points: { show: true, size: 9, width: 2, stroke: '#7f1d1d', fill: '#ef4444' },
        value: (_u, v) => (v == null ? '' : fmt(v)),
      });
    }
    const aligned = tables.length === 0 ? ([[]] as unknown as uPlot.AlignedData) : tables.length === 1 ? tables[0] : uPlot.join(tables);
    this.plot?.destroy();
    this.body.replaceChildren();
    const width = this.body.clientWidth || 800;
    const opts: uPlot.Options = {
      width,
      height: this.opts.height ?? 280,
      ms: 1,
      series,
      bands,
      scales: { x: { time: true, min: data.from, max: data.to } },
      axes: [{ stroke: '#4b5563', grid: { stroke: '#e5e7eb' }, values: (_u, splits) => timeTicks(splits, data.to - data.from), space: 70 }, { stroke: '#4b5563', grid: { stroke: '#e5e7eb' }, size: 60, values: (_u, splits) => axisTicks(splits, fmt) }],
      cursor: { drag: { x: true, y: false, setScale: false }, points: { size: 6 } },
      legend: { live: true },
      plugins: [spansPlugin(() => this.data?.spans ?? [])],
      hooks: {
        setSelect: [
          (u) => {
            if (u.select.width < 4 || !this.opts.onZoom) return;
            const from = u.posToVal(u.select.left, 'x');
            const to = u.posToVal(u.select.left + u.select.width, 'x');
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
            this.opts.onZoom(Math.round(from), Math.round(to));
          },
        ],
        draw: [() => this.report()],
      },
    };
    this.plot = new uPlot(opts, aligned, this.body);
  }

  /** Publishes what was drawn to `window.__fleetscope.charts`. */
  private report(): void {
    const u = this.plot;
    const d = this.data;
    if (!u || !d) return;
    this.draws++;
    const drawn: DrawnSeries[] = [];
    for (let i = 1; i < u.series.length; i++) {
      const label = String(u.series[i].label ?? '');
      if (label === 'anomalies') continue;
      drawn.push(stats(label, u.data[0] as number[], u.data[i] as (number | null)[]));
    }
    probe.charts[this.opts.id] = {
      id: this.opts.id,
      title: this.opts.title ?? '',
      kind: 'time',
      from: d.from,
      to: d.to,
      series: drawn,
      markers: (d.markers ?? []).map((m) => ({ t: m.t, v: m.v, text: m.text })),
      spans: (d.spans ?? []).map((s) => ({ start: s.start, end: s.end, text: s.text })),
      draws: this.draws,
    };
    if (probe.firstChartMs === undefined && drawn.some((x) => x.points > 0)) probe.firstChartMs = performance.now();
  }

  destroy(): void {
    this.resize.disconnect();
    this.plot?.destroy();
    delete probe.charts[this.opts.id];
    this.el.remove();
  }
}
