// Turns the source text of JSON numbers into collectd values and milliseconds, exactly.
import type { MetricKind } from '../../../lib/record.ts';
import { shown, type JsonParseCode } from './codes.ts';

/** Why a number could not become a value; `code` is the rejection code. */
export class ValueProblem {
  constructor(
    readonly code: JsonParseCode,
    readonly why: string,
  ) {}
}

const MAX_U64 = 18446744073709551615n;
const MIN_I64 = -9223372036854775808n;
const MAX_I64 = 9223372036854775807n;

/** Digits of a JSON integer that a double holds exactly whatever they are (10^15 < 2^53). */
const SAFE_DIGITS = 15;

/**
 * Converts the value at `body[start, end)` (a JSON number already checked by the scanner, or
 * `start < 0` for `null`) to what {@link ValueList.values} holds for `kind`: a double for gauges
 * and for every kind when `rates` is set (StoreRates: already per-second rates), else a bigint.
 * Gauges that are null or not finite (`1e999`) become NaN, as collectd's own writer prints ±Inf
 * as null.
 */
export function convertValue(body: string, start: number, end: number, kind: MetricKind, rates: boolean): number | bigint | ValueProblem {
  if (kind === 'gauge' || rates) {
    if (start < 0) return NaN;
    const v = smallInteger(body, start, end) ?? Number(body.slice(start, end));
    return Number.isFinite(v) ? v : NaN;
  }
  if (start < 0) return new ValueProblem('PARSE_ERR_BAD_VALUE', `null is not allowed for a ${kind}`);
  const neg = body.charCodeAt(start) === 45;
  for (let p = neg ? start + 1 : start; p < end; p++) {
    const c = body.charCodeAt(p);
    if (c < 48 || c > 57) return new ValueProblem('PARSE_ERR_BAD_VALUE', `${shown(body.slice(start, end))} is not an integer, as a ${kind} needs`);
  }
  if (neg && kind !== 'derive') return new ValueProblem('PARSE_ERR_BAD_VALUE', `${shown(body.slice(start, end))} is negative, which a ${kind} cannot be`);
  const small = smallInteger(body, start, end);
  if (small !== undefined) return BigInt(small);
  const v = BigInt(body.slice(start, end));
  if (kind === 'derive' ? v < MIN_I64 || v > MAX_I64 : v > MAX_U64) {
    return new ValueProblem('PARSE_ERR_VALUE_RANGE', `${shown(body.slice(start, end))} does not fit the 64-bit range of a ${kind}`);
  }
  return v;
}

/** The value of an optionally negative run of at most 15 digits, else undefined. */
function smallInteger(body: string, start: number, end: number): number | undefined {
  const neg = body.charCodeAt(start) === 45;
  let p = neg ? start + 1 : start;
  if (end - p > SAFE_DIGITS) return undefined;
  let n = 0;
  for (; p < end; p++) {
    const d = body.charCodeAt(p) - 48;
    if (d < 0 || d > 9) return undefined;
    n = n * 10 + d;
  }
  return neg ? -n : n;
}

/**
 * Converts seconds written as a JSON number at `body[start, end)` to whole milliseconds, exactly
 * for collectd's 3-decimal form (`1795303190.484` → 1795303190484, no binary rounding) and
 * rounded otherwise. Returns -1 for a negative or non-finite time or one beyond 2^53 ms.
 */
export function secondsToMs(body: string, start: number, end: number): number {
  let p = start;
  let ms = 0;
  for (; p < end; p++) {
    const d = body.charCodeAt(p) - 48;
    if (d < 0 || d > 9) break;
    ms = ms * 10 + d;
  }
  if (p - start <= 12 && (p === end || body.charCodeAt(p) === 46)) {
    let scale = 1000;
    for (p++; p < end && scale > 1; p++) {
      const d = body.charCodeAt(p) - 48;
      if (d < 0 || d > 9) break;
      scale /= 10;
      ms = ms * 10 + d;
    }
    if (p >= end) return ms * scale;
  }
  const seconds = Number(body.slice(start, end));
  const rounded = Math.round(seconds * 1000);
  return seconds >= 0 && rounded <= Number.MAX_SAFE_INTEGER ? rounded : -1;
}
