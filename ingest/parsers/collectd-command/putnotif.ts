// PUTNOTIF key=value … (reference §2.3), which has its own, older tokenizer.
import type { EventRecord } from '../../../lib/record.ts';
import { severityName } from '../collectd-common/value-list.ts';
import { nameProblem } from '../collectd-json/value-list-node.ts';
import { shown } from '../collectd-json/codes.ts';
import { LineProblem } from './codes.ts';
import { isSpace, readQuoted } from './fields.ts';
import { parseSeconds } from './values.ts';

const NAME_KEYS = new Set(['host', 'plugin', 'plugin_instance', 'type', 'type_instance']);
const SEVERITIES = new Set(['failure', 'warning', 'okay']);

function isKeyChar(c: number): boolean {
  return (c >= 48 && c <= 58) /* 0-9 : */ || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

interface Option {
  readonly key: string;
  readonly value: string;
  readonly start: number;
}

/** Reads the options of `body[start, end)`: `key=value` or `key="value"`, separated by whitespace. */
function readOptions(body: string, start: number, end: number): Option[] | LineProblem {
  const options: Option[] = [];
  for (let p = start; ; ) {
    while (p < end && isSpace(body.charCodeAt(p))) p++;
    if (p >= end) return options;
    const keyStart = p;
    while (p < end && isKeyChar(body.charCodeAt(p))) p++;
    if (p === keyStart || body.charCodeAt(p) !== 61 /* = */) return malformed(body, keyStart, keyStart, end);
    const key = body.slice(keyStart, p++);
    let value: string;
    if (body.charCodeAt(p) === 34) {
      const quoted = readQuoted(body, p, end);
      if (typeof quoted === 'number') return new LineProblem('PARSE_ERR_SYNTAX', `cannot parse PUTNOTIF option ${shown(key)}: the quote at offset ${quoted} is not closed`, quoted);
      value = quoted.text;
      p = quoted.next;
      if (p < end && !isSpace(body.charCodeAt(p))) return malformed(body, keyStart, p, end);
    } else {
      const valueStart = p;
      while (p < end && !isSpace(body.charCodeAt(p))) p++;
      if (p === valueStart) return new LineProblem('PARSE_ERR_SYNTAX', `cannot parse PUTNOTIF option ${shown(key)}: an empty value must be written ""`, p);
      value = body.slice(valueStart, p);
    }
    options.push({ key, value, start: keyStart });
  }
}

function malformed(body: string, start: number, at: number, end: number): LineProblem {
  let stop = start;
  while (stop < end && !isSpace(body.charCodeAt(stop))) stop++;
  return new LineProblem('PARSE_ERR_SYNTAX', `cannot parse PUTNOTIF option ${shown(body.slice(start, stop))}: it is not key=value`, at);
}

/**
 * Reads the options of a PUTNOTIF line (`body[start, end)`, after the command word) into an
 * event: `severity`, `time` (decimal seconds; `N` is refused as by collectd) and a non-empty
 * `message` are required; host goes to `host`; plugin, plugin_instance, type, type_instance (when
 * not empty) and `s:<key>` meta data go to attrs. A meta key equal to one of the five name options
 * is stored as `meta.<key>`. A repeated option keeps its last value. The message is kept whole (collectd
 * would cut it at 255 bytes).
 */
export function readPutnotif(body: string, start: number, end: number, out: EventRecord[]): LineProblem | undefined {
  const options = readOptions(body, start, end);
  if (options instanceof LineProblem) return options;
  const names = new Map<string, string>();
  const meta = new Map<string, string>();
  let severity: string | undefined;
  let ts = -1;
  let message = '';
  for (const { key, value, start: at } of options) {
    const lower = key.toLowerCase();
    if (lower === 'severity') {
      severity = value.toLowerCase();
      if (!SEVERITIES.has(severity)) return new LineProblem('PARSE_ERR_BAD_SEVERITY', `cannot parse PUTNOTIF severity ${shown(value)}: not failure, warning or okay`, at);
    } else if (lower === 'time') {
      ts = parseSeconds(value);
      if (ts < 0) return new LineProblem('PARSE_ERR_BAD_TIME', `cannot parse PUTNOTIF time ${shown(value)}: it is not positive decimal seconds`, at);
    } else if (lower === 'message') message = value;
    else if (NAME_KEYS.has(lower)) {
      const why = nameProblem(lower, value, false);
      if (why !== undefined) return new LineProblem('PARSE_ERR_BAD_NAME', `cannot parse PUTNOTIF option ${lower}: ${why}`, at);
      names.set(lower, value);
    } else if (key.startsWith('s:') && key.length > 2) meta.set(key.slice(2), value);
    else return new LineProblem('PARSE_ERR_BAD_OPTION', `cannot parse PUTNOTIF option ${shown(key)}: unknown option`, at);
  }
  const missing = severity === undefined ? 'severity' : ts < 0 ? 'time' : message === '' ? 'message' : undefined;
  if (missing !== undefined) return new LineProblem('PARSE_ERR_MISSING_FIELD', `cannot parse PUTNOTIF: ${missing} is missing or empty`, start);
  const entries: [string, string][] = [];
  for (const [k, v] of names) if (k !== 'host' && v !== '') entries.push([k, v]);
  for (const [k, v] of meta) entries.push([NAME_KEYS.has(k) ? `meta.${k}` : k, v]);
  out.push({ ts, host: names.get('host') ?? '', severity: severityName(severity!), message, source: 'collectd', attrs: Object.fromEntries(entries) });
  return undefined;
}
