// Throughput of the StatsD line parser on full datagrams. Run with
// `npx vitest bench --project unit --run ingest/parsers/statsd`.
import { bench, describe } from 'vitest';
import { parseStatsd } from './parse.ts';

const LINES = ['api.requests:1|c|@0.5|#route:login,env:prod', 'queue.depth:42|g', 'api.latency:123.4|ms|#route:login', 'users.seen:alice|s', 'payload:2048|h'];
/** One 1,400-byte datagram (a common client buffer size), lines repeated. */
const datagram = Buffer.from(
  Array.from({ length: 40 }, (_, i) => LINES[i % LINES.length])
    .join('\n')
    .slice(0, 1400),
);

describe(`parseStatsd (${datagram.length} bytes per datagram)`, () => {
  bench('datagram', () => {
    parseStatsd(datagram);
  });
});
