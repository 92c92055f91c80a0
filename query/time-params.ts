/**
 * Parses a time parameter: epoch milliseconds, ISO 8601, `now`, or a time relative to now such as
 * `-5m`, `now-1h` (units ms, s, m, h, d, w). Returns milliseconds since the epoch, or undefined when the
 * text is none of those.
 */
export function parseTime(text: string, now: number): number | undefined {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t);
  if (t === 'now') return now;
  const rel = /^(?:now)?-(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/.exec(t);
  if (rel) return now - Math.round(Number(rel[1]) * UNIT_MS[rel[2]]);
  if (/^\d{4}-\d{2}-\d{2}/.test(t)) {
    const iso = /[zZ]|[+-]\d{2}:?\d{2}$/.test(t) || !t.includes('T') && t.length <= 10 ? t : t + 'Z';
    const ms = Date.parse(iso.replace(' ', 'T'));
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Parses a duration (`10s`, `1m`, `500ms`, or plain seconds) into milliseconds; undefined when invalid. */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  if (/^\d+(?:\.\d+)?$/.test(t)) return Math.round(Number(t) * 1000);
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/.exec(t);
  return m ? Math.round(Number(m[1]) * UNIT_MS[m[2]]) : undefined;
}
