// The loop over the elements of a collectd JSON body, shared by the public parser and by the tests
// that compare the fast path with the general one.
import type { EventRecord, MetricRecord } from '../../../lib/record.ts';
import { pushValueList } from '../collectd-common/value-list.ts';
import { ParseError, type ParseResult, type Rejection } from '../types.ts';
import { readFastValueList } from './fast-value-list.ts';
import { JsonScanner, type JsonNode } from './json-scanner.ts';
import { eventFromNode, isNotification } from './notification-node.ts';
import { ObjectProblem, valueListFromNode } from './value-list-node.ts';

/**
 * Parses a whole body. With `fast` false every element goes through the general scanner; the
 * result must be the same either way (the fuzz test checks it).
 */
export function readBody(body: string, rates: boolean, fast: boolean): ParseResult {
  const records: MetricRecord[] = [];
  const events: EventRecord[] = [];
  const rejected: Rejection[] = [];
  const sc = new JsonScanner(body);
  openArray(sc);
  sc.skipWs();
  if (sc.peek() === 93 /* ] */) sc.pos++;
  else {
    for (let index = 0; ; index++) {
      sc.skipWs();
      const start = sc.pos;
      const vl = fast && sc.peek() === 123 ? readFastValueList(sc, rates) : undefined;
      if (vl !== undefined) pushValueList(vl, records);
      else {
        const problem = readElement(body, sc.readValue(1), rates, records, events);
        if (problem !== undefined) rejected.push(rejection(problem, index, start));
      }
      sc.skipWs();
      const c = body.charCodeAt(sc.pos++);
      if (c === 93) break;
      if (c !== 44) sc.fail("expected ',' or ']' after an array element", sc.pos - 1);
    }
  }
  sc.skipWs();
  if (sc.pos < body.length) sc.fail('unexpected text after the array');
  return { records, events, rejected };
}

function rejection(p: ObjectProblem, index: number, offset: number): Rejection {
  const r = { code: p.code, message: p.message, index, offset };
  return p.values === undefined ? r : { ...r, values: p.values };
}

function openArray(sc: JsonScanner): void {
  sc.skipWs();
  if (sc.peek() === 91 /* [ */) {
    sc.pos++;
    return;
  }
  if (sc.pos >= sc.body.length) sc.fail('the body is empty');
  const start = sc.pos;
  const node = sc.readValue(0);
  sc.skipWs();
  if (sc.pos < sc.body.length) sc.fail('unexpected text after the value');
  throw new ParseError('PARSE_ERR_JSON_NOT_ARRAY', `cannot parse collectd JSON: the body is a${node.kind === 'object' || node.kind === 'array' ? 'n' : ''} ${node.kind}, not an array`, start);
}

function readElement(body: string, node: JsonNode, rates: boolean, records: MetricRecord[], events: EventRecord[]): ObjectProblem | undefined {
  if (node.kind !== 'object') return new ObjectProblem('PARSE_ERR_NOT_OBJECT', `cannot read array element: it is a ${node.kind}, not an object`);
  if (node.members.has('values')) {
    const vl = valueListFromNode(body, node, rates);
    if (vl instanceof ObjectProblem) return vl;
    pushValueList(vl, records);
    return undefined;
  }
  if (isNotification(node)) {
    const event = eventFromNode(body, node);
    if (event instanceof ObjectProblem) return event;
    events.push(event);
    return undefined;
  }
  return new ObjectProblem('PARSE_ERR_UNKNOWN_SHAPE', 'cannot read array element: it has neither "values" nor "labels"/"annotations"');
}
