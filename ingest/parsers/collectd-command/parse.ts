import type { EventRecord, MetricRecord } from '../../../lib/record.ts';
import type { TypesDb } from '../collectd-common/types-db.ts';
import { parseCollectdJson } from '../collectd-json/parse.ts';
import type { ParseResult, Rejection } from '../types.ts';
import { shown } from '../collectd-json/codes.ts';
import { LineProblem } from './codes.ts';
import { isSpace, splitFields } from './fields.ts';
import { readPutnotif } from './putnotif.ts';
import { readPutval } from './putval.ts';

/** What {@link parseCollectdCommand} needs besides the body. */
export interface CollectdCommandContext {
  /** Data-source names and kinds per type; PUTVAL lines do not carry them. */
  readonly typesDb: TypesDb;
  /** When the body arrived, ms since the epoch: the time of value lists written with time `N`. */
  readonly receivedAt: number;
}

/**
 * True when `body` is notification JSON rather than command lines: its first non-whitespace
 * character is `[`. collectd sends notifications as JSON even on a `Format Command` node, with
 * `Content-Type: text/plain` (reference §1.6), so the route cannot rely on the content type.
 */
export function isJsonBody(body: string): boolean {
  let p = 0;
  while (isSpace(body.charCodeAt(p)) || body.charCodeAt(p) === 10) p++;
  return body.charCodeAt(p) === 91;
}

/**
 * Parses the body of a collectd write_http POST in `Format Command` (or exec / unixsock output):
 * `PUTVAL` and `PUTNOTIF` lines ended by CRLF or LF, the last one possibly without an end; blank
 * lines are skipped. Each PUTVAL value list gives one {@link MetricRecord} per data source (names
 * and kinds from `ctx.typesDb`); each PUTNOTIF gives an {@link EventRecord}.
 *
 * Stricter than collectd (reference §2.2): a value list must have exactly the type's number of
 * values, numbers must be plain decimal without trailing text, and unknown options are refused.
 * A bad line is reported in `rejected` with its 1-based line number and the character offset of
 * the problem; the other lines are kept. A line is all or nothing.
 *
 * A body for which {@link isJsonBody} is true is handed to the JSON parser (notifications), and
 * only then can this function throw a `ParseError`. Pure: the only time source is
 * `ctx.receivedAt`.
 */
export function parseCollectdCommand(body: string, ctx: CollectdCommandContext): ParseResult {
  if (isJsonBody(body)) return parseCollectdJson(body, {});
  const records: MetricRecord[] = [];
  const events: EventRecord[] = [];
  const rejected: Rejection[] = [];
  for (let start = 0, line = 1; start < body.length; line++) {
    const newline = body.indexOf('\n', start);
    const next = newline < 0 ? body.length : newline + 1;
    const problem = readLine(body, start, newline < 0 ? body.length : newline, ctx, records, events);
    if (problem !== undefined) rejected.push({ code: problem.code, message: problem.message, line, offset: problem.offset });
    start = next;
  }
  return { records, events, rejected };
}

function readLine(body: string, start: number, end: number, ctx: CollectdCommandContext, records: MetricRecord[], events: EventRecord[]): LineProblem | undefined {
  let p = start;
  while (p < end && isSpace(body.charCodeAt(p))) p++;
  if (p >= end) return undefined;
  let wordEnd = p;
  while (wordEnd < end && !isSpace(body.charCodeAt(wordEnd))) wordEnd++;
  const word = body.slice(p, wordEnd).toUpperCase();
  if (word === 'PUTVAL') {
    const fields = splitFields(body, p, end);
    if (fields instanceof LineProblem) return fields;
    let lineEnd = end;
    while (lineEnd > wordEnd && isSpace(body.charCodeAt(lineEnd - 1))) lineEnd--;
    return readPutval(fields, ctx.typesDb, ctx.receivedAt, lineEnd, records);
  }
  if (word === 'PUTNOTIF') return readPutnotif(body, wordEnd, end, events);
  return new LineProblem('PARSE_ERR_UNKNOWN_COMMAND', `cannot run command ${shown(body.slice(p, Math.min(wordEnd, p + 61)))}: only PUTVAL and PUTNOTIF are accepted`, p);
}
