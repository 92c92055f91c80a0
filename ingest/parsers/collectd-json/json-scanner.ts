// A small JSON reader that keeps the source text of numbers (JSON.parse rounds integers beyond
// 2^53 and its reviver gets no source text in Node 20) and repairs collectd's `"meta":}`.
import { ParseError } from '../types.ts';

/** Deepest nesting accepted; collectd writes at most 3 levels (array, object, meta or labels). */
export const MAX_DEPTH = 32;

/** An object; members keep the last value of a repeated key, as JSON.parse does. */
export interface JsonObject {
  readonly kind: 'object';
  readonly start: number;
  readonly end: number;
  readonly members: ReadonlyMap<string, JsonNode>;
}

/** An array. */
export interface JsonArray {
  readonly kind: 'array';
  readonly start: number;
  readonly end: number;
  readonly items: readonly JsonNode[];
}

/** A string, unescaped. */
export interface JsonString {
  readonly kind: 'string';
  readonly start: number;
  readonly end: number;
  readonly value: string;
}

/** A number whose exact text is `body.slice(start, end)` (grammar already checked). */
export interface JsonNumber {
  readonly kind: 'number';
  readonly start: number;
  readonly end: number;
}

/** `true`, `false` or `null`. */
export interface JsonLiteral {
  readonly kind: 'literal';
  readonly start: number;
  readonly end: number;
  readonly value: boolean | null;
}

/** Any JSON value, with its character span in the body. */
export type JsonNode = JsonObject | JsonArray | JsonString | JsonNumber | JsonLiteral;

const QUOTE = 34;
const BACKSLASH = 92;
const MINUS = 45;
const ZERO = 48;
const NINE = 57;

function isDigit(c: number): boolean {
  return c >= ZERO && c <= NINE;
}

/**
 * Returns the end of the JSON number starting at `p`, or -1 when the text there is not one
 * (RFC 8259 grammar: `-? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?`).
 */
export function matchNumber(b: string, p: number): number {
  if (b.charCodeAt(p) === MINUS) p++;
  const first = b.charCodeAt(p);
  if (first === ZERO) p++;
  else if (isDigit(first)) while (isDigit(b.charCodeAt(++p)));
  else return -1;
  if (b.charCodeAt(p) === 46 /* . */) {
    if (!isDigit(b.charCodeAt(++p))) return -1;
    while (isDigit(b.charCodeAt(++p)));
  }
  const e = b.charCodeAt(p);
  if (e === 101 || e === 69 /* e E */) {
    const s = b.charCodeAt(++p);
    if (s === 43 || s === MINUS) p++;
    if (!isDigit(b.charCodeAt(p))) return -1;
    while (isDigit(b.charCodeAt(++p)));
  }
  return p;
}

/**
 * Returns the end (after the closing quote) of the string starting with the quote at `p`, or -1
 * when there is no quote at `p` or the string contains an escape or a control character or is
 * unterminated. Such strings need
 * {@link JsonScanner.readString}.
 */
export function matchPlainString(b: string, p: number): number {
  if (b.charCodeAt(p) !== QUOTE) return -1;
  for (let i = p + 1; ; i++) {
    const c = b.charCodeAt(i);
    if (c === QUOTE) return i + 1;
    if (c === BACKSLASH || c < 32 || c !== c) return -1;
  }
}

const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/**
 * A cursor over one body. Methods that read throw {@link ParseError} (`PARSE_ERR_JSON_SYNTAX`,
 * `PARSE_ERR_JSON_TOO_DEEP`) with the character offset of the problem.
 */
export class JsonScanner {
  /** Character offset of the next unread character. */
  pos = 0;

  constructor(readonly body: string) {}

  /** Throws the syntax error for offset `at`. */
  fail(why: string, at: number = this.pos): never {
    throw new ParseError('PARSE_ERR_JSON_SYNTAX', `cannot parse collectd JSON at offset ${at}: ${why}`, at);
  }

  /** Skips JSON whitespace. */
  skipWs(): void {
    const b = this.body;
    let p = this.pos;
    for (;;) {
      const c = b.charCodeAt(p);
      if (c === 32 || c === 10 || c === 13 || c === 9) p++;
      else break;
    }
    this.pos = p;
  }

  /** Character code at the cursor (NaN at the end). */
  peek(): number {
    return this.body.charCodeAt(this.pos);
  }

  /** Consumes `c` after optional whitespace, or fails with `why`. */
  expect(c: number, why: string): void {
    this.skipWs();
    if (this.body.charCodeAt(this.pos) !== c) this.fail(why);
    this.pos++;
  }

  /** Reads the string whose opening quote is at the cursor. */
  readString(): string {
    const end = matchPlainString(this.body, this.pos);
    if (end >= 0) {
      const s = this.body.slice(this.pos + 1, end - 1);
      this.pos = end;
      return s;
    }
    return this.readEscapedString();
  }

  private readEscapedString(): string {
    const b = this.body;
    let out = '';
    let chunk = this.pos + 1;
    for (let p = chunk; ; p++) {
      const c = b.charCodeAt(p);
      if (c === QUOTE) {
        this.pos = p + 1;
        return out + b.slice(chunk, p);
      }
      if (c !== c) this.fail('unterminated string', p);
      if (c < 32) this.fail(`control character 0x${c.toString(16)} inside a string`, p);
      if (c !== BACKSLASH) continue;
      out += b.slice(chunk, p);
      const e = b[p + 1];
      if (e === 'u') {
        const hex = b.slice(p + 2, p + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('bad \\u escape', p);
        out += String.fromCharCode(parseInt(hex, 16));
        p += 5;
      } else {
        const r = ESCAPES[e];
        if (r === undefined) this.fail('bad escape', p);
        out += r;
        p += 1;
      }
      chunk = p + 1;
    }
  }

  /** Reads any value at the cursor (after whitespace). `depth` counts the enclosing containers. */
  readValue(depth: number): JsonNode {
    this.skipWs();
    const start = this.pos;
    const c = this.body.charCodeAt(start);
    if (c === 123 /* { */) return this.readObject(depth + 1);
    if (c === 91 /* [ */) return this.readArray(depth + 1);
    if (c === QUOTE) return { kind: 'string', start, value: this.readString(), end: this.pos };
    if (c === MINUS || isDigit(c)) {
      const end = matchNumber(this.body, start);
      if (end < 0) this.fail('bad number', start);
      this.pos = end;
      return { kind: 'number', start, end };
    }
    for (const [word, value] of LITERALS) {
      if (this.body.startsWith(word, start)) {
        this.pos = start + word.length;
        return { kind: 'literal', start, end: this.pos, value };
      }
    }
    return this.fail(c !== c ? 'unexpected end of body' : `unexpected character ${JSON.stringify(this.body[start])}`, start);
  }

  private enter(depth: number): void {
    if (depth > MAX_DEPTH) {
      throw new ParseError('PARSE_ERR_JSON_TOO_DEEP', `cannot parse collectd JSON at offset ${this.pos}: nested deeper than ${MAX_DEPTH}`, this.pos);
    }
  }

  private readObject(depth: number): JsonObject {
    this.enter(depth);
    const start = this.pos++;
    const members = new Map<string, JsonNode>();
    this.skipWs();
    if (this.peek() === 125 /* } */) {
      this.pos++;
      return { kind: 'object', start, end: this.pos, members };
    }
    for (;;) {
      this.skipWs();
      if (this.peek() !== QUOTE) this.fail('expected a key');
      const key = this.readString();
      this.expect(58 /* : */, "expected ':' after a key");
      this.skipWs();
      // collectd 5.12 prints an empty meta-data set as `"meta":}` (reference §1.3, §6.1 item 17):
      // read it as an empty object so the other value lists of the body survive.
      if (key === 'meta' && this.peek() === 125) members.set(key, { kind: 'object', start: this.pos, end: this.pos, members: new Map() });
      else members.set(key, this.readValue(depth));
      this.skipWs();
      const c = this.body.charCodeAt(this.pos++);
      if (c === 125) return { kind: 'object', start, end: this.pos, members };
      if (c !== 44 /* , */) this.fail("expected ',' or '}' in an object", this.pos - 1);
    }
  }

  private readArray(depth: number): JsonArray {
    this.enter(depth);
    const start = this.pos++;
    const items: JsonNode[] = [];
    this.skipWs();
    if (this.peek() === 93 /* ] */) {
      this.pos++;
      return { kind: 'array', start, end: this.pos, items };
    }
    for (;;) {
      items.push(this.readValue(depth));
      this.skipWs();
      const c = this.body.charCodeAt(this.pos++);
      if (c === 93) return { kind: 'array', start, end: this.pos, items };
      if (c !== 44) this.fail("expected ',' or ']' in an array", this.pos - 1);
    }
  }
}

const LITERALS: readonly (readonly [string, boolean | null])[] = [
  ['null', null],
  ['true', true],
  ['false', false],
];
