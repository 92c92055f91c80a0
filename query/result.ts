// What a query answers: a table, a hint of how to draw it, and for the statistical operators the
// numbers that do not fit in rows (omnibus test, pairwise tests, best lag).

export type ColumnType = 'time' | 'string' | 'number' | 'bool' | 'json';

export interface Column {
  readonly name: string;
  readonly type: ColumnType;
}

/** How a client should draw the result: a time chart when there is a time column, else a table. */
export interface ViewHint {
  readonly kind: 'timechart' | 'table' | 'bar' | 'single';
  /** Column on the x axis (time for timecharts). */
  readonly x?: string;
  /** Columns that name a series (group keys). */
  readonly series?: readonly string[];
  /** Numeric columns to draw. */
  readonly y?: readonly string[];
  readonly options?: Readonly<Record<string, string | number | boolean>>;
}

export interface QueryResult {
  readonly columns: readonly Column[];
  /** One array per row, in column order. Times are epoch milliseconds; null stands for no value. */
  readonly rows: readonly (readonly unknown[])[];
  readonly view: ViewHint;
  /** Things the user should know: small groups, samples not independent, a rollup used… */
  readonly warnings: readonly string[];
  /** Extra results of `compare`, `correlate`, `trend` (see docs/query-language.md). */
  readonly details?: Readonly<Record<string, unknown>>;
  /** The statement that ran and its parameters. */
  readonly sql: string;
  readonly params: Readonly<Record<string, unknown>>;
  /** Table the scan read: `samples`, `samples_1m` or `samples_1h`. */
  readonly source: string;
  readonly elapsedMs: number;
}

export interface ExplainResult {
  readonly sql: string;
  readonly params: Readonly<Record<string, unknown>>;
  /** `EXPLAIN ESTIMATE` of the statement: parts, rows and marks per table. */
  readonly estimate: readonly { readonly table: string; readonly parts: number; readonly rows: number; readonly marks: number }[];
  /** Where each stage runs (`clickhouse` or `js`) and what it became. */
  readonly stages: readonly { readonly stage: string; readonly runs: 'clickhouse' | 'js'; readonly note: string }[];
  readonly source: string;
  readonly limits: Readonly<Record<string, number>>;
  readonly warnings: readonly string[];
}

/** Limits of the cost guard. */
export interface QueryLimits {
  /** Rows a query may read (pre-flight estimate and engine limit). */
  readonly maxRowsToRead: number;
  /** Rows a result may have. */
  readonly maxResultRows: number;
  /** Seconds a query may run. */
  readonly maxExecutionSeconds: number;
  /** Bytes of memory a query may use. */
  readonly maxMemoryBytes: number;
}

export const DEFAULT_LIMITS: QueryLimits = {
  maxRowsToRead: 2_000_000_000,
  maxResultRows: 100_000,
  maxExecutionSeconds: 60,
  maxMemoryBytes: 8 * 1024 ** 3,
};

export interface QueryOptions {
  /** The query's `now`, epoch ms (tests pin it). */
  readonly now?: number;
  readonly limits?: Partial<QueryLimits>;
}
