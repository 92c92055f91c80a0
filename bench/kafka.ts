// The scaled-out path of `npm run bench -- --only kafka`: a real Kafka broker (test/helpers/kafka.ts:
// own broker, or KAFKA_BROKERS), one fleetscope process with role `ingest` (answers POST /collectd once
// Kafka acknowledged) and one with roles `writer,dashboards` (consumes into its embedded chDB and
// serves the read API), all on this machine. The collectd JSON load of bench/run.ts is sent to the
// ingest process; meanwhile a probe of one value with a host of its own is sent every --probe-ms, and
// the writer's read API is polled every --poll-ms until each acknowledged probe is queryable.
//
// It reports:
//  - values/s end to end: values stored by the writer ÷ time from the first send to the last value stored
//    (after sending stops it waits until the writer stored everything acknowledged and lag is 0);
//  - values/s acknowledged by ingest (acknowledged values ÷ send time);
//  - p50/p99 of send → 200 for the load requests, and of 200 → queryable for the probes;
//  - peak RSS (VmHWM) of the ingest, writer and broker processes, and the CPU each used while sending
//    and while the writer caught up;
//  - the writer's block and insert timing and the producer's send timing from their /metrics.
//
//   npm run bench -- --only kafka [--seconds 20 --concurrency 200 --body-kib 64 --partitions 6
//                                  --batch-rows 50000 --flush-ms 1000 --linger-ms 5 --compression snappy
//                                  --max-message-records 1000 --probe-ms 250 --poll-ms 40]
import { readdirSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFleetscope, type FleetscopeHandle } from '../test/helpers/fleetscope.ts';
import { startKafka } from '../test/helpers/kafka.ts';

/** What the JSON load of bench/run.ts reports. Times are `performance.now()` ms. */
export interface JsonLoadResult {
  /** Values of 200 answers. */
  accepted: number;
  /** Send → answer of every request. */
  latencies: number[];
  /** Send → answer of the 200 answers. */
  ackLatencies: number[];
  refused503: number;
  errors: number;
  /** First send. */
  t0: number;
  /** Last answer. */
  sendEnd: number;
  /** Distinct bodies per round of the fleet, and values per round. */
  bodies: number;
  valuesPerRound: number;
}

export interface KafkaBenchOptions {
  seconds: number;
  hosts: number;
  concurrency: number;
  bodyKib: number;
  partitions: number;
  batchRows: number;
  flushIntervalMs: number;
  lingerMs: number;
  maxMessageRecords: number;
  compression: 'snappy' | 'gzip' | 'none';
  probeMs: number;
  pollMs: number;
}

const PROBE_PLUGIN = 'benchprobe';
const PROBE_METRIC = `${PROBE_PLUGIN}.gauge`;
/** The read API returns at most 1,000 series per call; probes share one metric, so at most this many. */
const MAX_PROBES = 950;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

function statusField(pid: number | undefined, field: string): number {
  if (pid === undefined) return NaN;
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : NaN;
  } catch {
    return NaN;
  }
}

/** CPU seconds (user + system, all threads) a process used so far; clock ticks are 100 Hz on Linux. */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return NaN;
  }
}

/** The broker JVM: our own broker's dir (tmp/fleetscope-kafka-*) whose listener is `port`, else the one kafka.Kafka JVM. */
function brokerPid(port: string): number | undefined {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith('fleetscope-kafka-')) continue;
    try {
      const props = readFileSync(join(tmpdir(), name, 'server.properties'), 'utf8');
      if (!props.includes(`PLAINTEXT://127.0.0.1:${port}`)) continue;
      const pid = Number(readFileSync(join(tmpdir(), name, 'broker.pid'), 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0) return pid;
    } catch {
      // not a broker dir of ours
    }
  }
  const jvms = readdirSync('/proc').filter((d) => {
    if (!/^\d+$/.test(d)) return false;
    try {
      return readFileSync(`/proc/${d}/cmdline`, 'utf8').includes('kafka.Kafka');
    } catch {
      return false;
    }
  });
  return jvms.length === 1 ? Number(jvms[0]) : undefined;
}

interface Histogram {
  count: number;
  sum: number;
  buckets: Array<[number, number]>;
}

/** A histogram of /metrics text (summed over label sets matching `labels`). */
function histogram(text: string, name: string, labels: Record<string, string> = {}): Histogram {
  const h: Histogram = { count: 0, sum: 0, buckets: [] };
  const byLe = new Map<number, number>();
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const ls = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (!Object.entries(labels).every(([k, v]) => ls[k] === v)) continue;
    if (m[1] === `${name}_count`) h.count += Number(m[3]);
    else if (m[1] === `${name}_sum`) h.sum += Number(m[3]);
    else if (m[1] === `${name}_bucket`) {
      const le = ls.le === '+Inf' ? Infinity : Number(ls.le);
      byLe.set(le, (byLe.get(le) ?? 0) + Number(m[3]));
    }
  }
  h.buckets = [...byLe.entries()].sort((a, b) => a[0] - b[0]);
  return h;
}

/** Upper bound of the bucket holding quantile `q` ("≤ x s"), or "> last" for the +Inf bucket. */
function histQuantile(h: Histogram, q: number): string {
  if (h.count === 0) return 'n/a';
  const rank = q * h.count;
  let prevLe = 0;
  for (const [le, cum] of h.buckets) {
    if (cum >= rank) return le === Infinity ? `> ${prevLe} s` : `≤ ${le} s`;
    prevLe = le;
  }
  return 'n/a';
}

function histSummary(h: Histogram): Record<string, unknown> {
  return { count: h.count, meanSeconds: h.count ? +(h.sum / h.count).toFixed(3) : NaN, p50: histQuantile(h, 0.5), p99: histQuantile(h, 0.99) };
}

function postJson(agent: Agent, port: number, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/collectd', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

interface Probe {
  host: string;
  sentAt: number;
  ackAt?: number;
  status?: number;
  visibleAt?: number;
  /** When the poll that first saw it was sent (lower bound of visible). */
  seenPollSentAt?: number;
}

/**
 * Probes of one value with a host of their own, sent every `probeMs` while `running()`; one poller asks
 * the writer's read API for every probe series (one call covers all outstanding probes, so polling
 * costs the writer the same whatever the number of probes) every `pollMs`, and marks a probe visible
 * when its point is in the answer. Visible time = when that answer arrived.
 */
function startProbes(ingestPort: number, writerUrl: string, probeMs: number, pollMs: number, running: () => boolean) {
  const agent = new Agent({ keepAlive: true });
  const tag = Date.now().toString(36);
  const probes: Probe[] = [];
  const startWall = Date.now();
  let polls = 0;
  let pollErrors = 0;
  let pollMsTotal = 0;
  const healthzMs: number[] = [];
  let stopPolling = false;

  const sender = (async () => {
    while (running() && probes.length < MAX_PROBES) {
      const n = probes.length;
      const p: Probe = { host: `probe-${tag}-${String(n).padStart(4, '0')}`, sentAt: performance.now() };
      probes.push(p);
      const body = JSON.stringify([
        { values: [n], dstypes: ['gauge'], dsnames: ['value'], time: Date.now() / 1000, interval: 1, host: p.host, plugin: PROBE_PLUGIN, plugin_instance: '', type: 'gauge', type_instance: '' },
      ]);
      void postJson(agent, ingestPort, body).then(
        (status) => {
          p.status = status;
          if (status === 200) p.ackAt = performance.now();
        },
        () => (p.status = 0),
      );
      await sleep(probeMs);
    }
  })();

  const poller = (async () => {
    while (!stopPolling) {
      const waiting = probes.filter((p) => p.ackAt !== undefined && p.visibleAt === undefined);
      if (waiting.length > 0) {
        const s = performance.now();
        // The writer's event-loop delay alone: /healthz touches no storage.
        void fetch(`${writerUrl}/healthz`).then(
          (h) => h.text().then(() => healthzMs.push(performance.now() - s)),
          () => {},
        );
        try {
          const res = await fetch(`${writerUrl}/api/v1/points?metric=${PROBE_METRIC}&start=${startWall - 120_000}&end=${Date.now() + 120_000}`);
          const at = performance.now();
          polls++;
          pollMsTotal += at - s;
          if (res.status !== 200) {
            pollErrors++;
            await res.text();
          } else {
            const seen = new Set<string>();
            for (const series of ((await res.json()) as { series: Array<{ host: string; points: unknown[] }> }).series) if (series.points.length > 0) seen.add(series.host);
            // Only probes acknowledged before this poll was sent count: their ack → visible is at most `at - ackAt`.
            for (const p of waiting) {
              if (p.ackAt! <= s && seen.has(p.host)) {
                p.visibleAt = at;
                p.seenPollSentAt = s;
              }
            }
          }
        } catch {
          pollErrors++;
        }
        await sleep(Math.max(0, pollMs - (performance.now() - s)));
      } else {
        await sleep(pollMs);
      }
    }
  })();

  return {
    probes,
    /** Waits for the sender, then until every acknowledged probe is visible or `timeoutMs` passed. */
    async finish(timeoutMs: number) {
      await sender;
      const deadline = performance.now() + timeoutMs;
      while (performance.now() < deadline && probes.some((p) => p.status === undefined || (p.ackAt !== undefined && p.visibleAt === undefined))) await sleep(50);
      stopPolling = true;
      await poller;
      agent.destroy();
      const h = healthzMs.sort((a, b) => a - b);
      return { polls, pollErrors, meanPollMs: polls ? Math.round(pollMsTotal / polls) : NaN, healthzP50Ms: Math.round(percentile(h, 0.5)), healthzP99Ms: Math.round(percentile(h, 0.99)) };
    },
  };
}

function kafkaConfig(brokers: string[], topic: string, o: KafkaBenchOptions) {
  return {
    brokers: brokers.join(','),
    topic,
    deadLetterTopic: `${topic}.dead`,
    groupId: `${topic}-writers`,
    partitions: o.partitions,
    lingerMs: o.lingerMs,
    maxMessageRecords: o.maxMessageRecords,
    compression: o.compression,
  };
}

const mib = (n: number) => `${n} MiB`;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** Runs the Kafka path with `load` (the JSON load of bench/run.ts) and prints what it measured. */
export async function benchKafka(o: KafkaBenchOptions, load: (port: number) => Promise<JsonLoadResult>): Promise<void> {
  const tBroker = performance.now();
  const broker = await startKafka();
  const brokerPort = broker.brokers[0].split(':').at(-1)!;
  const bpid = brokerPid(brokerPort);
  console.log(`kafka broker ${broker.brokers.join(',')}${broker.external ? ' (KAFKA_BROKERS)' : ''} pid ${bpid ?? '?'} up in ${sec(performance.now() - tBroker)}`);
  const topic = `bench-${Date.now().toString(36)}`;
  const handles: FleetscopeHandle[] = [];
  try {
    const writer = await startFleetscope({
      config: {
        roles: 'writer,dashboards',
        collectd: { udp: null },
        ingest: { batchRows: o.batchRows, flushIntervalMs: o.flushIntervalMs },
        kafka: kafkaConfig(broker.brokers, topic, o),
      },
    });
    handles.push(writer);
    const ingest = await startFleetscope({ config: { roles: 'ingest', collectd: { udp: null }, kafka: kafkaConfig(broker.brokers, topic, o) } });
    handles.push(ingest);
    const deadline = performance.now() + 60_000;
    while ((await writer.metricValue('fleetscope_kafka_writer_assigned_partitions')) < o.partitions) {
      if (performance.now() > deadline) throw new Error(`the writer was not assigned ${o.partitions} partitions within 60 s`);
      await sleep(100);
    }
    const pids = { ingest: ingest.child.pid, writer: writer.child.pid, broker: bpid };
    console.log(
      `topic ${topic}: ${o.partitions} partitions, compression ${o.compression}, lingerMs ${o.lingerMs}, maxMessageRecords ${o.maxMessageRecords}; ` +
        `writer batchRows ${o.batchRows}, flushIntervalMs ${o.flushIntervalMs}; pids ingest ${pids.ingest}, writer ${pids.writer}, broker ${pids.broker ?? '?'}`,
    );
    console.log(`${o.hosts} hosts; ${o.seconds} s of load; ${o.concurrency} HTTP connections; bodies ≤ ${o.bodyKib} KiB; a probe every ${o.probeMs} ms, polled every ${o.pollMs} ms`);

    const cpu = () => ({ ingest: cpuSeconds(pids.ingest), writer: cpuSeconds(pids.writer), broker: cpuSeconds(pids.broker), bench: process.cpuUsage() });
    const cpu0 = cpu();
    const tCpu0 = performance.now();
    const ingestPort = Number(new URL(ingest.baseUrl).port);
    let loading = true;
    const probes = startProbes(ingestPort, writer.baseUrl, o.probeMs, o.pollMs, () => loading);
    // Snapshot of top during the load, halfway through (CPU% per process as top sees it).
    const topAt = sleep((o.seconds * 1000) / 2).then(() => topSnapshot([pids.ingest, pids.writer, pids.broker, process.pid]));
    const r = await load(ingestPort);
    loading = false;
    const cpu1 = cpu();
    const tCpu1 = performance.now();
    const storedAtSendEnd = await writer.metricValue('fleetscope_ingest_values_stored_total', { format: 'collectd_json' });
    const tSendEnd = performance.now();

    // Catch up: the writer stores everything acknowledged (load + probes) and has nothing left to read.
    const probeAcked = () => probes.probes.filter((p) => p.ackAt !== undefined).length;
    let stored = storedAtSendEnd;
    let lastChange = tSendEnd;
    let lag = NaN;
    const catchDeadline = performance.now() + 240_000;
    for (;;) {
      const [s, l, q] = await Promise.all([
        writer.metricValue('fleetscope_ingest_values_stored_total', { format: 'collectd_json' }),
        writer.metricValue('fleetscope_kafka_consumer_lag'),
        writer.metricValue('fleetscope_kafka_writer_queued_blocks'),
      ]);
      const t = performance.now();
      if (s !== stored) {
        stored = s;
        lastChange = t;
      }
      lag = l;
      if ((stored >= r.accepted + probeAcked() && l === 0 && q === 0) || t > catchDeadline || t - lastChange > 20_000) break;
      await sleep(25);
    }
    const cpu2 = cpu();
    const tCpu2 = performance.now();
    const probeStats = await probes.finish(30_000);
    const top = await topAt;

    const ingestText = await ingest.metricsText();
    const writerText = await writer.metricsText();
    const producerValues = await ingest.metricValue('fleetscope_kafka_producer_values_total');
    const rss = { ingest: statusField(pids.ingest, 'VmHWM'), writer: statusField(pids.writer, 'VmHWM'), broker: statusField(pids.broker, 'VmHWM') };

    const endToEndMs = Math.max(lastChange, r.sendEnd) - r.t0;
    const sendMs = r.sendEnd - r.t0;
    const drainMs = Math.max(0, lastChange - r.sendEnd);
    const ack = [...r.ackLatencies].sort((a, b) => a - b);
    const acked = probes.probes.filter((p) => p.ackAt !== undefined);
    const seen = acked.filter((p) => p.visibleAt !== undefined);
    const vis = seen.map((p) => p.visibleAt! - p.ackAt!).sort((a, b) => a - b);
    const visLow = seen.map((p) => Math.max(0, p.seenPollSentAt! - p.ackAt!)).sort((a, b) => a - b);
    const probeAck = acked.map((p) => p.ackAt! - p.sentAt).sort((a, b) => a - b);
    const cpuOf = (a: ReturnType<typeof cpu>, b: ReturnType<typeof cpu>, ms: number) => ({
      ingest: `${Math.round(((b.ingest - a.ingest) / ms) * 1e5)}%`,
      writer: `${Math.round(((b.writer - a.writer) / ms) * 1e5)}%`,
      broker: `${Math.round(((b.broker - a.broker) / ms) * 1e5)}%`,
      bench: `${Math.round(((b.bench.user + b.bench.system - a.bench.user - a.bench.system) / 1000 / ms) * 100)}%`,
    });

    const result = {
      path: 'collectd JSON → ingest → Kafka → writer (chDB)',
      acked: r.accepted,
      stored,
      missing: r.accepted + probeAcked() - stored,
      lagAtEnd: lag,
      producerValuesAcked: producerValues,
      requests: r.latencies.length,
      refused503: r.refused503,
      errors: r.errors,
      sendSeconds: +(sendMs / 1000).toFixed(2),
      catchUpSeconds: +(drainMs / 1000).toFixed(2),
      endToEndSeconds: +(endToEndMs / 1000).toFixed(2),
      valuesPerSecondEndToEnd: Math.round(stored / (endToEndMs / 1000)),
      valuesPerSecondAcked: Math.round(r.accepted / (sendMs / 1000)),
      valuesPerSecondStoredWhileSending: Math.round(storedAtSendEnd / (sendMs / 1000)),
      valuesPerSecondStoredCatchingUp: drainMs > 0 ? Math.round((stored - storedAtSendEnd) / (drainMs / 1000)) : NaN,
      ackMs: { p50: Math.round(percentile(ack, 0.5)), p99: Math.round(percentile(ack, 0.99)), max: Math.round(ack.at(-1) ?? NaN) },
      probes: { sent: probes.probes.length, acked: acked.length, visible: vis.length, ackP50Ms: Math.round(percentile(probeAck, 0.5)), ...probeStats },
      // Until the answer that showed the probe arrived; lowerBound: until that poll was sent (without the read's own time).
      ackToQueryableMs: { p50: Math.round(percentile(vis, 0.5)), p99: Math.round(percentile(vis, 0.99)), max: Math.round(vis.at(-1) ?? NaN) },
      ackToQueryableLowerBoundMs: { p50: Math.round(percentile(visLow, 0.5)), p99: Math.round(percentile(visLow, 0.99)) },
      peakRssMiB: rss,
      cpuWhileSending: cpuOf(cpu0, cpu1, tCpu1 - tCpu0),
      cpuWhileCatchingUp: drainMs > 500 ? cpuOf(cpu1, cpu2, tCpu2 - tCpu1) : 'n/a',
      producerSend: histSummary(histogram(ingestText, 'fleetscope_kafka_producer_send_seconds')),
      writerBlock: {
        stored: histogram(writerText, 'fleetscope_kafka_writer_block_seconds').count,
        ...histSummary(histogram(writerText, 'fleetscope_kafka_writer_block_seconds')),
        meanRows: Math.round(stored / Math.max(1, histogram(writerText, 'fleetscope_kafka_writer_block_seconds').count)),
      },
      insertSamples: histSummary(histogram(writerText, 'fleetscope_ingest_insert_seconds', { table: 'samples' })),
      insertSeries: histSummary(histogram(writerText, 'fleetscope_ingest_insert_seconds', { table: 'series' })),
      topHalfway: top,
    };
    console.log(result);
    console.log(
      `\nsummary: ${fmt(result.valuesPerSecondEndToEnd)} values/s end to end (${fmt(stored)} stored in ${sec(endToEndMs)}: ${sec(sendMs)} sending + ${sec(drainMs)} catching up); ` +
        `${fmt(result.valuesPerSecondAcked)} values/s acknowledged; ack p50 ${result.ackMs.p50} ms / p99 ${result.ackMs.p99} ms; ` +
        `ack→queryable p50 ${result.ackToQueryableMs.p50} ms / p99 ${result.ackToQueryableMs.p99} ms (${vis.length}/${acked.length} probes); ` +
        `peak RSS ingest ${mib(rss.ingest)}, writer ${mib(rss.writer)}, broker ${mib(rss.broker)}`,
    );
    console.log(
      `table row: | ${o.partitions} | ${o.concurrency} | ${o.lingerMs} | ${o.batchRows} | ${o.compression} | ${o.flushIntervalMs} | ${o.maxMessageRecords} | ${fmt(stored)} | **${fmt(result.valuesPerSecondEndToEnd)}** | ${fmt(result.valuesPerSecondAcked)} | ` +
        `${result.ackMs.p50} / ${result.ackMs.p99} ms | ${(result.ackToQueryableMs.p50 / 1000).toFixed(2)} / ${(result.ackToQueryableMs.p99 / 1000).toFixed(2)} s (${(result.ackToQueryableLowerBoundMs.p50 / 1000).toFixed(2)} / ${(result.ackToQueryableLowerBoundMs.p99 / 1000).toFixed(2)}) | ${rss.ingest} / ${rss.writer} / ${rss.broker} |`,
    );
  } finally {
    for (const h of handles.reverse()) await h.stop().catch(() => {});
    await broker.stop();
  }
}

/** `top -b -n 1` lines of the given pids (CPU% as top computes it since the last refresh). */
async function topSnapshot(pids: Array<number | undefined>): Promise<string[]> {
  const { execFile } = await import('node:child_process');
  const want = pids.filter((p): p is number => p !== undefined);
  return new Promise((resolve) => {
    execFile('top', ['-b', '-n', '2', '-d', '1', ...want.flatMap((p) => ['-p', String(p)])], (err, stdout) => {
      if (err) return resolve([`top failed: ${err.message}`]);
      // The second iteration has CPU% over its 1 s interval; keep its process lines.
      const iterations = stdout.split(/\n(?=top - )/);
      const last = iterations.at(-1) ?? '';
      resolve(last.split('\n').filter((l) => want.some((p) => l.trimStart().startsWith(`${p} `))).map((l) => l.trim().replace(/\s+/g, ' ')));
    });
  });
}
