// PUTVAL <identifier> [interval=…] [meta:k=…] <time>:<v>[:<v>…] … (reference §2.1, §2.2).
import type { MetricKind, MetricRecord } from '../../../lib/record.ts';
import type { DataSource, TypesDb } from '../collectd-common/types-db.ts';
import { pushValueList } from '../collectd-common/value-list.ts';
import { nameProblem } from '../collectd-json/value-list-node.ts';
import { shown } from '../collectd-json/codes.ts';
import { LineProblem } from './codes.ts';
import type { Field } from './fields.ts';
import { parseGauge, parseInteger, parseSeconds } from './values.ts';

interface Identifier {
  readonly host: string;
  readonly plugin: string;
  readonly pluginInstance: string;
  readonly type: string;
  readonly typeInstance: string;
}

/** DS names and kinds of a type as arrays, made once per types.db entry. */
interface TypeShape {
  readonly sources: readonly DataSource[];
  readonly dsNames: readonly string[];
  readonly kinds: readonly MetricKind[];
}

const shapes = new WeakMap<readonly DataSource[], TypeShape>();

function shapeOf(sources: readonly DataSource[]): TypeShape {
  let shape = shapes.get(sources);
  if (shape === undefined) {
    shape = { sources, dsNames: sources.map((s) => s.name), kinds: sources.map((s) => s.kind) };
    shapes.set(sources, shape);
  }
  return shape;
}

/** Offset in the body of character `i` of a field's text (the field start if it had quotes). */
function at(f: Field, i: number): number {
  return f.plain ? f.start + i : f.start;
}

/**
 * Splits `host/plugin[-plugin_instance]/type[-type_instance]`: the first two `/` end host and
 * plugin part, and the first `-` of each part starts its instance (`example-a-b` → `example`, `a-b`).
 */
function parseIdentifier(f: Field): Identifier | LineProblem {
  const t = f.text;
  const slash1 = t.indexOf('/');
  const slash2 = slash1 < 0 ? -1 : t.indexOf('/', slash1 + 1);
  if (slash2 < 0) return new LineProblem('PARSE_ERR_BAD_IDENTIFIER', `cannot parse identifier ${shown(t)}: it is not host/plugin/type`, f.start);
  const pluginPart = t.slice(slash1 + 1, slash2);
  const typePart = t.slice(slash2 + 1);
  const dash1 = pluginPart.indexOf('-');
  const dash2 = typePart.indexOf('-');
  const id: Identifier = {
    host: t.slice(0, slash1),
    plugin: dash1 < 0 ? pluginPart : pluginPart.slice(0, dash1),
    pluginInstance: dash1 < 0 ? '' : pluginPart.slice(dash1 + 1),
    type: dash2 < 0 ? typePart : typePart.slice(0, dash2),
    typeInstance: dash2 < 0 ? '' : typePart.slice(dash2 + 1),
  };
  const why =
    nameProblem('host', id.host, true) ??
    nameProblem('plugin', id.plugin, true) ??
    nameProblem('plugin instance', id.pluginInstance, false) ??
    nameProblem('type', id.type, true) ??
    nameProblem('type instance', id.typeInstance, false);
  return why === undefined ? id : new LineProblem('PARSE_ERR_BAD_NAME', `cannot parse identifier ${shown(t)}: ${why}`, f.start);
}

/** Applies `interval=` (returns the new interval in ms) or checks `meta:<key>=` (returns undefined). */
function readOption(f: Field, eq: number): number | undefined | LineProblem {
  const key = f.text.slice(0, eq);
  const value = f.text.slice(eq + 1);
  if (key === 'interval') {
    const ms = parseSeconds(value);
    if (ms > 0) return ms;
    return new LineProblem('PARSE_ERR_BAD_OPTION', `cannot apply option interval: ${shown(value)} is not positive decimal seconds`, at(f, eq + 1));
  }
  // Meta data is accepted and dropped: records carry no meta (collectd keeps it out of the identity).
  if (/^meta:[A-Za-z0-9_:]+$/.test(key)) return undefined;
  return new LineProblem('PARSE_ERR_BAD_OPTION', `cannot apply option ${shown(key)}: only interval= and meta:<key>= are known`, f.start);
}

/** Reads one `<time>:<v>[:<v>…]` field and appends its records to `out`. */
function readValueList(f: Field, id: Identifier, shape: TypeShape, interval: number, receivedAt: number, out: MetricRecord[]): LineProblem | undefined {
  const t = f.text;
  const colon = t.indexOf(':');
  if (colon < 0) return new LineProblem('PARSE_ERR_BAD_VALUE', `cannot parse value list ${shown(t)}: it has no ':'`, f.start);
  let count = 0;
  for (let i = colon; i >= 0; i = t.indexOf(':', i + 1)) count++;
  const { sources } = shape;
  if (count !== sources.length) {
    return new LineProblem('PARSE_ERR_VALUE_COUNT', `cannot parse value list ${shown(t)}: type ${id.type} has ${sources.length} data source(s), not ${count}`, f.start);
  }
  const timeText = t.slice(0, colon);
  const time = timeText === 'N' ? receivedAt : parseSeconds(timeText);
  if (time < 0) return new LineProblem('PARSE_ERR_BAD_TIME', `cannot parse time ${shown(timeText)}: it is not N or positive decimal seconds`, f.start);
  const values: (number | bigint)[] = [];
  for (let i = 0, p = colon + 1; i < count; i++) {
    const next = i === count - 1 ? t.length : t.indexOf(':', p);
    const text = t.slice(p, next);
    const kind = sources[i].kind;
    if (kind === 'gauge') {
      const v = parseGauge(text);
      if (v === undefined) return new LineProblem('PARSE_ERR_BAD_VALUE', `cannot parse value ${shown(text)}: it is not a decimal number, U, nan or inf`, at(f, p));
      values.push(v);
    } else {
      const v = parseInteger(text, kind);
      if (typeof v !== 'bigint') return new LineProblem(v.range ? 'PARSE_ERR_VALUE_RANGE' : 'PARSE_ERR_BAD_VALUE', `cannot parse value: ${v.why}`, at(f, p));
      values.push(v);
    }
    p = next + 1;
  }
  // Fields spelled out: an object spread here was the slowest step of the whole parser.
  const { host, plugin, pluginInstance, type, typeInstance } = id;
  pushValueList({ host, plugin, pluginInstance, type, typeInstance, time, interval, dsNames: shape.dsNames, kinds: shape.kinds, values }, out);
  return undefined;
}

/**
 * Reads a PUTVAL line already split into `fields` (the first is the command word) and appends a
 * record per data source of each value list to `out`. On a problem nothing of the line stays in
 * `out`. `lineEnd` is where a missing value list is reported.
 */
export function readPutval(fields: readonly Field[], typesDb: TypesDb, receivedAt: number, lineEnd: number, out: MetricRecord[]): LineProblem | undefined {
  if (fields.length < 2) return new LineProblem('PARSE_ERR_BAD_IDENTIFIER', 'cannot parse PUTVAL: the identifier is missing', lineEnd);
  const id = parseIdentifier(fields[1]);
  if (id instanceof LineProblem) return id;
  const sources = typesDb.get(id.type);
  if (sources === undefined) return new LineProblem('PARSE_ERR_UNKNOWN_TYPE', `cannot parse PUTVAL: type ${shown(id.type)} is not in types.db`, fields[1].start);
  const shape = shapeOf(sources);
  const mark = out.length;
  let interval = 0;
  let lists = 0;
  for (let i = 2; i < fields.length; i++) {
    const f = fields[i];
    const eq = f.text.indexOf('=');
    const problem = eq >= 0 ? readOption(f, eq) : readValueList(f, id, shape, interval, receivedAt, out);
    if (problem instanceof LineProblem) {
      out.length = mark;
      return problem;
    }
    if (typeof problem === 'number') interval = problem;
    else if (eq < 0) lists++;
  }
  if (lists === 0) return new LineProblem('PARSE_ERR_MISSING_VALUES', 'cannot parse PUTVAL: the line has no value list', lineEnd);
  return undefined;
}
