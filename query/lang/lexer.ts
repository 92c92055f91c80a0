// Turns query text into tokens. Literals are whole tokens here (durations `1h30m`, instants
// `@2026-01-01T00:00:00Z`, strings), so the parser never looks at characters.
import type { Span } from './ast.ts';
import { QueryError, didYouMean } from './errors.ts';

interface TokenBase {
  /** The source text of the token, exactly as written. */
  readonly text: string;
  readonly start: number;
  readonly end: number;
  readonly line: number;
  readonly col: number;
  /** Whether whitespace or a comment separates the token from the one before it. */
  readonly spaceBefore: boolean;
}

/**
 * One token. Words are all `ident`: keywords are contextual, so the parser decides. A lexical error
 * becomes an `error` token at its place and ends the list, so the parser reports errors in text order;
 * otherwise the list ends with `eof`, whose span is empty and sits right after the last token.
 */
export type Token = TokenBase &
  (
    | { readonly kind: 'ident'; readonly name: string; /** Written in backquotes: never a keyword. */ readonly quoted: boolean }
    | { readonly kind: 'number'; readonly value: number; /** Written as plain digits. */ readonly integer: boolean }
    | { readonly kind: 'duration'; readonly ms: number }
    | { readonly kind: 'string'; readonly value: string }
    | { readonly kind: 'instant'; readonly ms: number }
    | { readonly kind: 'ref'; readonly name: string }
    | { readonly kind: 'punct' }
    | { readonly kind: 'eof' }
    | { readonly kind: 'error'; readonly error: QueryError }
  );

/** Milliseconds per duration unit, largest first. */
export const DURATION_UNITS: Readonly<Record<string, number>> = { w: 604_800_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 };

/** Tokenizes `text`. Never throws: a lexical error is the last token. */
export function lex(text: string): Token[] {
  return new Lexer(text).run();
}

/** Writes milliseconds as a duration, largest unit first (`5400000` → `1h30m`). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = Math.abs(ms);
  let out = ms < 0 ? '-' : '';
  for (const [unit, size] of Object.entries(DURATION_UNITS)) {
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return out;
}

const PUNCT2 = new Set(['!=', '<=', '>=', '!~']);
const PUNCT1 = new Set([...'|,;=<>~+-*/%()[]']);
/** Operators from other languages, and what to write instead. */
const FOREIGN_OPS: Readonly<Record<string, string>> = { '==': '=', '=~': '~', '=<': '<=', '=>': '>=', '<>': '!=', '&&': 'and', '||': 'or' };
/** Spelled-out units people write, and the unit they mean. */
const UNIT_ALIASES: Readonly<Record<string, string>> = {
  msec: 'ms', msecs: 'ms', millis: 'ms', sec: 's', secs: 's', second: 's', seconds: 's', min: 'm', mins: 'm', minute: 'm',
  minutes: 'm', hr: 'h', hrs: 'h', hour: 'h', hours: 'h', day: 'd', days: 'd', wk: 'w', week: 'w', weeks: 'w',
};
const isIdentStart = (c: string) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
const isDigit = (c: string) => c >= '0' && c <= '9';
const isIdentPart = (c: string) => isIdentStart(c) || isDigit(c);

class Lexer {
  private pos = 0;
  private line = 1;
  private lineStart = 0;
  private tokStart = 0;
  private spaceBefore = false;
  private readonly tokens: Token[] = [];

  constructor(private readonly text: string) {}

  run(): Token[] {
    try {
      for (this.skipSpace(); this.pos < this.text.length; this.skipSpace()) {
        this.tokStart = this.pos;
        this.tokens.push(this.next());
        this.spaceBefore = false;
      }
      const last = this.tokens.at(-1);
      const at = last ? { start: last.end, line: last.line, col: last.col + last.end - last.start } : { start: 0, line: 1, col: 1 };
      this.tokens.push({ kind: 'eof', text: '', start: at.start, end: at.start, line: at.line, col: at.col, spaceBefore: true });
    } catch (err) {
      if (!(err instanceof QueryError) || !err.span) throw err;
      const { start, end, line, col } = err.span;
      this.tokens.push({ kind: 'error', error: err, text: this.text.slice(start, end), start, end, line, col, spaceBefore: this.spaceBefore });
    }
    return this.tokens;
  }

  private skipSpace(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t[this.pos];
      if (c === '\n') {
        this.pos++;
        this.line++;
        this.lineStart = this.pos;
      } else if (c === ' ' || c === '\t' || c === '\r') {
        this.pos++;
      } else if (c === '/' && t[this.pos + 1] === '/') {
        while (this.pos < t.length && t[this.pos] !== '\n') this.pos++;
      } else {
        return;
      }
      this.spaceBefore = true;
    }
  }

  private next(): Token {
    const c = this.text[this.pos];
    if (isIdentStart(c)) return this.ident();
    if (isDigit(c)) return this.numberOrDuration();
    if (c === '"' || c === "'") return this.string(c);
    if (c === '`') return this.quotedName();
    if (c === '$') return this.ref();
    if (c === '@') return this.instant();
    return this.punct();
  }

  private span(start = this.tokStart, end = this.pos): Span {
    return { start, end, line: this.line, col: start - this.lineStart + 1 };
  }

  private fail(message: string, opts: { span?: Span; expected?: readonly string[]; hint?: string } = {}): never {
    throw new QueryError('QUERY_ERR_SYNTAX', message, { span: opts.span ?? this.span(), expected: opts.expected, hint: opts.hint });
  }

  private base(): TokenBase {
    return { ...this.span(), text: this.text.slice(this.tokStart, this.pos), spaceBefore: this.spaceBefore };
  }

  private ident(): Token {
    while (this.pos < this.text.length && isIdentPart(this.text[this.pos])) this.pos++;
    const base = this.base();
    return { ...base, kind: 'ident', name: base.text, quoted: false };
  }

  private quotedName(): Token {
    const close = this.text.indexOf('`', this.pos + 1);
    const eol = this.text.indexOf('\n', this.pos);
    if (close < 0 || (eol >= 0 && eol < close)) {
      this.pos = eol < 0 ? this.text.length : eol;
      this.fail('unterminated name: expected a closing ` before the end of the line', { expected: ['a closing `'] });
    }
    this.pos = close + 1;
    if (close === this.tokStart + 1) this.fail('empty name: write a name between the backquotes', { expected: ['a name'] });
    const base = this.base();
    return { ...base, kind: 'ident', name: base.text.slice(1, -1), quoted: true };
  }

  private ref(): Token {
    this.pos++;
    if (!isIdentStart(this.text[this.pos] ?? '')) {
      this.fail('expected the name of a let binding after "$", such as $backbone', { expected: ['a name'] });
    }
    while (this.pos < this.text.length && isIdentPart(this.text[this.pos])) this.pos++;
    const base = this.base();
    return { ...base, kind: 'ref', name: base.text.slice(1) };
  }

  private punct(): Token {
    const two = this.text.slice(this.pos, this.pos + 2);
    if (Object.hasOwn(FOREIGN_OPS, two)) {
      this.pos += 2;
      this.fail(`"${two}" is not an operator here`, { hint: `write ${JSON.stringify(FOREIGN_OPS[two])}` });
    }
    if (PUNCT2.has(two)) this.pos += 2;
    else if (PUNCT1.has(two[0])) this.pos += 1;
    else this.stray();
    return { ...this.base(), kind: 'punct' };
  }

  private stray(): never {
    const t = this.text;
    const cp = String.fromCodePoint(t.codePointAt(this.pos)!);
    this.pos += cp.length;
    const message = `unexpected character ${JSON.stringify(cp)}`;
    if (cp === '!') this.fail(message, { hint: 'write "not", or "!=" / "!~" to compare' });
    if (cp === '&') this.fail(message, { hint: 'write "and"' });
    if (cp === '#') this.fail(message, { hint: 'comments start with "//"' });
    if (cp === '.' && isDigit(t[this.pos] ?? '')) this.fail(message, { hint: `write a digit before the point: 0${cp}${t[this.pos]}` });
    // A name glued to other characters (`labels.ds`, `größe`): suggest backquotes around the whole word.
    const word = /[\p{L}\p{N}_.]/u;
    let a = this.tokStart;
    let b = this.pos;
    while (a > 0 && word.test(t[a - 1])) a--;
    while (b < t.length && word.test(t[b])) b++;
    if (b - a > cp.length && (cp === '.' || /\p{L}/u.test(cp))) {
      this.fail(message, { hint: `put a name with other characters in backquotes: \`${t.slice(a, b)}\`` });
    }
    this.fail(message);
  }

  private string(quote: string): Token {
    const t = this.text;
    let value = '';
    for (this.pos++; ; ) {
      const c = t[this.pos];
      if (c === undefined || c === '\n') this.unterminated(quote);
      this.pos++;
      if (c === quote) break;
      if (c !== '\\') {
        value += c;
        continue;
      }
      const e = t[this.pos];
      if (e === undefined || e === '\n') this.unterminated(quote);
      this.pos++;
      value += this.escape(e);
    }
    return { ...this.base(), kind: 'string', value };
  }

  /** The value of the escape `\e` whose letter was just read. Unknown escapes stay as written (`\d` for regexes). */
  private escape(e: string): string {
    const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', '\\': '\\', '"': '"', "'": "'", '`': '`' };
    if (Object.hasOwn(simple, e)) return simple[e];
    if (e !== 'u') return `\\${e}`;
    const m = /^\{([0-9a-fA-F]{1,6})\}|^([0-9a-fA-F]{4})/.exec(this.text.slice(this.pos, this.pos + 8));
    const code = m ? parseInt(m[1] ?? m[2], 16) : NaN;
    if (!m || code > 0x10ffff) {
      const at = this.pos - 2;
      this.fail('invalid escape "\\u": expected four hex digits or {hex digits}, as in \\u00e9 or \\u{1F600}', {
        span: { start: at, end: this.pos, line: this.line, col: at - this.lineStart + 1 },
      });
    }
    this.pos += m[0].length;
    return String.fromCodePoint(code);
  }

  private unterminated(quote: string): never {
    const where = this.pos >= this.text.length ? 'the end of the query' : 'the end of the line';
    this.fail(`unterminated string: expected a closing ${quote} before ${where}`, { expected: [`a closing ${quote}`] });
  }

  private numberOrDuration(): Token {
    const t = this.text;
    const m = /\d+(\.\d+)?([eE][+-]?\d+)?/y;
    m.lastIndex = this.pos;
    const num = m.exec(t)![0];
    this.pos += num.length;
    if (!isIdentStart(t[this.pos] ?? '')) {
      const value = Number(num);
      if (!Number.isFinite(value)) this.fail(`the number ${num} is too large`);
      return { ...this.base(), kind: 'number', value, integer: /^\d+$/.test(num) };
    }
    while (this.pos < t.length && isIdentPart(t[this.pos])) this.pos++;
    const text = t.slice(this.tokStart, this.pos);
    if (/^\d+$/.test(num)) return { ...this.base(), kind: 'duration', ms: this.durationMs(text) };
    const unit = text.slice(num.length);
    if (Object.hasOwn(DURATION_UNITS, unit)) {
      const ms = Number(num) * DURATION_UNITS[unit];
      const hint = Number.isInteger(ms) && ms > 0 ? `did you mean "${formatDuration(ms)}"?` : undefined;
      this.fail(`a duration takes a whole number, not "${text}"`, { hint });
    }
    this.fail(`"${text}" is neither a number nor a duration`, { hint: 'a duration is a whole number and a unit: ms, s, m, h, d or w' });
  }

  /** Milliseconds of a duration such as `1h30m`: whole numbers, units from largest to smallest, each once. */
  private durationMs(text: string): number {
    const units = Object.keys(DURATION_UNITS);
    const part = /(\d+)([a-zA-Z_0-9]*?)(?=\d|$)/y;
    let ms = 0;
    let lastRank = -1;
    let ordered = true;
    for (let at = 0; at < text.length; ) {
      part.lastIndex = at;
      const m = part.exec(text)!;
      at += m[0].length;
      if (m[2] === '') this.fail(`the duration "${text}" has no unit after ${m[1]}`, { expected: units.map((u) => `"${u}"`) });
      const rank = units.indexOf(m[2]);
      if (rank < 0) this.unknownUnit(text, m[1], m[2]);
      if (rank <= lastRank) ordered = false;
      lastRank = rank;
      ms += Number(m[1]) * DURATION_UNITS[m[2]];
    }
    if (!Number.isSafeInteger(ms)) this.fail(`the duration "${text}" is too long`);
    if (!ordered) {
      this.fail(`the units of "${text}" must go from the largest to the smallest, each once`, {
        hint: `did you mean "${formatDuration(ms)}"?`,
      });
    }
    return ms;
  }

  private unknownUnit(text: string, amount: string, unit: string): never {
    const units = Object.keys(DURATION_UNITS);
    const lower = unit.toLowerCase();
    const known = (Object.hasOwn(UNIT_ALIASES, lower) ? UNIT_ALIASES[lower] : undefined) ?? didYouMean(unit, units);
    let hint = known ? `did you mean "${text.replace(amount + unit, amount + known)}"?` : `the units are ${units.join(', ')}`;
    if (/^(mo|mon|month|months|y|yr|yrs|year|years)$/.test(lower)) hint = 'there are no month or year units: use days, such as 30d or 365d';
    this.fail(`unknown duration unit "${unit}" in "${text}"`, { expected: units.map((u) => `"${u}"`), hint });
  }

  private instant(): Token {
    const t = this.text;
    this.pos++;
    while (this.pos < t.length && /[0-9A-Za-z:+\-.]/.test(t[this.pos])) this.pos++;
    const text = t.slice(this.tokStart, this.pos);
    return { ...this.base(), kind: 'instant', ms: this.isoMs(text) };
  }

  /**
   * Milliseconds since the epoch of `@` + ISO 8601: a plain date (UTC midnight) or a date and time with
   * a zone (`Z`, `+02:00`, `+0200`, `+02`). A time without a zone is refused: it would depend on the server.
   */
  private isoMs(text: string): number {
    const m = /^@(\d{4})-(\d{2})-(\d{2})(?:[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/.exec(text);
    const example = 'such as @2026-01-01 or @2026-01-01T08:00:00Z';
    if (text === '@') this.fail(`expected a date after "@", ${example}`, { expected: ['a date'] });
    if (!m) this.fail(`invalid time "${text}": expected a date or a date and time, ${example}`, { expected: ['a date'] });
    const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m;
    if (m[4] !== undefined && zone === undefined) {
      this.fail(`the time "${text}" has no time zone`, { hint: `add Z for UTC: ${text}Z` });
    }
    const bad = (what: string) => this.fail(`invalid time "${text}": ${what}`);
    if (+mo < 1 || +mo > 12) bad(`there is no month ${mo}`);
    if (+d < 1 || +d > new Date(Date.UTC(+y, +mo, 0)).getUTCDate()) bad(`${y}-${mo} has no day ${d}`);
    if (+h > 23) bad(`there is no hour ${h}`);
    if (+mi > 59) bad(`there is no minute ${mi}`);
    if (+s > 59) bad(`there is no second ${s}`);
    let offsetMin = 0;
    if (zone && zone.toUpperCase() !== 'Z') {
      const zh = +zone.slice(1, 3);
      const zm = +(zone.slice(3).replace(':', '') || '0');
      if (zh > 23 || zm > 59) bad(`the zone offset ${zone} is out of range`);
      offsetMin = (zone[0] === '-' ? -1 : 1) * (zh * 60 + zm);
    }
    const ms = Number((frac + '000').slice(0, 3));
    const date = new Date(0);
    date.setUTCFullYear(+y, +mo - 1, +d);
    date.setUTCHours(+h, +mi, +s, ms);
    return date.getTime() - offsetMin * 60_000;
  }
}
