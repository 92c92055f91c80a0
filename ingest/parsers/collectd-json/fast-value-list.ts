// The fast path: reads one value-list object written exactly as collectd's format_json.c writes
// it (fixed key order, no whitespace, no escapes in names). Anything else makes it give up, and the
// caller reads the object again with the general scanner, which alone decides about rejections.
import type { MetricKind } from '../../../lib/record.ts';
import type { ValueList } from '../collectd-common/value-list.ts';
import { matchNumber, matchPlainString, type JsonScanner } from './json-scanner.ts';
import { nameProblem } from './value-list-node.ts';
import { convertValue, secondsToMs, ValueProblem } from './values.ts';

// Spans of the values of the object being read (-1 for null). Reused between calls: the parser is
// synchronous, so no two reads overlap.
const valueStart: number[] = [];
const valueEnd: number[] = [];

/** The data-source type token at `p` (`"gauge"`, …), by its first letter. */
function kindAt(b: string, p: number): MetricKind | undefined {
  switch (b.charCodeAt(p + 1)) {
    case 103:
      return b.startsWith('"gauge"', p) ? 'gauge' : undefined;
    case 100:
      return b.startsWith('"derive"', p) ? 'derive' : undefined;
    case 99:
      return b.startsWith('"counter"', p) ? 'counter' : undefined;
    case 97:
      return b.startsWith('"absolute"', p) ? 'absolute' : undefined;
    default:
      return undefined;
  }
}

/** Shared arrays for the common shapes; value lists are read-only, so sharing is safe. */
const GAUGES: readonly MetricKind[][] = [[], ['gauge'], ['gauge', 'gauge'], ['gauge', 'gauge', 'gauge']];

/**
 * Reads the value list at the scanner's position (an opening brace) if it has collectd's exact
 * layout and valid content, moving the scanner past it. Returns undefined, with the scanner
 * unmoved, in every other case.
 */
export function readFastValueList(sc: JsonScanner, rates: boolean): ValueList | undefined {
  const b = sc.body;
  let p = sc.pos;
  if (!b.startsWith('{"values":[', p)) return undefined;
  p += 11;
  let n = 0;
  for (;;) {
    if (b.charCodeAt(p) === 110 /* n */) {
      if (!b.startsWith('null', p)) return undefined;
      valueStart[n] = valueEnd[n] = -1;
      p += 4;
    } else {
      const end = matchNumber(b, p);
      if (end < 0) return undefined;
      valueStart[n] = p;
      valueEnd[n] = p = end;
    }
    n++;
    const c = b.charCodeAt(p++);
    if (c === 93 /* ] */) break;
    if (c !== 44 /* , */) return undefined;
  }
  if (!b.startsWith(',"dstypes":[', p)) return undefined;
  p += 12;
  const kinds: MetricKind[] = [];
  for (let i = 0; i < n; i++) {
    const kind = kindAt(b, p);
    if (kind === undefined) return undefined;
    kinds.push(kind);
    p += kind.length + 2;
    if (b.charCodeAt(p++) !== (i === n - 1 ? 93 : 44)) return undefined;
  }
  if (!b.startsWith(',"dsnames":[', p)) return undefined;
  p += 12;
  const dsNames: string[] = [];
  for (let i = 0; i < n; i++) {
    const end = matchPlainString(b, p);
    if (end < 0 || end === p + 2) return undefined;
    dsNames.push(b.slice(p + 1, end - 1));
    p = end;
    if (b.charCodeAt(p++) !== (i === n - 1 ? 93 : 44)) return undefined;
  }
  return readRest(sc, p, n, kinds, dsNames, rates);
}

const NAME_KEYS = [',"host":', ',"plugin":', ',"plugin_instance":', ',"type":', ',"type_instance":'];

function readRest(sc: JsonScanner, p: number, n: number, kinds: MetricKind[], dsNames: string[], rates: boolean): ValueList | undefined {
  const b = sc.body;
  if (!b.startsWith(',"time":', p)) return undefined;
  const timeEnd = matchNumber(b, p + 8);
  if (timeEnd < 0 || !b.startsWith(',"interval":', timeEnd)) return undefined;
  const intervalEnd = matchNumber(b, timeEnd + 12);
  if (intervalEnd < 0) return undefined;
  const time = secondsToMs(b, p + 8, timeEnd);
  const interval = secondsToMs(b, timeEnd + 12, intervalEnd);
  if (time < 0 || interval < 0) return undefined;
  p = intervalEnd;
  const names: string[] = [];
  for (let i = 0; i < NAME_KEYS.length; i++) {
    const key = NAME_KEYS[i];
    if (!b.startsWith(key, p)) return undefined;
    p += key.length;
    const end = matchPlainString(b, p);
    if (end < 0) return undefined;
    const name = b.slice(p + 1, end - 1);
    if (nameProblem('', name, i !== 2 && i !== 4) !== undefined) return undefined;
    names.push(name);
    p = end;
  }
  p = skipMeta(sc, p);
  if (p < 0 || b.charCodeAt(p) !== 125 /* } */) return undefined;
  const values: (number | bigint)[] = [];
  for (let i = 0; i < n; i++) {
    const v = convertValue(b, valueStart[i], valueEnd[i], kinds[i], rates);
    if (v instanceof ValueProblem) return undefined;
    values.push(v);
  }
  sc.pos = p + 1;
  const [host, plugin, pluginInstance, type, typeInstance] = names;
  const outKinds = rates ? (GAUGES[n] ?? kinds.map(() => 'gauge' as const)) : kinds;
  return { host, plugin, pluginInstance, type, typeInstance, time, interval, dsNames, kinds: outKinds, values };
}

/** Skips an optional `,"meta":{…}` (or collectd's broken `,"meta":`); returns the new position or -1. */
function skipMeta(sc: JsonScanner, p: number): number {
  const b = sc.body;
  if (!b.startsWith(',"meta":', p)) return p;
  p += 8;
  if (b.charCodeAt(p) === 125) return p; // `"meta":}`, reference §1.3
  const saved = sc.pos;
  try {
    sc.pos = p;
    sc.readValue(2); // the depth the general scanner would be at, so both fail alike
    return sc.pos;
  } catch {
    return -1;
  } finally {
    sc.pos = saved;
  }
}
