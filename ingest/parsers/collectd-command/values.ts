// Number grammar of PUTVAL/PUTNOTIF values, stricter than collectd's strtod/strtoull (§2.2).
import type { MetricKind } from '../../../lib/record.ts';
import { shown } from '../collectd-json/codes.ts';
import { secondsToMs } from '../collectd-json/values.ts';

const DECIMAL_FLOAT = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
const NOT_A_NUMBER = /^(?:U|[+-]?(?:nan|inf|infinity))$/i;
const DECIMAL_SECONDS = /^[0-9]+(?:\.[0-9]+)?$/;

const MAX_U64 = 18446744073709551615n;
const MIN_I64 = -9223372036854775808n;
const MAX_I64 = 9223372036854775807n;

/**
 * A gauge value: a decimal float (`1e+300`, `-0`, `.5`), or `U`, `nan`, `-nan`, `inf`, `-inf`
 * (any case) as collectd writes unknown values. Every non-finite value becomes NaN, as collectd's
 * JSON writer turns ±Inf into null, so both formats give the same records. Undefined when `text`
 * is none of these (hex floats and trailing garbage included).
 */
export function parseGauge(text: string): number | undefined {
  if (DECIMAL_FLOAT.test(text)) {
    const v = Number(text);
    return Number.isFinite(v) ? v : NaN;
  }
  return NOT_A_NUMBER.test(text) ? NaN : undefined;
}

/**
 * A counter, absolute (unsigned) or derive (signed) value in plain decimal, without leading zeros
 * (collectd reads `010` as octal 8, so it is refused rather than read differently), as a bigint.
 * Otherwise returns why not, and whether the problem is only the 64-bit range.
 */
export function parseInteger(text: string, kind: MetricKind): bigint | { readonly why: string; readonly range: boolean } {
  const neg = text.charCodeAt(0) === 45;
  const digits = neg ? text.length - 1 : text.length;
  let ok = digits > 0 && (kind === 'derive' || !neg) && (digits === 1 || text.charCodeAt(neg ? 1 : 0) !== 48);
  for (let i = neg ? 1 : 0; ok && i < text.length; i++) {
    const c = text.charCodeAt(i);
    ok = c >= 48 && c <= 57;
  }
  if (!ok) return { why: `${shown(text)} is not a decimal integer that a ${kind} can hold`, range: false };
  // Through a double when exact (up to 15 digits): about twice as fast as BigInt(string).
  const v = digits <= 15 ? BigInt(Number(text)) : BigInt(text);
  if (digits > 18 && (kind === 'derive' ? v < MIN_I64 || v > MAX_I64 : v > MAX_U64)) {
    return { why: `${shown(text)} does not fit the 64-bit range of a ${kind}`, range: true };
  }
  return v;
}

/**
 * Positive decimal seconds (`1795303190.484`, no sign, no exponent) to whole milliseconds, exact
 * for up to 3 decimals; -1 when `text` is not that or the result is 0 or beyond 2^53.
 */
export function parseSeconds(text: string): number {
  if (!DECIMAL_SECONDS.test(text)) return -1;
  const ms = secondsToMs(text, 0, text.length);
  return ms > 0 ? ms : -1;
}
