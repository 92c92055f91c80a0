// Push-format benchmark: the same application load — 2,000 hosts × 12 series — sent as InfluxDB line
// protocol and as Prometheus remote write, first to fleetscope (embedded engine; an answer means
// stored) and then to VictoriaMetrics (Debian's victoria-metrics, started here on loopback), for a
// side-by-side ratio in one run. Values per second = values acknowledged ÷ time from the first request
// to the last answer; for fleetscope the values stored are checked against the acknowledged ones.
//   npm run bench -- --only formats [--formats-seconds 15 --formats-hosts 2000 --formats-concurrency 16]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { snappy, writeRequest } from '../ingest/parsers/prometheus/write-request-builder.ts';
import { killOnExit, stopChild } from '../test/helpers/child-process.ts';
import { startFleetscope } from '../test/helpers/fleetscope.ts';

const VM_BIN = '/usr/bin/victoria-metrics';
const FIELDS = ['req_rate', 'err_rate', 'lat_p50', 'lat_p90', 'lat_p99', 'cpu_busy', 'mem_used', 'conns', 'queue_depth', 'gc_pause', 'cache_hit', 'bytes_out'];
const SITES = ['ams1', 'fra1', 'lon1', 'par1', 'nyc1', 'sjc1', 'sin1', 'syd1'];

export interface FormatsBenchOptions {
  readonly seconds?: number;
  readonly hosts?: number;
  readonly concurrency?: number;
  /** Hosts per request (a line-protocol body of this many lines, a remote-write request of × 12 series). */
  readonly hostsPerRequest?: number;
}

interface LoadResult {
  readonly target: string;
  readonly format: string;
  readonly values: number;
  readonly seconds: number;
  readonly requests: number;
  readonly failed: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

const hostName = (h: number) => `app-${String(h + 1).padStart(4, '0')}`;
const value = (h: number, f: number, round: number) => ((h * 31 + f * 7 + round) % 1000) / 10 + f;

function post(agent: Agent, url: URL, body: Buffer, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: url.pathname + url.search, method: 'POST', agent, headers: { ...headers, 'content-length': body.length } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Line-protocol bodies of one round, with `@T@` where the timestamp (seconds) goes. */
function lineBodies(hosts: number, perRequest: number): string[] {
  const out: string[] = [];
  for (let start = 0; start < hosts; start += perRequest) {
    const lines: string[] = [];
    for (let h = start; h < Math.min(hosts, start + perRequest); h++) {
      lines.push(`app,host=${hostName(h)},site=${SITES[h % SITES.length]} ${FIELDS.map((f, i) => `${f}=${value(h, i, 0)}`).join(',')} @T@`);
    }
    out.push(lines.join('\n') + '\n');
  }
  return out;
}

function remoteWriteBody(hostsFrom: number, hostsTo: number, round: number, tsMs: number): Buffer {
  const series = [];
  for (let h = hostsFrom; h < hostsTo; h++) {
    for (let i = 0; i < FIELDS.length; i++) {
      series.push({ labels: { __name__: `app_${FIELDS[i]}`, host: hostName(h), site: SITES[h % SITES.length] }, samples: [[value(h, i, round), tsMs] as const] });
    }
  }
  return snappy(writeRequest(series));
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Sends `makeBody(i)` with `concurrency` keep-alive senders for `seconds`. */
async function load(target: string, format: string, url: URL, headers: Record<string, string>, makeBody: (i: number) => Buffer, valuesPerBody: (i: number) => number, seconds: number, concurrency: number): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  let next = 0;
  let values = 0;
  let failed = 0;
  const latencies: number[] = [];
  const t0 = performance.now();
  const stopAt = t0 + seconds * 1000;
  let last = t0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < stopAt) {
        const i = next++;
        const body = makeBody(i);
        const s = performance.now();
        let status = 0;
        try {
          status = await post(agent, url, body, headers);
        } catch {
          status = 0;
        }
        const e = performance.now();
        latencies.push(e - s);
        last = Math.max(last, e);
        if (status >= 200 && status < 300) values += valuesPerBody(i);
        else {
          failed++;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    }),
  );
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    target,
    format,
    values,
    seconds: (last - t0) / 1000,
    requests: latencies.length,
    failed,
    p50Ms: latencies[Math.floor(latencies.length / 2)] ?? NaN,
    p99Ms: latencies[Math.floor(latencies.length * 0.99)] ?? NaN,
  };
}

export async function benchFormats(opts: FormatsBenchOptions = {}): Promise<LoadResult[]> {
  const seconds = opts.seconds ?? 15;
  const hosts = opts.hosts ?? 2000;
  const concurrency = opts.concurrency ?? 16;
  const perRequest = opts.hostsPerRequest ?? 250;
  if (!existsSync(VM_BIN)) {
    const r = spawnSync('bash', [join(import.meta.dirname, '../scripts/install-victoria-metrics.sh')], { stdio: 'inherit' });
    if (r.status !== 0 || !existsSync(VM_BIN)) throw new Error(`${VM_BIN} is missing and scripts/install-victoria-metrics.sh could not install it`);
  }
  const bodies = lineBodies(hosts, perRequest);
  const linesPerBody = bodies.map((b) => b.split('\n').length - 1);
  // Rounds one second apart, starting half an hour ago, so every value is new and inside retention.
  const base = Math.floor(Date.now() / 1000) - 1800;
  const influxBody = (i: number) => Buffer.from(bodies[i % bodies.length].replaceAll('@T@', String(base + Math.floor(i / bodies.length))));
  const influxValues = (i: number) => linesPerBody[i % bodies.length] * FIELDS.length;
  const rwBody = (i: number) => {
    const b = i % bodies.length;
    const round = Math.floor(i / bodies.length);
    return remoteWriteBody(b * perRequest, Math.min(hosts, (b + 1) * perRequest), round, (base + round) * 1000);
  };
  const rwHeaders = { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' };
  const results: LoadResult[] = [];

  const fs = await startFleetscope({ config: { log: { level: 'info' }, ingest: { flushIntervalMs: 500 } } });
  try {
    const b = new URL(fs.baseUrl);
    for (const [format, url, headers, body, values] of [
      ['influx', new URL('/write?precision=s', b), { 'content-type': 'text/plain' }, influxBody, influxValues],
      ['prometheus_remote_write', new URL('/api/v1/write', b), rwHeaders, rwBody, influxValues],
    ] as const) {
      const before = await fs.metricValue('fleetscope_ingest_values_stored_total');
      const r = await load('fleetscope', format, url, headers, body, values, seconds, concurrency);
      const stored = (await fs.metricValue('fleetscope_ingest_values_stored_total')) - before;
      results.push(r);
      console.log(`fleetscope ${format}: ${Math.round(r.values / r.seconds)} values/s acknowledged (${r.values} values, ${r.requests} requests, ${r.failed} refused), ${stored} stored; answer p50 ${r.p50Ms.toFixed(0)} ms, p99 ${r.p99Ms.toFixed(0)} ms`);
    }
  } finally {
    await fs.stop();
  }

  const dir = mkdtempSync(join(tmpdir(), 'fleetscope-bench-vm-'));
  const port = await freePort();
  const vm = spawn(VM_BIN, [`-httpListenAddr=127.0.0.1:${port}`, `-storageDataPath=${dir}`, '-retentionPeriod=1', '-loggerLevel=ERROR'], { stdio: 'ignore' });
  killOnExit(vm);
  const exited = new Promise<void>((r) => vm.once('exit', () => r()));
  try {
    for (let i = 0; i < 100; i++) {
      const ok = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false);
      if (ok) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const vmUrl = new URL(`http://127.0.0.1:${port}`);
    for (const [format, url, headers, body] of [
      ['influx', new URL('/write?precision=s', vmUrl), { 'content-type': 'text/plain' }, influxBody],
      ['prometheus_remote_write', new URL('/api/v1/write', vmUrl), rwHeaders, rwBody],
    ] as const) {
      const r = await load('VictoriaMetrics', format, url, headers, body, influxValues, seconds, concurrency);
      results.push(r);
      console.log(`VictoriaMetrics ${format}: ${Math.round(r.values / r.seconds)} values/s acknowledged (${r.values} values, ${r.requests} requests, ${r.failed} refused); answer p50 ${r.p50Ms.toFixed(0)} ms, p99 ${r.p99Ms.toFixed(0)} ms`);
    }
  } finally {
    await stopChild(vm, exited);
    rmSync(dir, { recursive: true, force: true });
  }

  console.log(`\nPush formats (${hosts} hosts × ${FIELDS.length} series, ${perRequest} hosts per request, ${concurrency} senders, ${seconds} s each):\n`);
  console.log('| format | fleetscope values/s | VictoriaMetrics values/s | ratio | fleetscope p99 ms | VictoriaMetrics p99 ms |\n| --- | --- | --- | --- | --- | --- |');
  for (const format of ['influx', 'prometheus_remote_write']) {
    const f = results.find((r) => r.target === 'fleetscope' && r.format === format)!;
    const v = results.find((r) => r.target === 'VictoriaMetrics' && r.format === format)!;
    const fr = f.values / f.seconds;
    const vr = v.values / v.seconds;
    console.log(`| ${format} | ${Math.round(fr)} | ${Math.round(vr)} | ${(fr / vr).toFixed(2)} | ${f.p99Ms.toFixed(0)} | ${v.p99Ms.toFixed(0)} |`);
  }
  return results;
}
