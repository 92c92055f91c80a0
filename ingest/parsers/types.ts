import type { EventRecord, MetricRecord } from '../../lib/record.ts';

/**
 * The one error a parser may throw: the whole input is unusable (invalid JSON, a datagram that is not
 * collectd at all). Problems confined to one item are reported as {@link Rejection}s instead, so the
 * valid rest of the input is kept.
 */
export class ParseError extends Error {
  /** Stable code, `PARSE_ERR_*`. */
  readonly code: string;
  /** Byte or character offset in the input where the problem is, when known. */
  readonly offset: number | undefined;
  constructor(code: string, message: string, offset?: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ParseError';
    this.code = code;
    this.offset = offset;
  }
}

/** One item of an input that was refused, with where it is. */
export interface Rejection {
  /** Stable reason code (`PARSE_ERR_*`), used as the `reason` label of rejected counters. */
  readonly code: string;
  /** "cannot <verb> <what>: <why>". */
  readonly message: string;
  /** Byte offset (binary formats) or character offset (text formats). */
  readonly offset?: number;
  /** Index of the item in a JSON array. */
  readonly index?: number;
  /** 1-based line number in a line-oriented format. */
  readonly line?: number;
  /** Number of values lost with this item, when known. */
  readonly values?: number;
}

/**
 * What a parser returns. The arrays are new for each call and belong to the caller afterwards.
 */
export interface ParseResult {
  readonly records: MetricRecord[];
  readonly events: EventRecord[];
  readonly rejected: Rejection[];
}
