// A real single-node Apache Kafka broker for integration tests, started through
// scripts/kafka-broker.sh (Kafka 3.9.1 in KRaft mode, jars gathered with Maven into .cache/kafka/lib,
// java 17 needed). Each own broker gets a fresh temp dir and two free ports on 127.0.0.1.
// With KAFKA_BROKERS set, tests use that cluster instead unless they ask for their own broker.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SCRIPT = join(REPO_ROOT, 'scripts', 'kafka-broker.sh');
/** The script itself waits up to 60 s for the port (plus a first-time Maven download); this bounds the whole call. */
const SCRIPT_TIMEOUT_MS = 300_000;
/** After the port accepts connections, how long the broker gets to answer a metadata request. */
const READY_TIMEOUT_MS = 30_000;
const LOG_TAIL_LINES = 40;

export interface KafkaBroker {
  /** `host:port` bootstrap addresses, as in `KAFKA_BROKERS`. */
  readonly brokers: string[];
  /** True when the broker came from `KAFKA_BROKERS` (not ours: halt/resume/kill throw). */
  readonly external: boolean;
  /** Stops the broker (like {@link halt}) and removes its temp dir with the data. Idempotent; no-op when external. */
  stop(): Promise<void>;
  /** stops the broker process (SIGTERM, then SIGKILL after 20 s) keeping its data */
  halt(): Promise<void>;
  /** starts it again on the same ports with the same data */
  resume(): Promise<void>;
  /**
   * SIGKILL, keeping the data; {@link resume} starts it again. After an unclean stop the restart takes
   * ~15 s instead of ~4 s: the controller refuses the new incarnation (DUPLICATE_BROKER_REGISTRATION)
   * until the old one's broker.session.timeout.ms (9 s) has run out.
   */
  kill(): Promise<void>;
}

/** Dirs of own brokers not yet halted: killed when the test process exits so no JVM outlives it. */
const live = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const dir of live) {
      const pid = readPid(dir);
      if (pid !== undefined) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

/**
 * A broker for a test. With env `KAFKA_BROKERS` set and `own` not true, that cluster (nothing is
 * started). Otherwise starts a broker of our own and resolves once it answers Kafka requests; rejects
 * with the tail of the broker's log when it does not come up (missing java or jars included).
 */
export async function startKafka(opts: { own?: boolean } = {}): Promise<KafkaBroker> {
  const external = process.env.KAFKA_BROKERS?.trim();
  if (external && !opts.own) return externalBroker(external);

  const [port, controllerPort] = await freePorts(2);
  const dir = await mkdtemp(join(tmpdir(), 'fleetscope-kafka-'));
  installExitHook();
  live.add(dir);
  let brokers: string[];
  try {
    brokers = await runStart(dir, port, controllerPort);
    await waitUntilAnswering(brokers, dir);
  } catch (err) {
    await haltDir(dir).catch(() => {});
    live.delete(dir);
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  let removed = false;

  const broker: KafkaBroker = {
    brokers,
    external: false,
    async halt() {
      if (removed) throw new Error('Kafka broker was stopped and its data removed');
      await haltDir(dir);
    },
    async kill() {
      if (removed) throw new Error('Kafka broker was stopped and its data removed');
      const pid = readPid(dir);
      if (pid !== undefined && isAlive(pid)) {
        process.kill(pid, 'SIGKILL');
        const deadline = Date.now() + 10_000;
        while (isAlive(pid) && Date.now() < deadline) await sleep(50);
      }
      await haltDir(dir); // removes the pid file
    },
    async resume() {
      if (removed) throw new Error('Kafka broker was stopped and its data removed');
      live.add(dir);
      const again = await runStart(dir, port, controllerPort);
      if (again.join(',') !== brokers.join(',')) throw new Error(`Kafka broker came back on ${again.join(',')}, not ${brokers.join(',')}`);
      await waitUntilAnswering(brokers, dir);
    },
    async stop() {
      if (removed) return;
      removed = true;
      try {
        await haltDir(dir);
      } finally {
        live.delete(dir);
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
  return broker;
}

function externalBroker(list: string): KafkaBroker {
  const refuse = async (): Promise<never> => {
    throw new Error(
      'this test needs its own Kafka broker (it stops and restarts it): call startKafka({ own: true }) instead of using KAFKA_BROKERS',
    );
  };
  return {
    brokers: list.split(',').map((b) => b.trim()).filter((b) => b !== ''),
    external: true,
    stop: async () => {},
    halt: refuse,
    resume: refuse,
    kill: refuse,
  };
}

interface ScriptResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runScript(args: string[]): Promise<ScriptResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [SCRIPT, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), SCRIPT_TIMEOUT_MS);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function runStart(dir: string, port: number, controllerPort: number): Promise<string[]> {
  const res = await runScript(['start', '--dir', dir, '--port', String(port), '--controller-port', String(controllerPort)]);
  const line = res.stdout.split('\n').find((l) => l.startsWith('KAFKA_BROKERS='));
  if (res.code !== 0 || !line) {
    // the script prints the logs' tails itself when the broker fails after being launched
    const tail = res.stderr.includes('---- last lines of') ? '' : `\n${logTail(dir)}`;
    throw new Error(
      `kafka-broker.sh start exited with ${res.code}${line ? '' : ' without a KAFKA_BROKERS line'}\n${res.stderr.trim()}${tail}`,
    );
  }
  return line.slice('KAFKA_BROKERS='.length).trim().split(',');
}

async function haltDir(dir: string): Promise<void> {
  const res = await runScript(['stop', '--dir', dir]);
  if (res.code !== 0) throw new Error(`kafka-broker.sh stop exited with ${res.code}\n${res.stderr.trim()}`);
  live.delete(dir);
}

/** Retries an admin connect + listTopics until the broker answers, for up to 30 s. */
async function waitUntilAnswering(brokers: string[], dir: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last: unknown;
  while (Date.now() < deadline) {
    const admin = new Kafka({
      clientId: 'fleetscope-test',
      brokers,
      logLevel: logLevel.NOTHING,
      connectionTimeout: 2_000,
      retry: { retries: 0 },
    }).admin();
    try {
      await admin.connect();
      await admin.listTopics();
      return;
    } catch (err) {
      last = err;
    } finally {
      await admin.disconnect().catch(() => {});
    }
    await sleep(250);
  }
  throw new Error(
    `Kafka broker at ${brokers.join(',')} accepts connections but did not answer listTopics within ${READY_TIMEOUT_MS / 1000} s: ` +
      `${last instanceof Error ? last.message : String(last)}\n${logTail(dir)}`,
  );
}

/** Binds `n` distinct ports on 127.0.0.1 chosen by the kernel, then releases them. */
async function freePorts(n: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
    }
    return servers.map((s) => {
      const addr = s.address();
      if (addr === null || typeof addr === 'string') throw new Error('unexpected server address');
      return addr.port;
    });
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

function readPid(dir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dir, 'broker.pid'), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Alive and not a zombie (the JVM's parent is whoever adopted it after the script exited). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function logTail(dir: string): string {
  const parts: string[] = [];
  for (const name of ['format.log', 'broker.out', 'kafka.log']) {
    const file = join(dir, name);
    if (!existsSync(file)) continue;
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    if (lines.length === 1 && lines[0] === '') continue;
    parts.push(`---- last lines of ${file}\n${lines.slice(-LOG_TAIL_LINES).join('\n')}`);
  }
  return parts.join('\n');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
