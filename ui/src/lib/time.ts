// Time ranges as people type them: `now`, `now-6h`, `now/d` (start of today, UTC), `now+7d` (into a
// forecast), ISO 8601 or epoch milliseconds. A range keeps the text, so "last 6h" stays relative in a
// shared URL; `resolve` turns it into milliseconds once per refresh, shared by every panel.

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, M: 30 * 86_400_000, y: 365 * 86_400_000 };

export interface TimeRange {
  readonly from: string;
  readonly to: string;
}

export interface Resolved {
  readonly from: number;
  readonly to: number;
}

export const QUICK_RANGES: readonly { label: string; from: string }[] = [
  { label: '15m', from: 'now-15m' },
  { label: '1h', from: 'now-1h' },
  { label: '6h', from: 'now-6h' },
  { label: '24h', from: 'now-24h' },
  { label: '7d', from: 'now-7d' },
  { label: '30d', from: 'now-30d' },
];

/** Milliseconds for a duration such as `10s`, `5m`, `1h`; undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w|M|y)$/.exec(text.trim());
  return m ? Math.round(Number(m[1]) * UNIT_MS[m[2]]) : undefined;
}

/** Epoch ms for a time expression, or undefined when the text is not one. */
export function parseTime(text: string, now: number): number | undefined {
  const t = text.trim();
  if (/^\d{10,}$/.test(t)) return Number(t);
  const m = /^now(\/[dwh])?(?:([+-])(\d+(?:\.\d+)?)(ms|s|m|h|d|w|M|y))?$/.exec(t);
  if (m) {
    let base = now;
    if (m[1] === '/h') base = Math.floor(now / 3_600_000) * 3_600_000;
    if (m[1] === '/d') base = Math.floor(now / 86_400_000) * 86_400_000;
    if (m[1] === '/w') base = Math.floor((now / 86_400_000 + 3) / 7) * 7 * 86_400_000 - 3 * 86_400_000; // Monday
    if (!m[2]) return base;
    const d = Math.round(Number(m[3]) * UNIT_MS[m[4]]);
    return m[2] === '-' ? base - d : base + d;
  }
  if (/^\d{4}-\d{2}-\d{2}/.test(t)) {
    const iso = /[zZ]|[+-]\d{2}:?\d{2}$/.test(t) || (!t.includes('T') && !t.includes(' ')) ? t : `${t}Z`;
    const ms = Date.parse(iso.replace(' ', 'T'));
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

/** Resolves a range at `now`; throws a readable error for text that is not a time or an empty range. */
export function resolveRange(r: TimeRange, now: number): Resolved {
  const from = parseTime(r.from, now);
  const to = parseTime(r.to, now);
  if (from === undefined) throw new Error(`"${r.from}" is not a time: use now-6h, an ISO date or epoch ms`);
  if (to === undefined) throw new Error(`"${r.to}" is not a time: use now, now-1h, an ISO date or epoch ms`);
  if (!(from < to)) throw new Error(`the range must start before it ends (${r.from} … ${r.to})`);
  return { from, to };
}

/** True when the range ends at now, so refreshing it shows new data. */
export function isRelative(r: TimeRange): boolean {
  return /^now([+-].*)?$/.test(r.to.trim());
}

/** Twice as long, around the same middle (the "zoom out" button); absolute from then on. */
export function zoomOut(r: Resolved, now: number): TimeRange {
  const span = r.to - r.from;
  let to = r.to + span / 2;
  let from = r.from - span / 2;
  if (to > now) {
    from -= to - now;
    to = now;
  }
  return { from: String(Math.round(from)), to: to === now ? 'now' : String(Math.round(to)) };
}

/** A short label for a span of milliseconds: 90s → "1.5m", 3h, 30d. */
export function formatSpan(ms: number): string {
  const units: [string, number][] = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]];
  for (const [u, n] of units) if (ms >= n) return `${+(ms / n).toFixed(1)}${u}`;
  return `${ms}ms`;
}

/** `2026-11-22 14:05:00Z`, or without seconds for coarse ranges. */
export function formatTime(ms: number, withSeconds = true): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, withSeconds ? 19 : 16)}Z`;
}

/** A label for the range: "last 6h" or "from … to …". */
export function describeRange(r: TimeRange, now: number): string {
  const m = /^now-(.+)$/.exec(r.from.trim());
  if (m && r.to.trim() === 'now') return `last ${m[1]}`;
  try {
    const x = resolveRange(r, now);
    return `${formatTime(x.from, false)} → ${formatTime(x.to, false)}`;
  } catch {
    return `${r.from} → ${r.to}`;
  }
}
