// Splitting a PUTVAL line into fields the way collectd's cmd_split does (reference §2.2).
import { LineProblem } from './codes.ts';

/** One whitespace-separated field of a line, after removing quotes and escapes. */
export interface Field {
  readonly text: string;
  /** Character offset of the field's first character in the body. */
  readonly start: number;
  /** True when the field had no quotes, so offsets inside `text` map 1:1 onto the body. */
  readonly plain: boolean;
}

/** Whitespace between fields: space, tab, CR, vertical tab, form feed (LF ends the line). */
export function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 13 || c === 11 || c === 12;
}

/**
 * Splits `body[start, end)` into fields. A `"` opens a quoted section that may hold whitespace;
 * inside it a backslash makes the next character literal. Quoted sections glued to other text
 * belong to the same field (`meta:k="a b"` is the one field `meta:k=a b`). Outside quotes a
 * backslash is an ordinary character.
 */
export function splitFields(body: string, start: number, end: number): Field[] | LineProblem {
  const fields: Field[] = [];
  let p = start;
  for (;;) {
    while (p < end && isSpace(body.charCodeAt(p))) p++;
    if (p >= end) return fields;
    const fieldStart = p;
    let text = '';
    let chunk = p;
    let plain = true;
    for (; p < end; p++) {
      const c = body.charCodeAt(p);
      if (isSpace(c)) break;
      if (c !== 34 /* " */) continue;
      plain = false;
      text += body.slice(chunk, p);
      const quoted = readQuoted(body, p, end);
      if (typeof quoted === 'number') return new LineProblem('PARSE_ERR_SYNTAX', `cannot split line: the quote at offset ${quoted} is not closed`, quoted);
      text += quoted.text;
      p = quoted.next - 1;
      chunk = quoted.next;
    }
    fields.push({ text: plain ? body.slice(fieldStart, p) : text + body.slice(chunk, p), start: fieldStart, plain });
  }
}

/**
 * Reads the quoted section whose opening quote is at `p`; returns its unescaped text and the
 * offset after the closing quote, or the offset of the opening quote when it is never closed.
 */
export function readQuoted(body: string, p: number, end: number): { text: string; next: number } | number {
  let text = '';
  let chunk = p + 1;
  for (let i = p + 1; i < end; i++) {
    const c = body.charCodeAt(i);
    if (c === 34) return { text: text + body.slice(chunk, i), next: i + 1 };
    if (c === 92 /* \ */) {
      if (i + 1 >= end) break;
      text += body.slice(chunk, i);
      chunk = i + 1;
      i++;
    }
  }
  return p;
}
