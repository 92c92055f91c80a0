// End-to-end ingest benchmark: starts fleetscope (embedded engine, fresh data directory), pushes a
// synthetic fleet through collectd write_http JSON and through the binary protocol, and reports values
// per second from send to stored, the time from send to acknowledgement, and the server's peak memory.
//   npm run bench [-- --seconds 20 --hosts 2000 --concurrency 16 --body-kib 64 --udp-rate 600000]
// `--only kafka` runs the scaled-out path instead (Kafka broker, ingest process, writer process): see
// bench/kafka.ts for what it measures and its options (--partitions, --batch-rows, --linger-ms, …).
// `--only query` runs only the query benchmark (bench/query.ts, also part of the default run):
//   npm run bench -- --only query [--query-runs 5 --query-hosts 2000]
// `--only analysis` runs only the analysis job benchmark (bench/analysis.ts, also part of the default run):
//   npm run bench -- --only analysis [--analysis-hosts 2000 --analysis-series 100]
// `--only formats` runs only the push-format benchmark (bench/formats.ts: InfluxDB line protocol and
// Prometheus remote write, side by side with VictoriaMetrics; also part of the default run):
//   npm run bench -- --only formats [--formats-seconds 15 --formats-hosts 2000 --formats-concurrency 16]
// `--only ui` runs only the dashboard benchmark (bench/ui.ts, also part of the default run):
//   npm run bench -- --only ui [--ui-hosts 2000 --ui-days 30 --ui-runs 5 --ui-width 1400]
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { parseArgs } from 'node:util';
import { startFleetscope, type FleetscopeHandle } from '../test/helpers/fleetscope.ts';
import { buildDatagrams, hostJsonTemplate, VALUES_PER_HOST } from './fleet.ts';
import { benchKafka, type JsonLoadResult } from './kafka.ts';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    hosts: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '200' },
    'body-kib': { type: 'string', default: '64' },
    'udp-rate': { type: 'string', default: '600000' },
    only: { type: 'string' },
    // Kafka path only (--only kafka):
    partitions: { type: 'string', default: '6' },
    'batch-rows': { type: 'string', default: '50000' },
    'flush-ms': { type: 'string', default: '1000' },
    'linger-ms': { type: 'string', default: '5' },
    'max-message-records': { type: 'string', default: '1000' },
    compression: { type: 'string', default: 'snappy' },
    'probe-ms': { type: 'string', default: '250' },
    'poll-ms': { type: 'string', default: '40' },
    // Query benchmark (--only query, and the default run):
    'query-runs': { type: 'string', default: '5' },
    'query-hosts': { type: 'string', default: '2000' },
    // Analysis job benchmark (--only analysis, and the default run):
    'analysis-hosts': { type: 'string', default: '2000' },
    'analysis-series': { type: 'string', default: '100' },
    // Push-format benchmark (--only formats, and the default run):
    'formats-seconds': { type: 'string', default: '15' },
    'formats-hosts': { type: 'string', default: '2000' },
    'formats-concurrency': { type: 'string', default: '16' },
    // Dashboard benchmark (--only ui, and the default run):
    'ui-hosts': { type: 'string', default: '2000' },
    'ui-days': { type: 'string', default: '30' },
    'ui-runs': { type: 'string', default: '5' },
    'ui-width': { type: 'string', default: '1400' },
  },
});
if (args.only !== undefined && !['json', 'binary', 'kafka', 'query', 'analysis', 'ui', 'formats'].includes(args.only)) throw new Error(`--only ${args.only}: use json, binary, kafka, query, analysis, ui or formats`);
const SECONDS = Number(args.seconds);
const HOSTS = Number(args.hosts);
const CONCURRENCY = Number(args.concurrency);
const BODY_BYTES = Number(args['body-kib']) * 1024;
const UDP_RATE = Number(args['udp-rate']);

function peakRssMiB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

async function waitStored(fs: FleetscopeHandle, format: string, target: number, timeoutMs: number): Promise<{ stored: number; at: number }> {
  const deadline = performance.now() + timeoutMs;
  let last = -1;
  let lastChange = performance.now();
  for (;;) {
    const stored = await fs.metricValue('fleetscope_ingest_values_stored_total', { format });
    const t = performance.now();
    if (stored !== last) {
      last = stored;
      lastChange = t;
    }
    if (stored >= target || t > deadline || t - lastChange > 3000) return { stored, at: lastChange };
    await new Promise((r) => setTimeout(r, 25));
  }
}

function post(agent: Agent, port: number, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/collectd', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Bodies of at most BODY_BYTES covering every host once, with `@T@` for the time. */
function jsonBodies(): string[] {
  const bodies: string[] = [];
  let cur: string[] = [];
  let size = 2;
  for (let h = 0; h < HOSTS; h++) {
    for (const obj of hostJsonTemplate(h)) {
      if (size + obj.length + 1 > BODY_BYTES && cur.length > 0) {
        bodies.push(`[${cur.join(',')}]`);
        cur = [];
        size = 2;
      }
      cur.push(obj);
      size += obj.length + 1;
    }
  }
  if (cur.length > 0) bodies.push(`[${cur.join(',')}]`);
  return bodies;
}

/** Runs the collectd JSON load against `port` for SECONDS with CONCURRENCY keep-alive senders. */
async function jsonLoad(port: number): Promise<JsonLoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const templates = jsonBodies();
  const valuesPerBody = templates.map((b) => (b.match(/"values":\[/g) ?? []).length && b.split('"values":[').slice(1).reduce((n, s) => n + s.slice(0, s.indexOf(']')).split(',').length, 0));
  const base = Math.floor(Date.now() / 1000) - 1800;
  let next = 0;
  let accepted = 0;
  let refused = 0;
  let errors = 0;
  const latencies: number[] = [];
  const ackLatencies: number[] = [];
  const t0 = performance.now();
  const stopAt = t0 + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < stopAt) {
        const i = next++;
        const round = Math.floor(i / templates.length);
        const body = templates[i % templates.length].replaceAll('@T@', `${base + round}.000`);
        const s = performance.now();
        try {
          const res = await post(agent, port, body);
          const ms = performance.now() - s;
          latencies.push(ms);
          if (res.status === 200) {
            accepted += valuesPerBody[i % templates.length];
            ackLatencies.push(ms);
          } else if (res.status === 503) {
            refused++;
            await new Promise((r) => setTimeout(r, 50));
          } else errors++;
        } catch {
          errors++;
        }
      }
    }),
  );
  const sendEnd = performance.now();
  agent.destroy();
  return { accepted, latencies, ackLatencies, refused503: refused, errors, t0, sendEnd, bodies: templates.length, valuesPerRound: HOSTS * VALUES_PER_HOST };
}

async function benchJson(fs: FleetscopeHandle) {
  const port = Number(new URL(fs.baseUrl).port);
  const { accepted, latencies, refused503, errors, t0, sendEnd } = await jsonLoad(port);
  const { stored, at } = await waitStored(fs, 'collectd_json', accepted, 60_000);
  latencies.sort((a, b) => a - b);
  return {
    path: 'collectd JSON (write_http)',
    sent: accepted,
    stored,
    seconds: (Math.max(at, sendEnd) - t0) / 1000,
    valuesPerSecond: Math.round(stored / ((Math.max(at, sendEnd) - t0) / 1000)),
    requests: latencies.length,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    refused503,
    errors,
  };
}

async function benchBinary(fs: FleetscopeHandle) {
  const port = fs.udpPorts[0];
  const { datagrams, timeOffsets, values } = buildDatagrams(HOSTS);
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  socket.setSendBufferSize(4 * 1024 * 1024);
  const base = Math.floor(Date.now() / 1000) - 900;
  let sent = 0;
  let i = 0;
  const t0 = performance.now();
  const stopAt = t0 + SECONDS * 1000;
  while (performance.now() < stopAt) {
    // Pace to UDP_RATE values per second in 5 ms slices.
    const due = ((performance.now() - t0) / 1000) * UDP_RATE;
    while (sent < due) {
      const k = i % datagrams.length;
      const round = Math.floor(i / datagrams.length);
      const d = Buffer.from(datagrams[k]);
      d.writeBigUInt64BE(BigInt(base + round) << 30n, timeOffsets[k]);
      socket.send(d, port, '127.0.0.1');
      sent += values[k];
      i++;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  const sendEnd = performance.now();
  const { stored, at } = await waitStored(fs, 'collectd_binary', sent, 60_000);
  socket.close();
  const dropped = await fs.metricValue('fleetscope_ingest_values_dropped_total', { format: 'collectd_binary' });
  return {
    path: `collectd binary (UDP, offered ${UDP_RATE} values/s)`,
    sent,
    stored,
    seconds: (Math.max(at, sendEnd) - t0) / 1000,
    valuesPerSecond: Math.round(stored / ((Math.max(at, sendEnd) - t0) / 1000)),
    datagrams: i,
    droppedCounted: dropped,
    lostInKernel: sent - stored - dropped,
  };
}

if (args.only === 'kafka') {
  await benchKafka(
    {
      seconds: SECONDS,
      hosts: HOSTS,
      concurrency: CONCURRENCY,
      bodyKib: BODY_BYTES / 1024,
      partitions: Number(args.partitions),
      batchRows: Number(args['batch-rows']),
      flushIntervalMs: Number(args['flush-ms']),
      lingerMs: Number(args['linger-ms']),
      maxMessageRecords: Number(args['max-message-records']),
      compression: args.compression as 'snappy' | 'gzip' | 'none',
      probeMs: Number(args['probe-ms']),
      pollMs: Number(args['poll-ms']),
    },
    jsonLoad,
  );
} else if (args.only !== 'query' && args.only !== 'analysis' && args.only !== 'ui' && args.only !== 'formats') {
  const fs = await startFleetscope({ config: { log: { level: 'info' }, ingest: { flushIntervalMs: 200 } } });
  const pid = fs.child.pid!;
  console.log(`fleetscope pid ${pid}; ${HOSTS} hosts × ${VALUES_PER_HOST} values; ${SECONDS} s per path; ${CONCURRENCY} HTTP connections; bodies ≤ ${BODY_BYTES / 1024} KiB`);
  const results: Record<string, unknown>[] = [];
  try {
    if (args.only !== 'binary') {
      results.push(await benchJson(fs));
      console.log(results.at(-1));
    }
    if (args.only !== 'json') {
      results.push(await benchBinary(fs));
      console.log(results.at(-1));
    }
    console.log({ peakRssMiB: peakRssMiB(pid) });
  } finally {
    await fs.stop();
  }
}
if (args.only === undefined || args.only === 'query') {
  // Imported here so the ingest benchmarks run whatever state the query engine is in.
  const { benchQuery } = await import('./query.ts');
  await benchQuery({ runs: Number(args['query-runs']), hosts: Number(args['query-hosts']) });
}
if (args.only === undefined || args.only === 'analysis') {
  const { benchAnalysis } = await import('./analysis.ts');
  await benchAnalysis({ hosts: Number(args['analysis-hosts']), series: Number(args['analysis-series']) });
}
if (args.only === undefined || args.only === 'formats') {
  const { benchFormats } = await import('./formats.ts');
  await benchFormats({ seconds: Number(args['formats-seconds']), hosts: Number(args['formats-hosts']), concurrency: Number(args['formats-concurrency']) });
}
if (args.only === undefined || args.only === 'ui') {
  const { benchUi } = await import('./ui.ts');
  await benchUi({ hosts: Number(args['ui-hosts']), days: Number(args['ui-days']), runs: Number(args['ui-runs']), width: Number(args['ui-width']) });
}
