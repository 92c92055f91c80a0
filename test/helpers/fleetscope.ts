import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = resolve(import.meta.dirname, '../..');

/** A fleetscope process started for a test. */
export interface FleetscopeHandle {
  /** `http://127.0.0.1:PORT` */
  readonly baseUrl: string;
  /** UDP ports of the collectd listeners: the main one first, then `extraUdp` in order. */
  readonly udpPorts: number[];
  /** Ports of the other socket listeners: graphite_tcp, graphite_udp, statsd. */
  readonly listeners: Record<string, number>;
  readonly dataDir: string;
  /** The JSON log lines printed so far. */
  readonly logs: Record<string, unknown>[];
  readonly child: ChildProcess;
  metricsText(): Promise<string>;
  /** Value of one sample of /metrics (sum over label sets matching every given label). */
  metricValue(name: string, labels?: Record<string, string>): Promise<number>;
  /** SIGTERM, wait for exit (graceful shutdown flushes), remove the data directory unless kept. */
  stop(opts?: { keepData?: boolean }): Promise<number | null>;
}

function merge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && prev && typeof prev === 'object' && !Array.isArray(prev)
        ? merge(prev as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

/**
 * Starts `fleetscope serve` as a child process on free ports with a fresh data directory (or the
 * one given), and resolves once it listens. `config` is merged over the test defaults.
 */
export async function startFleetscope(opts: { config?: Record<string, unknown>; env?: Record<string, string>; dataDir?: string } = {}): Promise<FleetscopeHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'fleetscope-test-'));
  const dataDir = opts.dataDir ?? join(dir, 'data');
  const config = merge(
    {
      http: { host: '127.0.0.1', port: 0 },
      storage: { dataDir },
      collectd: { udp: { host: '127.0.0.1', port: 0 } },
      formats: { graphite: { tcp: { port: 0 }, udp: { port: 0 } }, statsd: { udp: { port: 0 } } },
      ingest: { flushIntervalMs: 100 },
      log: { level: 'info' },
    },
    opts.config ?? {},
  );
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bin/fleetscope.ts'), '--config', file, 'serve'], {
    cwd: ROOT,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));

  const listening = await new Promise<{ http: string; udp: number[]; listeners: Record<string, number> }>((res, rej) => {
    const fail = (err: Error) => {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      rej(err);
    };
    const timer = setTimeout(() => fail(new Error(`fleetscope did not start within 60 s; stderr: ${stderr}`)), 60_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const obj = JSON.parse(line) as Record<string, unknown>;
        logs.push(obj);
        if (obj.msg === 'listening') {
          clearTimeout(timer);
          res(obj as unknown as { http: string; udp: number[]; listeners: Record<string, number> });
        }
      } catch {
        logs.push({ raw: line });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      fail(new Error(`fleetscope exited with ${code} before listening; stderr: ${stderr}`));
    });
  });

  const baseUrl = listening.http.replace('[::1]', '127.0.0.1');
  const handle: FleetscopeHandle = {
    baseUrl,
    udpPorts: listening.udp,
    listeners: listening.listeners ?? {},
    dataDir,
    logs,
    child,
    async metricsText() {
      return (await fetch(`${baseUrl}/metrics`)).text();
    },
    async metricValue(name, labels = {}) {
      const text = await handle.metricsText();
      let sum = 0;
      for (const line of text.split('\n')) {
        const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
        if (!m || m[1] !== name) continue;
        const ls = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
        if (Object.entries(labels).every(([k, v]) => ls[k] === v)) sum += Number(m[3]);
      }
      return sum;
    },
    async stop({ keepData = false } = {}) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        await exited;
        clearTimeout(timer);
      }
      if (!keepData) rmSync(dir, { recursive: true, force: true });
      return child.exitCode;
    },
  };
  return handle;
}

/**
 * Environment for `readConfig` in tests that build a server in-process: every listener on a free
 * port (HTTP, collectd UDP, Graphite TCP/UDP, StatsD), so servers of different tests never collide;
 * `extra` is merged over it.
 */
export function freePortsEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    FLEETSCOPE_HTTP_PORT: '0',
    FLEETSCOPE_COLLECTD_UDP_PORT: '0',
    FLEETSCOPE_FORMATS_GRAPHITE_TCP_PORT: '0',
    FLEETSCOPE_FORMATS_GRAPHITE_UDP_PORT: '0',
    FLEETSCOPE_FORMATS_STATSD_UDP_PORT: '0',
    ...extra,
  };
}
