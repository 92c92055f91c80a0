// The UI's shared time range written in the query language, and adding it to queries that do not say
// their own range (dashboard panels), so every panel follows the time bar.
import type { Resolved, TimeRange } from '../lib/time.ts';

/** Durations the language takes: whole numbers of ms, s, m, h, d, w (no months or years). */
const LANG_INSTANT = /^now(?:[+-]\d+(?:ms|s|m|h|d|w))?$/;

function iso(ms: number): string {
  return `@${new Date(ms).toISOString()}`;
}

/**
 * The range as the language writes it: `last 6h` for "now-6h … now", `from now-2h to now-1h` for other
 * relative ranges it can say, else absolute instants `from @2026-11-22T01:00:00.000Z to @…`. Run the
 * query with `now` = `resolved.to` when the range ends at now, so it covers what the charts show.
 */
export function rangeClause(r: TimeRange, resolved: Resolved): string {
  const from = r.from.trim();
  const to = r.to.trim();
  const last = /^now-(\d+(?:ms|s|m|h|d|w))$/.exec(from);
  if (last && to === 'now') return `last ${last[1]}`;
  if (LANG_INSTANT.test(from) && LANG_INSTANT.test(to)) return `from ${from} to ${to}`;
  return `from ${iso(resolved.from)} to ${iso(resolved.to)}`;
}

/** Positions in `text` outside string literals, backquoted names and `//` comments. */
function codeMask(text: string): boolean[] {
  const code = new Array<boolean>(text.length).fill(true);
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"' || c === "'" || c === '`') {
      const start = i++;
      while (i < text.length && text[i] !== c) i += text[i] === '\\' && c !== '`' ? 2 : 1;
      for (let j = start; j <= Math.min(i, text.length - 1); j++) code[j] = false;
      i++;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') code[i++] = false;
    } else i++;
  }
  return code;
}

/**
 * Adds `clause` to every `metric …` source of `query` that has no `last` or `from`; a source ends at
 * the first `|`, `;` or end of text, and `live` stays last. Other queries come back unchanged.
 */
export function withRange(query: string, clause: string): string {
  const code = codeMask(query);
  const word = /\bmetric\b/g;
  const inserts: { at: number; text: string }[] = [];
  for (let m = word.exec(query); m; m = word.exec(query)) {
    if (!code[m.index]) continue;
    let end = m.index;
    while (end < query.length && !(code[end] && (query[end] === '|' || query[end] === ';'))) end++;
    const src = query.slice(m.index, end);
    const srcCode = src.replace(/./gs, (ch, k: number) => (code[m!.index + k] ? ch : ' '));
    if (/\b(last|from)\b/.test(srcCode)) continue;
    const len = src.trimEnd().length;
    const liveAt = /\blive$/.test(srcCode.slice(0, len)) ? m.index + len - 4 : -1;
    const at = liveAt >= 0 ? liveAt : m.index + len;
    inserts.push({ at, text: liveAt >= 0 ? `${clause} ` : ` ${clause}` });
  }
  let out = query;
  for (const ins of inserts.reverse()) out = out.slice(0, ins.at) + ins.text + out.slice(ins.at);
  return out;
}

/** True when the query text says its own range for every metric source. */
export function hasOwnRange(query: string): boolean {
  return withRange(query, 'X') === query;
}
