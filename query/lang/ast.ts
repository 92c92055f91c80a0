// The syntax tree of the query language. The parser builds it, the compiler reads it; every node
// carries the span of source text it came from, so an error found late still points at the text.

/** Half-open character range `[start, end)` in the query text, plus the 1-based line and column of `start`. */
export interface Span {
  readonly start: number;
  readonly end: number;
  readonly line: number;
  readonly col: number;
}

/** A duration in milliseconds, with the text it was written as (`5m`, `1h30m`). */
export interface Duration {
  readonly kind: 'duration';
  readonly ms: number;
  readonly text: string;
  readonly span: Span;
}

/** A point in time: relative to the query's `now`, or absolute (`@2026-01-01T00:00:00Z`). */
export type Instant =
  | { readonly kind: 'now'; readonly offsetMs: number; readonly span: Span }
  | { readonly kind: 'today'; readonly span: Span }
  | { readonly kind: 'yesterday'; readonly span: Span }
  | { readonly kind: 'absolute'; readonly ms: number; readonly span: Span };

export type BinaryOp = 'or' | 'and' | '=' | '!=' | '<' | '<=' | '>' | '>=' | '~' | '!~' | 'in' | '+' | '-' | '*' | '/' | '%';

export type Expr =
  | { readonly kind: 'number'; readonly value: number; readonly span: Span }
  | { readonly kind: 'string'; readonly value: string; readonly span: Span }
  | { readonly kind: 'bool'; readonly value: boolean; readonly span: Span }
  | { readonly kind: 'null'; readonly span: Span }
  | Duration
  | { readonly kind: 'instant'; readonly instant: Instant; readonly span: Span }
  /** A column, label or asset attribute, resolved by the compiler. */
  | { readonly kind: 'name'; readonly name: string; readonly span: Span }
  | { readonly kind: 'call'; readonly name: string; readonly nameSpan: Span; readonly args: readonly Expr[]; readonly span: Span }
  | { readonly kind: 'list'; readonly items: readonly Expr[]; readonly span: Span }
  | { readonly kind: 'not'; readonly expr: Expr; readonly span: Span }
  | { readonly kind: 'neg'; readonly expr: Expr; readonly span: Span }
  | { readonly kind: 'binary'; readonly op: BinaryOp; readonly left: Expr; readonly right: Expr; readonly span: Span };

/** The time range of a metric source. */
export type Range =
  | { readonly kind: 'last'; readonly duration: Duration; readonly span: Span }
  | { readonly kind: 'between'; readonly from: Instant; readonly to: Instant | undefined; readonly span: Span };

export type Source =
  | {
      readonly kind: 'metric';
      /** One or more metric names; a name may hold `*` as a wildcard. */
      readonly metrics: readonly { readonly name: string; readonly span: Span }[];
      readonly where: Expr | undefined;
      readonly range: Range;
      readonly live: boolean;
      readonly span: Span;
    }
  | { readonly kind: 'assets'; readonly where: Expr | undefined; readonly span: Span }
  /** Change events (deploys, configuration runs, asset changes) in a time range. */
  | { readonly kind: 'changes'; readonly where: Expr | undefined; readonly range: Range; readonly span: Span }
  | { readonly kind: 'ref'; readonly name: string; readonly span: Span };

/** An aggregate call with an optional output name: `p99_ms = p99(value)`. */
export interface Agg {
  readonly as: string | undefined;
  readonly fn: string;
  readonly fnSpan: Span;
  readonly args: readonly Expr[];
  /**
   * Set only when the aggregate is more than one bare call, such as `busy = 100 - avg(value)` or
   * `ratio = sum(a) / sum(b)`: the whole expression, whose aggregate calls are `call` nodes inside it.
   * `fn`, `fnSpan` and `args` then describe the first call in it, so a pass that does not read `expr`
   * must refuse an `Agg` that has one rather than compute the first call alone.
   */
  readonly expr?: Expr;
  readonly span: Span;
}

export interface Assign {
  readonly name: string;
  readonly expr: Expr;
  readonly span: Span;
}

export interface SortKey {
  readonly expr: Expr;
  readonly desc: boolean;
  readonly span: Span;
}

export type Fill = 'none' | 'null' | 'zero' | 'prev' | 'linear';

/** A name in a `by`, `on`, `enrich` list. */
export interface NameRef {
  readonly name: string;
  readonly span: Span;
}

export type Stage =
  | { readonly kind: 'where'; readonly expr: Expr; readonly span: Span }
  | { readonly kind: 'eval'; readonly assigns: readonly Assign[]; readonly span: Span }
  | { readonly kind: 'rate'; readonly per: Duration | undefined; readonly reset: 'restart' | 'drop' | undefined; readonly span: Span }
  | { readonly kind: 'enrich'; readonly asof: boolean; readonly names: readonly NameRef[]; readonly span: Span }
  | {
      readonly kind: 'stats';
      readonly every: Duration | undefined;
      readonly fill: Fill | undefined;
      readonly aggs: readonly Agg[];
      readonly by: readonly NameRef[];
      readonly span: Span;
    }
  | { readonly kind: 'top'; readonly n: number; readonly expr: Expr; readonly asc: boolean; readonly by: readonly NameRef[]; readonly span: Span }
  | { readonly kind: 'sort'; readonly keys: readonly SortKey[]; readonly span: Span }
  | { readonly kind: 'head'; readonly n: number; readonly span: Span }
  | { readonly kind: 'join'; readonly left: boolean; readonly ref: NameRef; readonly on: readonly NameRef[]; readonly span: Span }
  | { readonly kind: 'shift'; readonly duration: Duration; readonly span: Span }
  | {
      readonly kind: 'compare';
      readonly expr: Expr;
      readonly by: readonly NameRef[];
      /** Unit of analysis: `host` (default) or `sample`. */
      readonly per: NameRef | undefined;
      readonly within: NameRef | undefined;
      readonly test: NameRef | undefined;
      readonly level: number | undefined;
      readonly span: Span;
    }
  | {
      readonly kind: 'correlate';
      readonly a: Expr;
      readonly b: Expr;
      readonly lagFrom: Duration | undefined;
      readonly lagTo: Duration | undefined;
      readonly by: readonly NameRef[];
      readonly span: Span;
    }
  | { readonly kind: 'trend'; readonly expr: Expr; readonly for: Duration | undefined; readonly until: Expr | undefined; readonly by: readonly NameRef[]; readonly span: Span }
  | { readonly kind: 'outliers'; readonly expr: Expr; readonly method: NameRef | undefined; readonly by: readonly NameRef[]; readonly span: Span }
  | { readonly kind: 'view'; readonly name: NameRef; readonly options: readonly { readonly name: string; readonly value: Expr; readonly span: Span }[]; readonly span: Span };

export type StageKind = Stage['kind'];

export interface Pipeline {
  readonly source: Source;
  readonly stages: readonly Stage[];
  readonly span: Span;
}

export interface Binding {
  readonly name: string;
  readonly nameSpan: Span;
  readonly pipeline: Pipeline;
  readonly span: Span;
}

export interface Query {
  readonly bindings: readonly Binding[];
  readonly explain: boolean;
  readonly pipeline: Pipeline;
  /** The source text, for error excerpts. */
  readonly text: string;
}
