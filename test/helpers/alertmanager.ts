// Runs a real Prometheus Alertmanager (Debian prometheus-alertmanager 0.25) as a child process on a
// loopback port for the alert feed tests: a temp config and data dir, clustering off, short group
// timers. See /work/shared/reference/product.md §2.1 for the flags this is built from.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killOnExit, stopChild, waitHttpReady } from './child-process.ts';

export const ALERTMANAGER_BIN = '/usr/bin/prometheus-alertmanager';
const READY_TIMEOUT_MS = 20_000;

/** One alert as `GET /api/v2/alerts` lists it (gettableAlert). */
export interface GettableAlert {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly updatedAt: string;
  readonly generatorURL?: string;
  readonly fingerprint: string;
  readonly receivers: Array<{ name: string }>;
  readonly status: { state: 'active' | 'suppressed' | 'unprocessed'; silencedBy: string[]; inhibitedBy: string[] };
}

export interface AlertmanagerOptions {
  /** Where Alertmanager sends its notifications (webhook_configs, send_resolved: true); none when absent. */
  readonly webhookUrl?: string;
}

/** A running Alertmanager. `dir` (config, data) survives stop() and restart(); close() removes it. */
export interface AlertmanagerHandle {
  /** `http://127.0.0.1:<port>`, the same across restarts. */
  readonly url: string;
  readonly dir: string;
  /** Alerts it holds now (`GET /api/v2/alerts`): active ones; resolved alerts are not listed. */
  alerts(): Promise<GettableAlert[]>;
  /** The value of one line of its /metrics, e.g. `alertmanager_alerts_received_total{status="resolved",version="v2"}`; 0 when absent. */
  metric(line: string): Promise<number>;
  /** What it printed (logfmt). */
  log(): string;
  /** SIGTERM by PID, SIGKILL after 5 s; keeps `dir`. Idempotent. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data dir, and waits until it is ready. */
  restart(): Promise<void>;
  /** stop() and remove `dir`. */
  close(): Promise<void>;
}

/** Why Alertmanager tests cannot run here, or undefined when they can. */
export function alertmanagerMissingReason(): string | undefined {
  if (existsSync(ALERTMANAGER_BIN)) return undefined;
  return `Alertmanager is not installed (missing ${ALERTMANAGER_BIN}): run scripts/install-alertmanager.sh`;
}

/** Starts Alertmanager on a free loopback port and resolves once `/-/ready` answers 200. */
export async function startAlertmanager(opts: AlertmanagerOptions = {}): Promise<AlertmanagerHandle> {
  const missing = alertmanagerMissingReason();
  if (missing !== undefined) throw new Error(`cannot start Alertmanager: ${missing}`);
  const dir = mkdtempSync(join(tmpdir(), 'fs-alertmanager-'));
  const configPath = join(dir, 'alertmanager.yml');
  writeFileSync(configPath, alertmanagerConfig(opts));
  let output = '';
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let port = 0;

  const spawnOnce = async (): Promise<void> => {
    const url = `http://127.0.0.1:${port}`;
    const c = spawn(
      ALERTMANAGER_BIN,
      [
        `--config.file=${configPath}`,
        `--storage.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        `--web.external-url=${url}`,
        '--cluster.listen-address=',
        '--log.level=info',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = c;
    killOnExit(c);
    c.stdout?.setEncoding('utf8').on('data', (s: string) => (output += s));
    c.stderr?.setEncoding('utf8').on('data', (s: string) => (output += s));
    let spawnError: Error | undefined;
    c.on('error', (e) => (spawnError = e));
    exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    await waitHttpReady(`${url}/-/ready`, () => {
      if (spawnError) return `cannot run ${ALERTMANAGER_BIN}: ${spawnError.message}`;
      if (c.exitCode !== null || c.signalCode !== null) return `Alertmanager exited (code ${c.exitCode}, signal ${c.signalCode})`;
      return undefined;
    }, READY_TIMEOUT_MS);
  };

  const stop = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (c) await stopChild(c, exited);
  };

  // The port is free when we ask, but may be taken before Alertmanager binds it: try a few.
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    try {
      await spawnOnce();
      break;
    } catch (err) {
      await stop();
      if (attempt >= 3) {
        rmSync(dir, { recursive: true, force: true });
        throw new Error(`cannot start Alertmanager: ${(err as Error).message}\n${output}`, { cause: err });
      }
    }
  }

  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    dir,
    async alerts() {
      const res = await fetch(`${url}/api/v2/alerts`, { signal: AbortSignal.timeout(5_000) });
      if (!res.ok) throw new Error(`cannot list Alertmanager alerts: HTTP ${res.status} ${await res.text()}`);
      return (await res.json()) as GettableAlert[];
    },
    async metric(line) {
      const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5_000) });
      const text = await res.text();
      const found = text.split('\n').find((l) => l.startsWith(`${line} `));
      return found === undefined ? 0 : Number(found.slice(line.length + 1));
    },
    log: () => output,
    stop,
    async restart() {
      await stop();
      try {
        await spawnOnce();
      } catch (err) {
        await stop();
        throw new Error(`cannot restart Alertmanager on port ${port}: ${(err as Error).message}\n${output}`, { cause: err });
      }
    },
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The config: one route to a webhook receiver (or to none), with timers short enough for tests. */
function alertmanagerConfig(opts: AlertmanagerOptions): string {
  const receiver = opts.webhookUrl
    ? `  - name: capture\n    webhook_configs:\n      - url: ${JSON.stringify(opts.webhookUrl)}\n        send_resolved: true\n`
    : `  - name: capture\n`;
  return [
    'route:',
    '  receiver: capture',
    "  group_by: ['alertname', 'host']",
    '  group_wait: 1s',
    '  group_interval: 1s',
    '  repeat_interval: 1h',
    'receivers:',
    receiver,
  ].join('\n');
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
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



