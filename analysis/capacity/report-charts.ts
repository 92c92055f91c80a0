// Inline SVG charts of the capacity report, drawn from the snapshot's numbers: no script is needed to see them.
import type { ForecastRow, HeadroomRow, ThroughputRow } from './snapshot.ts';
import { escapeHtml, formatPercent, formatValue, timeTicks, valueScale, type Tick } from './report-format.ts';

const W = 720;
const H = 280;
const M = { left: 78, right: 24, top: 18, bottom: 40 };

type Pt = readonly [number, number];

/** Coordinates are rounded to 0.1 px; a value that is not finite never reaches an attribute. */
function n(v: number): string {
  if (!Number.isFinite(v)) throw new Error(`cannot draw chart: coordinate ${v} is not finite`);
  return String(Math.round(v * 10) / 10);
}

function linear(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  return (v) => r0 + (v - d0) * k;
}

/** An SVG path through the points; `null` breaks the line. */
function linePath(pts: readonly (Pt | null)[], x: (v: number) => number, y: (v: number) => number): string {
  let d = '';
  let pen = false;
  for (const p of pts) {
    if (p === null) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${n(x(p[0]))},${n(y(p[1]))}`;
    pen = true;
  }
  return d;
}

function finite(...v: number[]): boolean {
  return v.every(Number.isFinite);
}

/** The chart root: `<svg class="chart" data-chart="kind:key">` with a `<title>` and an aria-label. */
function svgRoot(kind: string, key: string, title: string, height: number, body: string): string {
  const t = escapeHtml(title);
  return (
    `<svg class="chart" data-chart="${escapeHtml(`${kind}:${key}`)}" viewBox="0 0 ${W} ${height}" width="${W}" height="${height}" ` +
    `role="img" aria-label="${t}" xmlns="http://www.w3.org/2000/svg"><title>${t}</title>${body}</svg>`
  );
}

function axes(xt: readonly Tick[], yt: readonly Tick[], x: (v: number) => number, y: (v: number) => number, height: number): string {
  const bottom = height - M.bottom;
  let s = '<g class="grid">';
  for (const t of yt) s += `<line x1="${M.left}" x2="${W - M.right}" y1="${n(y(t.at))}" y2="${n(y(t.at))}"/>`;
  s += '</g><g class="axis">';
  for (const t of yt) s += `<text x="${M.left - 6}" y="${n(y(t.at) + 4)}" text-anchor="end">${escapeHtml(t.label)}</text>`;
  for (const t of xt) {
    s += `<line x1="${n(x(t.at))}" x2="${n(x(t.at))}" y1="${bottom}" y2="${bottom + 5}"/>`;
    s += `<text x="${n(x(t.at))}" y="${bottom + 18}" text-anchor="middle">${escapeHtml(t.label)}</text>`;
  }
  s += `<line x1="${M.left}" x2="${W - M.right}" y1="${bottom}" y2="${bottom}"/><line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${bottom}"/></g>`;
  return s;
}

/**
 * History line, forecast line with its shaded interval, and the capacity line of one forecast, over a
 * UTC time axis. Returns '' when the row has nothing finite to draw.
 */
export function forecastChart(row: ForecastRow): string {
  const hist = row.history.map(([t, v]) => (v !== null && finite(t, v) ? ([t, v] as Pt) : null));
  const fc = row.forecast.filter((p) => finite(...p));
  const ts = [...hist.filter((p) => p !== null).map((p) => p[0]), ...fc.map((p) => p[0])];
  if (ts.length < 2) return '';
  const vs = [...hist.filter((p) => p !== null).map((p) => p[1]), ...fc.flatMap((p) => [p[2], p[3]])];
  const cap = row.capacity !== undefined && Number.isFinite(row.capacity) ? row.capacity : undefined;
  if (cap !== undefined) vs.push(cap);
  const vmin = Math.min(...vs);
  const ys = valueScale(vmin >= 0 ? 0 : vmin, Math.max(...vs), row.unit);
  const t0 = Math.min(...ts);
  const t1 = Math.max(...ts);
  const x = linear(t0, t1, M.left, W - M.right);
  const y = linear(ys.lo, ys.hi, H - M.bottom, M.top);
  let body = axes(timeTicks(t0, t1), ys.ticks, x, y, H);
  if (fc.length > 0) {
    const upper = fc.map((p) => `${n(x(p[0]))},${n(y(p[3]))}`);
    const lower = fc.map((p) => `${n(x(p[0]))},${n(y(p[2]))}`).reverse();
    body += `<path class="band" d="M${[...upper, ...lower].join('L')}Z"/>`;
    body += `<line class="now" x1="${n(x(fc[0][0]))}" x2="${n(x(fc[0][0]))}" y1="${M.top}" y2="${H - M.bottom}"/>`;
  }
  body += `<path class="history" d="${linePath(hist, x, y)}"/>`;
  if (fc.length > 0) body += `<path class="forecast" d="${linePath(fc.map((p) => [p[0], p[1]] as Pt), x, y)}"/>`;
  if (cap !== undefined) {
    body += `<line class="capacity" x1="${M.left}" x2="${W - M.right}" y1="${n(y(cap))}" y2="${n(y(cap))}"/>`;
    body += `<text class="capacity-label" x="${W - M.right - 4}" y="${n(y(cap) - 5)}" text-anchor="end">capacity ${escapeHtml(formatValue(cap, row.unit))}</text>`;
  }
  const title = `${row.title}: history and ${Math.round(row.level * 100)} % forecast interval${cap !== undefined ? `, capacity ${formatValue(cap, row.unit)}` : ''}`;
  return svgRoot('forecast', row.key, title, H, body);
}

/** The label of a headroom bar: `site · model`. */
export function groupLabel(r: HeadroomRow): string {
  return `${r.site} · ${r.hwModel}`;
}

/** One horizontal bar per site and model, its length the headroom; negative bars go left of zero, in red. */
export function headroomChart(rows: readonly HeadroomRow[], key: string): string {
  const ok = rows.filter((r) => Number.isFinite(r.headroom));
  if (ok.length === 0) return '';
  const left = 190;
  const barH = 18;
  const height = M.top + ok.length * (barH + 6) + M.bottom;
  const lo = Math.min(0, ...ok.map((r) => r.headroom));
  const hi = Math.max(1, ...ok.map((r) => r.headroom));
  const xs = valueScale(lo, hi, '%', (v) => formatPercent(v));
  const x = linear(xs.lo, xs.hi, left, W - M.right);
  const bottom = height - M.bottom;
  let body = '<g class="grid">';
  for (const t of xs.ticks) body += `<line x1="${n(x(t.at))}" x2="${n(x(t.at))}" y1="${M.top}" y2="${bottom}"/>`;
  body += '</g><g class="axis">';
  for (const t of xs.ticks) body += `<text x="${n(x(t.at))}" y="${bottom + 18}" text-anchor="middle">${escapeHtml(t.label)}</text>`;
  body += `<line x1="${left}" x2="${W - M.right}" y1="${bottom}" y2="${bottom}"/></g>`;
  ok.forEach((r, i) => {
    const top = M.top + i * (barH + 6);
    const a = x(Math.min(0, r.headroom));
    const b = x(Math.max(0, r.headroom));
    const cls = r.headroom < 0 ? 'bar neg' : r.headroom < 0.2 ? 'bar low' : 'bar';
    body += `<text class="label" x="${left - 8}" y="${n(top + barH - 4)}" text-anchor="end">${escapeHtml(groupLabel(r))}</text>`;
    body += `<rect class="${cls}" x="${n(a)}" y="${n(top)}" width="${n(Math.max(b - a, 1))}" height="${barH}"><title>${escapeHtml(`${groupLabel(r)}: ${formatPercent(r.headroom)}`)}</title></rect>`;
  });
  body += `<line class="zero" x1="${n(x(0))}" x2="${n(x(0))}" y1="${M.top}" y2="${bottom}"/>`;
  return svgRoot('headroom', key, `Headroom by site and model, ${ok.length} groups, lowest ${formatPercent(Math.min(...ok.map((r) => r.headroom)))}`, height, body);
}

/** Where the curve first reaches y, by linear interpolation between its points; undefined if it never does. */
function crossing(curve: readonly Pt[], target: number): Pt | undefined {
  for (let i = 1; i < curve.length; i++) {
    const [xa, ya] = curve[i - 1];
    const [xb, yb] = curve[i];
    if ((ya - target) * (yb - target) <= 0 && ya !== yb) return [xa + ((target - ya) / (yb - ya)) * (xb - xa), target];
  }
  return undefined;
}

/**
 * Observed (concurrency, throughput) points of one hardware model with its fitted curve; the per-host
 * capacity at the target is a horizontal line with its range shaded, and a marker where the curve reaches it.
 */
export function throughputChart(row: ThroughputRow): string {
  const pts = row.points.filter((p) => finite(...p));
  const curve = row.curve.filter((p) => finite(...p));
  if (pts.length + curve.length === 0) return '';
  const all = [...pts, ...curve];
  const marks = [row.perHost, row.low, row.high].filter(Number.isFinite);
  const xs = valueScale(0, Math.max(...all.map((p) => p[0])), '');
  const ys = valueScale(0, Math.max(...all.map((p) => p[1]), ...marks), row.unit);
  const x = linear(xs.lo, xs.hi, M.left, W - M.right);
  const y = linear(ys.lo, ys.hi, H - M.bottom, M.top);
  let body = axes(xs.ticks, ys.ticks, x, y, H);
  body += `<text class="axis-label" x="${n((M.left + W - M.right) / 2)}" y="${H - 4}" text-anchor="middle">${escapeHtml(row.xLabel)}</text>`;
  body += `<text class="axis-label" transform="translate(14 ${n((M.top + H - M.bottom) / 2)}) rotate(-90)" text-anchor="middle">${escapeHtml(row.yLabel)}</text>`;
  if (finite(row.low, row.high) && row.high >= row.low) {
    body += `<rect class="range" x="${M.left}" y="${n(y(row.high))}" width="${W - M.right - M.left}" height="${n(Math.max(y(row.low) - y(row.high), 1))}"/>`;
  }
  for (const p of pts) body += `<circle class="point" cx="${n(x(p[0]))}" cy="${n(y(p[1]))}" r="3"/>`;
  if (curve.length > 1) body += `<path class="curve" d="${linePath(curve, x, y)}"/>`;
  if (Number.isFinite(row.perHost)) {
    const label = `${formatValue(row.perHost, row.unit)} per host at ${row.target}`;
    body += `<line class="target" x1="${M.left}" x2="${W - M.right}" y1="${n(y(row.perHost))}" y2="${n(y(row.perHost))}"/>`;
    const c = crossing(curve, row.perHost);
    if (c) body += `<circle class="knee" cx="${n(x(c[0]))}" cy="${n(y(c[1]))}" r="6"><title>${escapeHtml(label)}</title></circle>`;
    body += `<text class="target-label" x="${M.left + 6}" y="${n(y(row.perHost) - 6)}">${escapeHtml(label)}</text>`;
  }
  return svgRoot('throughput', row.hwModel, `Throughput per host of ${row.hwModel}: ${pts.length} observed points, fitted curve, capacity ${formatValue(row.perHost, row.unit)} at ${row.target}`, H, body);
}
