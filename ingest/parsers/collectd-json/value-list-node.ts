// The general (slow) path: checks one parsed object against collectd's value-list shape and
// says precisely what is wrong with it.
import type { MetricKind } from '../../../lib/record.ts';
import type { ValueList } from '../collectd-common/value-list.ts';
import { shown, type JsonParseCode } from './codes.ts';
import type { JsonNode, JsonObject } from './json-scanner.ts';
import { convertValue, secondsToMs, ValueProblem } from './values.ts';

/** What is wrong with one array element. */
export class ObjectProblem {
  constructor(
    readonly code: JsonParseCode,
    readonly message: string,
    /** Values lost with the element, when known. */
    readonly values?: number,
  ) {}
}

/** collectd's longest name: DATA_MAX_NAME_LEN is 128 bytes including the terminating NUL. */
export const MAX_NAME_BYTES = 127;

/** Data-source type names of the JSON format. */
export const DSTYPES: ReadonlyMap<string, MetricKind> = new Map<string, MetricKind>([
  ['gauge', 'gauge'],
  ['counter', 'counter'],
  ['derive', 'derive'],
  ['absolute', 'absolute'],
]);

/** UTF-8 length of `s` (lone surrogates count as the 3 bytes of U+FFFD). */
function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00 && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/**
 * Why a name field is unacceptable, or undefined when it is fine. Host, plugin and type must be
 * non-empty; every name must fit collectd's 127 bytes. (A string of at most 42 UTF-16 units is at
 * most 126 bytes, so the common case needs no counting.)
 */
export function nameProblem(key: string, value: string, required: boolean): string | undefined {
  if (required && value === '') return `${key} is empty`;
  if (value.length > 42 && utf8Length(value) > MAX_NAME_BYTES) return `${key} is longer than ${MAX_NAME_BYTES} bytes`;
  return undefined;
}

const NAME_KEYS = ['host', 'plugin', 'plugin_instance', 'type', 'type_instance'] as const;

function member(obj: JsonObject, key: string): JsonNode | ObjectProblem {
  return obj.members.get(key) ?? new ObjectProblem('PARSE_ERR_MISSING_KEY', `cannot read value list: key ${shown(key)} is missing`);
}

function stringArray(obj: JsonObject, key: string): string[] | ObjectProblem {
  const node = member(obj, key);
  if (node instanceof ObjectProblem) return node;
  if (node.kind !== 'array') return new ObjectProblem('PARSE_ERR_BAD_FIELD', `cannot read value list: "${key}" is not an array`);
  const out: string[] = [];
  for (const item of node.items) {
    if (item.kind !== 'string') return new ObjectProblem('PARSE_ERR_BAD_FIELD', `cannot read value list: "${key}" holds a ${item.kind}, not a string`);
    out.push(item.value);
  }
  return out;
}

function milliseconds(body: string, obj: JsonObject, key: string): number | ObjectProblem {
  const node = member(obj, key);
  if (node instanceof ObjectProblem) return node;
  if (node.kind !== 'number') return new ObjectProblem('PARSE_ERR_BAD_FIELD', `cannot read value list: "${key}" is a ${node.kind}, not a number`);
  const ms = secondsToMs(body, node.start, node.end);
  if (ms < 0) return new ObjectProblem('PARSE_ERR_BAD_TIME', `cannot read value list: "${key}" ${shown(body.slice(node.start, node.end))} is negative or out of range`);
  return ms;
}

function names(obj: JsonObject): string[] | ObjectProblem {
  const out: string[] = [];
  for (const key of NAME_KEYS) {
    const node = member(obj, key);
    if (node instanceof ObjectProblem) return node;
    if (node.kind !== 'string') return new ObjectProblem('PARSE_ERR_BAD_FIELD', `cannot read value list: "${key}" is a ${node.kind}, not a string`);
    const why = nameProblem(key, node.value, key === 'host' || key === 'plugin' || key === 'type');
    if (why !== undefined) return new ObjectProblem('PARSE_ERR_BAD_NAME', `cannot read value list: ${why}`);
    out.push(node.value);
  }
  return out;
}

/**
 * Checks a parsed object that has a `values` key and returns its value list, or what is wrong
 * with it. `rates` is the StoreRates setting of the sender: non-gauge values are then rates and
 * the value list says `gauge` for every data source.
 */
export function valueListFromNode(body: string, obj: JsonObject, rates: boolean): ValueList | ObjectProblem {
  const valuesNode = member(obj, 'values');
  if (valuesNode instanceof ObjectProblem) return valuesNode;
  if (valuesNode.kind !== 'array') return new ObjectProblem('PARSE_ERR_BAD_FIELD', 'cannot read value list: "values" is not an array');
  const items = valuesNode.items;
  const lost = items.length;
  const dstypes = stringArray(obj, 'dstypes');
  if (dstypes instanceof ObjectProblem) return withLost(dstypes, lost);
  const dsNames = stringArray(obj, 'dsnames');
  if (dsNames instanceof ObjectProblem) return withLost(dsNames, lost);
  if (items.length === 0 || items.length !== dstypes.length || items.length !== dsNames.length) {
    return new ObjectProblem(
      'PARSE_ERR_LENGTH_MISMATCH',
      `cannot read value list: values, dstypes and dsnames have ${items.length}, ${dstypes.length} and ${dsNames.length} entries`,
      lost,
    );
  }
  const time = milliseconds(body, obj, 'time');
  if (time instanceof ObjectProblem) return withLost(time, lost);
  const interval = milliseconds(body, obj, 'interval');
  if (interval instanceof ObjectProblem) return withLost(interval, lost);
  const id = names(obj);
  if (id instanceof ObjectProblem) return withLost(id, lost);
  const kinds: MetricKind[] = [];
  const values: (number | bigint)[] = [];
  for (let i = 0; i < items.length; i++) {
    const kind = DSTYPES.get(dstypes[i]);
    if (kind === undefined) return new ObjectProblem('PARSE_ERR_BAD_DSTYPE', `cannot read value list: dstype ${shown(dstypes[i])} is unknown`, lost);
    if (dsNames[i] === '') return new ObjectProblem('PARSE_ERR_BAD_NAME', `cannot read value list: dsname ${i} is empty`, lost);
    const item = items[i];
    const isNull = item.kind === 'literal' && item.value === null;
    if (item.kind !== 'number' && !isNull) return new ObjectProblem('PARSE_ERR_BAD_VALUE', `cannot read value ${i}: it is a ${item.kind}, not a number or null`, lost);
    const v = convertValue(body, isNull ? -1 : item.start, item.end, kind, rates);
    if (v instanceof ValueProblem) return new ObjectProblem(v.code, `cannot read value ${i}: ${v.why}`, lost);
    kinds.push(rates ? 'gauge' : kind);
    values.push(v);
  }
  const [host, plugin, pluginInstance, type, typeInstance] = id;
  return { host, plugin, pluginInstance, type, typeInstance, time, interval, dsNames, kinds, values };
}

function withLost(p: ObjectProblem, lost: number): ObjectProblem {
  return new ObjectProblem(p.code, p.message, lost);
}
