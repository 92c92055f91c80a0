import type { Span } from './ast.ts';

/** Codes of query errors, as the API returns them. */
export type QueryErrorCode =
  /** The text does not follow the grammar. */
  | 'QUERY_ERR_SYNTAX'
  /** The text parses but asks for something that does not exist or does not fit (unknown metric, `rate` on a gauge). */
  | 'QUERY_ERR_SEMANTIC'
  /** The query would read or return more than the cost guard allows. */
  | 'QUERY_ERR_TOO_COSTLY'
  /** The engine failed while running a valid query. */
  | 'QUERY_ERR_RUNTIME';

/**
 * An error in a query, located in its text. `message` says what is wrong in plain words; `expected`
 * lists what the parser could have taken at that point; `hint` suggests a fix.
 */
export class QueryError extends Error {
  readonly code: QueryErrorCode;
  readonly span: Span | undefined;
  readonly expected: readonly string[];
  readonly hint: string | undefined;

  constructor(code: QueryErrorCode, message: string, opts: { span?: Span; expected?: readonly string[]; hint?: string } = {}) {
    super(message);
    this.name = 'QueryError';
    this.code = code;
    this.span = opts.span;
    this.expected = opts.expected ?? [];
    this.hint = opts.hint;
  }

  /** `line:col: message`, the offending line with a caret under the span, then the hint. */
  render(text: string): string {
    if (!this.span) return this.hint ? `${this.message}\nhint: ${this.hint}` : this.message;
    const { line, col } = this.span;
    const lines = text.split('\n');
    const src = lines[line - 1] ?? '';
    const width = Math.max(1, Math.min(this.span.end - this.span.start, src.length - (col - 1)));
    const out = [`${line}:${col}: ${this.message}`, `  ${src}`, `  ${' '.repeat(col - 1)}${'^'.repeat(width)}`];
    if (this.hint) out.push(`hint: ${this.hint}`);
    return out.join('\n');
  }

  /** The JSON body of an API error answer. */
  toJSON(text: string): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      ...(this.span ? { line: this.span.line, column: this.span.col, start: this.span.start, end: this.span.end } : {}),
      ...(this.expected.length > 0 ? { expected: this.expected } : {}),
      ...(this.hint ? { hint: this.hint } : {}),
      excerpt: this.render(text),
    };
  }
}

/** Levenshtein distance, for "did you mean". */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}

/** The closest of `candidates` to `word` when it is close enough to be a likely typo. */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}
