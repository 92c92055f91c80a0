// Text helpers of the capacity report: HTML escaping, values with SI or binary prefixes, UTC dates, axis ticks.

const DAY = 86_400_000;

/** Escapes `& < > " '` so any string from the data is inert in HTML text and in quoted attributes. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** True for byte units, which take binary prefixes (KiB, MiB…); every other unit takes SI prefixes. */
function isBinary(unit: string): boolean {
  return /^(B|bytes?)(\/s)?$/i.test(unit);
}

/** Units that read as-is, never with a prefix. */
function isPlain(unit: string): boolean {
  return unit === '%' || unit === 'ratio' || unit === 'days' || unit === 's' || unit === 'ms';
}

function trim(n: number, digits: number): string {
  return String(Number(n.toPrecision(digits)));
}

/**
 * Formats a value with its unit, `1.5 GiB`, `12.3 Gbit/s`, `850 req/s`, three significant digits.
 * Bytes take binary prefixes (a `bytes` unit prints as `B`); other units SI prefixes. A value that is
 * not a finite number prints as `–`.
 */
export function formatValue(v: number, unit: string, digits = 3): string {
  if (!Number.isFinite(v)) return '–';
  const sep = unit === '%' || unit === '' ? '' : ' ';
  if (isPlain(unit)) return `${trim(v, digits)}${sep}${unit}`;
  const binary = isBinary(unit);
  const base = binary ? 1024 : 1000;
  const prefixes = binary ? ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'] : ['', 'k', 'M', 'G', 'T', 'P', 'E'];
  const u = binary ? unit.replace(/^bytes?/i, 'B') : unit;
  let i = 0;
  let x = Math.abs(v);
  while (x >= base && i < prefixes.length - 1) {
    x /= base;
    i++;
  }
  // Rounding 1023.9 KiB to 3 digits gives 1020 KiB, never "1.02e+3".
  const text = trim(Math.sign(v) * x, digits);
  const p = prefixes[i];
  return `${text}${u || p ? ' ' : ''}${p}${u}`;
}

/** A fraction as a percentage, `-12.5 %`; `–` when not finite. */
export function formatPercent(f: number): string {
  return Number.isFinite(f) ? `${String(Number((f * 100).toFixed(1)))} %` : '–';
}

/** An epoch-ms time as UTC text: `2026-11-22` (day), `2026-11-22 14:05` (minute) or `2026-11` (month). */
export function formatTime(t: number, precision: 'day' | 'minute' | 'month' = 'minute'): string {
  if (!Number.isFinite(t)) return '–';
  const iso = new Date(t).toISOString();
  if (precision === 'month') return iso.slice(0, 7);
  if (precision === 'day') return iso.slice(0, 10);
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
}

/** One tick of an axis: where it is and what it says. */
export interface Tick {
  readonly at: number;
  readonly label: string;
}

const TIME_STEPS = [60_000, 300_000, 900_000, 1_800_000, 3_600_000, 3 * 3_600_000, 6 * 3_600_000, 12 * 3_600_000, DAY, 2 * DAY, 7 * DAY, 14 * DAY];

/**
 * Time-axis ticks over [from, to] at round UTC times: minutes, hours, days, Mondays or first days of
 * months, whichever gives at most `max` ticks. Labels say only what changes (hours within a day, days
 * over weeks, months over a year).
 */
export function timeTicks(from: number, to: number, max = 7): Tick[] {
  if (!(Number.isFinite(from) && Number.isFinite(to)) || to <= from) return [];
  const span = to - from;
  const step = TIME_STEPS.find((s) => span / s <= max);
  if (step === undefined) return monthTicks(from, to, max);
  // Epoch day 4 (1970-01-05) is a Monday: weekly ticks fall on Mondays.
  const offset = step >= 7 * DAY ? 4 * DAY : 0;
  const ticks: Tick[] = [];
  const precision = step >= DAY ? 'day' : 'minute';
  for (let t = Math.ceil((from - offset) / step) * step + offset; t <= to; t += step) {
    ticks.push({ at: t, label: precision === 'minute' && span <= DAY ? formatTime(t).slice(11) : formatTime(t, precision) });
  }
  return ticks;
}

function monthTicks(from: number, to: number, max: number): Tick[] {
  const monthsSpanned = (to - from) / (30.44 * DAY);
  const months = [1, 2, 3, 6, 12, 24, 60].find((m) => monthsSpanned / m <= max) ?? 120;
  const d = new Date(from);
  const y = d.getUTCFullYear();
  const ticks: Tick[] = [];
  for (let m = Math.ceil(d.getUTCMonth() / months) * months; ticks.length < 100; m += months) {
    const t = Date.UTC(y, m, 1);
    if (t > to) break;
    if (t >= from) ticks.push({ at: t, label: formatTime(t, 'month') });
  }
  return ticks;
}

/** A value axis: rounded bounds that contain the data and ticks at round values in the unit's prefixes. */
export interface ValueScale {
  readonly lo: number;
  readonly hi: number;
  readonly ticks: readonly Tick[];
}

/**
 * A value axis over [lo, hi] with about 5 ticks at 1, 2 or 5 × a power of ten (of 1024 for bytes,
 * so ticks read `256 GiB`, `512 GiB`). Widens an empty range so a flat series still has an axis.
 */
export function valueScale(lo: number, hi: number, unit: string, format: (v: number) => string = (v) => formatValue(v, unit)): ValueScale {
  if (!(Number.isFinite(lo) && Number.isFinite(hi))) return { lo: 0, hi: 1, ticks: [] };
  if (hi - lo <= Math.abs(hi) * 1e-9) {
    const pad = Math.abs(hi) * 0.1 || 1;
    lo -= pad;
    hi += pad;
  }
  const raw = (hi - lo) / 5;
  const binary = isBinary(unit) && raw >= 1;
  const base = binary ? 1024 ** Math.floor(Math.log(raw) / Math.log(1024)) : 1;
  const r = raw / base;
  const mag = 10 ** Math.floor(Math.log10(r));
  const nice = [1, 2, 5, 10].map((k) => k * mag).find((s) => s >= r * 0.999) ?? 10 * mag;
  // In bytes, 1000 GiB reads worse than 1 TiB: go up a prefix.
  const step = binary && nice >= 1000 ? base * 1024 : nice * base;
  const nlo = Math.floor(lo / step) * step;
  const nhi = Math.ceil(hi / step) * step;
  const ticks: Tick[] = [];
  for (let i = 0, v = nlo; v <= nhi + step * 1e-9 && i < 50; i++, v = nlo + i * step) {
    ticks.push({ at: v, label: format(Math.abs(v) < step * 1e-9 ? 0 : v) });
  }
  return { lo: nlo, hi: nhi, ticks };
}
