// Runs a real Prometheus server (Debian prometheus 2.42, scripts/install-prometheus.sh) as a child process
// on a loopback port for the remote-write test: a generated config, a temp TSDB, stopped by PID.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killOnExit, stopChild, waitHttpReady } from './child-process.ts';

export const PROMETHEUS_BIN = '/usr/bin/prometheus';
const READY_TIMEOUT_MS = 30_000;

export interface PrometheusOptions {
  /** Targets scraped as job `fleetscope` (host:port, path /metrics); Prometheus always scrapes itself as job `prometheus`. */
  readonly fleetscopeTargets?: readonly string[];
  /** remote_write URL. */
  readonly remoteWriteUrl: string;
  /** Scrape interval in seconds (default 1). */
  readonly scrapeIntervalSeconds?: number;
}

/** A running Prometheus; `close()` stops it and removes its directory. */
export interface PrometheusHandle {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** host:port it listens on (its own scrape target, so its `instance` label). */
  readonly address: string;
  /** GET `<url><path>` of its HTTP API, returning `data` of a success answer. */
  api<T>(path: string): Promise<T>;
  /** What it printed (logfmt). */
  log(): string;
  close(): Promise<void>;
}

/** Why Prometheus tests cannot run here, or undefined when they can. */
export function prometheusMissingReason(): string | undefined {
  if (existsSync(PROMETHEUS_BIN)) return undefined;
  return `Prometheus is not installed (missing ${PROMETHEUS_BIN}): run scripts/install-prometheus.sh`;
}

/** Starts Prometheus on a free loopback port and resolves once `/-/ready` answers 200. Throws when it is not installed. */
export async function startPrometheus(opts: PrometheusOptions): Promise<PrometheusHandle> {
  const missing = prometheusMissingReason();
  if (missing !== undefined) throw new Error(`cannot start Prometheus: ${missing}`);
  const dir = mkdtempSync(join(tmpdir(), 'fs-prometheus-'));
  let output = '';
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const address = `127.0.0.1:${port}`;
    const configPath = join(dir, 'prometheus.yml');
    writeFileSync(configPath, prometheusConfig(opts, address));
    const child = spawn(
      PROMETHEUS_BIN,
      [`--config.file=${configPath}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=${address}`, '--log.level=info'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    killOnExit(child);
    child.stdout?.setEncoding('utf8').on('data', (s: string) => (output += s));
    child.stderr?.setEncoding('utf8').on('data', (s: string) => (output += s));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    let spawnError: Error | undefined;
    child.on('error', (e) => (spawnError = e));
    const url = `http://${address}`;
    try {
      await waitHttpReady(
        `${url}/-/ready`,
        () =>
          spawnError
            ? `cannot run ${PROMETHEUS_BIN}: ${spawnError.message}`
            : child.exitCode !== null || child.signalCode !== null
              ? `Prometheus exited (code ${child.exitCode}, signal ${child.signalCode})`
              : undefined,
        READY_TIMEOUT_MS,
      );
      return handle(url, address, dir, child, exited, () => output);
    } catch (err) {
      await stopChild(child, exited);
      if (attempt >= 3) {
        rmSync(dir, { recursive: true, force: true });
        throw new Error(`cannot start Prometheus: ${(err as Error).message}\n${output}`, { cause: err });
      }
    }
  }
}

function handle(url: string, address: string, dir: string, child: ChildProcess, exited: Promise<void>, log: () => string): PrometheusHandle {
  return {
    url,
    address,
    async api<T>(path: string): Promise<T> {
      const res = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(5_000) });
      const body = (await res.json()) as { status: string; data: T; error?: string };
      if (!res.ok || body.status !== 'success') throw new Error(`Prometheus ${path}: HTTP ${res.status} ${body.error ?? ''}`);
      return body.data;
    },
    log,
    async close() {
      await stopChild(child, exited, 10_000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Scrapes itself and the fleetscope targets every interval, and remote-writes in small, quick batches. */
function prometheusConfig(opts: PrometheusOptions, self: string): string {
  const every = `${opts.scrapeIntervalSeconds ?? 1}s`;
  const lines = [
    'global:',
    `  scrape_interval: ${every}`,
    `  evaluation_interval: ${every}`,
    'scrape_configs:',
    '  - job_name: prometheus',
    '    static_configs:',
    `      - targets: [${JSON.stringify(self)}]`,
  ];
  if (opts.fleetscopeTargets && opts.fleetscopeTargets.length > 0) {
    lines.push('  - job_name: fleetscope', '    static_configs:', `      - targets: ${JSON.stringify(opts.fleetscopeTargets)}`);
  }
  lines.push(
    'remote_write:',
    `  - url: ${JSON.stringify(opts.remoteWriteUrl)}`,
    '    queue_config:',
    '      batch_send_deadline: 1s',
    '      max_samples_per_send: 2000',
    '      min_backoff: 100ms',
    '      max_backoff: 1s',
  );
  return lines.join('\n') + '\n';
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

