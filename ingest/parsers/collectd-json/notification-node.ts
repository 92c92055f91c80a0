// collectd 5.12's notification JSON (Alertmanager-like, reference §1.6) → EventRecord.
import type { EventRecord } from '../../../lib/record.ts';
import { severityName } from '../collectd-common/value-list.ts';
import type { JsonNode, JsonObject } from './json-scanner.ts';
import { ObjectProblem } from './value-list-node.ts';
import { shown } from './codes.ts';

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Milliseconds since the epoch of an RFC 3339 time (`2026-11-21T23:19:53.000000000Z`, any number of
 * fractional digits, rounded to the millisecond), or undefined when it is not one.
 */
export function rfc3339ToMs(text: string): number | undefined {
  const m = RFC3339.exec(text);
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 && !leap ? 28 : DAYS_IN_MONTH[month - 1];
  if (month < 1 || month > 12 || day < 1 || day > days || hour > 23 || minute > 59 || second > 60) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  const fraction = m[7] === undefined ? 0 : Math.round(Number(`0.${m[7]}`) * 1000);
  const offset = m[8] !== undefined ? 0 : (m[9] === '-' ? -1 : 1) * (Number(m[10]) * 60 + Number(m[11])) * 60000;
  return date.getTime() + fraction - offset;
}

function stringMap(body: string, obj: JsonObject, key: string): Map<string, string> | ObjectProblem {
  const out = new Map<string, string>();
  const node = obj.members.get(key);
  if (node === undefined) return out;
  if (node.kind !== 'object') return new ObjectProblem('PARSE_ERR_BAD_FIELD', `cannot read notification: "${key}" is a ${node.kind}, not an object`);
  for (const [k, v] of node.members) out.set(k, asText(body, v));
  return out;
}

/** A member value as a string: strings as they are, anything else as its JSON text. */
function asText(body: string, node: JsonNode): string {
  return node.kind === 'string' ? node.value : body.slice(node.start, node.end);
}

/** True when the object looks like a notification rather than a value list. */
export function isNotification(obj: JsonObject): boolean {
  return obj.members.has('labels') || obj.members.has('annotations');
}

/**
 * Converts a notification object: `startsAt` → ts, `labels.instance` → host, `severity` (from
 * `labels`, or from `annotations` as newer collectd writes it) → severity, `annotations.summary` →
 * message. Every other label and annotation goes into attrs as a string; an annotation whose key a
 * label already uses is stored as `annotations.<key>`.
 */
export function eventFromNode(body: string, obj: JsonObject): EventRecord | ObjectProblem {
  const labels = stringMap(body, obj, 'labels');
  if (labels instanceof ObjectProblem) return labels;
  const annotations = stringMap(body, obj, 'annotations');
  if (annotations instanceof ObjectProblem) return annotations;
  const startsAt = obj.members.get('startsAt');
  if (startsAt === undefined) return new ObjectProblem('PARSE_ERR_MISSING_KEY', 'cannot read notification: key "startsAt" is missing');
  if (startsAt.kind !== 'string') return new ObjectProblem('PARSE_ERR_BAD_FIELD', `cannot read notification: "startsAt" is a ${startsAt.kind}, not a string`);
  const ts = rfc3339ToMs(startsAt.value);
  if (ts === undefined) return new ObjectProblem('PARSE_ERR_BAD_TIME', `cannot read notification: startsAt ${shown(startsAt.value)} is not an RFC 3339 time`);
  const host = labels.get('instance') ?? '';
  labels.delete('instance');
  const severitySource = labels.has('severity') ? labels : annotations;
  const severityText = severitySource.get('severity') ?? '';
  const severity = severityName(/^[0-9]+$/.test(severityText) ? Number(severityText) : severityText);
  severitySource.delete('severity');
  const message = annotations.get('summary') ?? '';
  annotations.delete('summary');
  const entries = [...labels];
  for (const [k, v] of annotations) entries.push([labels.has(k) ? `annotations.${k}` : k, v]);
  // fromEntries defines own properties, so a key such as `__proto__` is kept as data.
  return { ts, host, severity, message, source: 'collectd', attrs: Object.fromEntries(entries) };
}
