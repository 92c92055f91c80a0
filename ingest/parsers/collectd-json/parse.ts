import type { ParseResult } from '../types.ts';
import { readBody } from './read-body.ts';

/** What {@link parseCollectdJson} needs to know about the sender. */
export interface CollectdJsonContext {
  /**
   * The sender's write_http node has `StoreRates true`: counter, derive and absolute values are
   * already per-second rates (`null` when unknown) and become `gauge` records. collectd does not
   * say so in the body (its `dstypes` are unchanged), so the route must know it from its config.
   * @default false
   */
  readonly storeRates?: boolean;
}

/**
 * Parses the body of a collectd write_http POST in `Format JSON`: an array of value-list objects
 * (reference §1.3) or of notification objects (§1.6), told apart per object by their keys.
 *
 * Each value list gives one {@link MetricRecord} per data source; counter, derive and absolute
 * values keep their exact 64-bit integer in `raw`. Each notification gives one {@link EventRecord}.
 * An object that does not fit (lengths of values/dstypes/dsnames differ, missing keys, a fraction
 * for a counter, …) is reported in `rejected` with its array index and offset; the rest is kept.
 * collectd's invalid `"meta":}` is read as an empty meta object. Meta data is otherwise ignored.
 *
 * Pure: no clock, no I/O. Offsets are UTF-16 code-unit offsets into `body`.
 *
 * @throws ParseError `PARSE_ERR_JSON_SYNTAX`, `PARSE_ERR_JSON_NOT_ARRAY` or
 *   `PARSE_ERR_JSON_TOO_DEEP` when the body as a whole is unusable.
 */
export function parseCollectdJson(body: string, ctx: CollectdJsonContext): ParseResult {
  return readBody(body, ctx.storeRates === true, true);
}
