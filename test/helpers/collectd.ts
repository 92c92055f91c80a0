// Runs a real collectd 5.12 daemon (Debian collectd-core) as a child process for end-to-end tests:
// writes its config into a fresh temp dir, starts `collectd -f -C <conf>`, and talks to it through
// its unix socket. See /work/shared/reference/collectd.md §7 for the config this is built from.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killOnExit, stopChild } from './child-process.ts';

const COLLECTD_BIN = '/usr/sbin/collectd';
const PLUGIN_DIR = '/usr/lib/collectd';
const TYPES_DB = '/usr/share/collectd/types.db';
const REQUIRED_FILES = [COLLECTD_BIN, `${PLUGIN_DIR}/write_http.so`, `${PLUGIN_DIR}/network.so`, `${PLUGIN_DIR}/unixsock.so`, TYPES_DB];
const START_TIMEOUT_MS = 15_000;
const REPLY_TIMEOUT_MS = 5_000;

/** One `<Node>` of the write_http plugin. */
export interface WriteHttpOutput {
  readonly url: string;
  readonly format: 'JSON' | 'Command';
  /** With both set, libcurl sends them after the receiver answers 401 (CURLAUTH_ANY, collectd.md §1.4). */
  readonly user?: string;
  readonly password?: string;
  /** Sends rates instead of raw counters; also adds the header `X-Collectd-StoreRates: true`. Default false. */
  readonly storeRates?: boolean;
  /** Posts notifications (always as JSON) to the same URL. Default true. */
  readonly notifications?: boolean;
  /** Extra `Header` lines, e.g. `"X-Token: t"`. */
  readonly headers?: readonly string[];
  /** Logs every answer other than 200 (`write_http plugin: HTTP Error code: 401`). Default false. */
  readonly logHttpError?: boolean;
}

/** One `<Server>` of the network plugin (binary UDP protocol). */
export interface NetworkOutput {
  readonly host: string;
  readonly port: number;
  readonly securityLevel: 'None' | 'Sign' | 'Encrypt';
  readonly username?: string;
  readonly password?: string;
}

/** One `<Node>` of the write_graphite plugin (Graphite plaintext over TCP or UDP). */
export interface GraphiteOutput {
  readonly host: string;
  readonly port: number;
  readonly protocol: 'tcp' | 'udp';
  /** Put before the host in every path. Default "collectd." as in collectd's example config. */
  readonly prefix?: string;
}

export interface CollectdOptions {
  /** collectd's `Hostname`: use a distinct one per scenario so results don't mix. */
  readonly hostname: string;
  readonly writeHttp?: readonly WriteHttpOutput[];
  readonly network?: readonly NetworkOutput[];
  readonly writeGraphite?: readonly GraphiteOutput[];
}

/**
 * A running collectd. `dir` (config, log, pid file, socket) is removed by `stop()`; `log()` keeps
 * answering afterwards with the last text read.
 */
export interface CollectdHandle {
  readonly dir: string;
  readonly pid: number;
  /**
   * Writes one command (`PUTVAL …`, `PUTNOTIF …`, `FLUSH`) to collectd's unix socket and resolves
   * with the first reply line (`0 Success: …` or `-1 …`). Rejects if no reply comes within 5 s,
   * which collectd 5.12 does for some malformed PUTVALs (collectd.md §2.2).
   */
  putval(line: string): Promise<string>;
  /** Asks collectd to send its buffered values now (SIGUSR1). */
  flush(): void;
  /** collectd's log file plus anything it printed on stdout/stderr. */
  log(): string;
  /** SIGTERM by PID (collectd flushes on the way out), SIGKILL after 5 s; removes `dir`. Idempotent. */
  stop(): Promise<void>;
}

/** Children started and not yet stopped, with the function that stops each one. */
const running = new Map<ChildProcess, () => Promise<void>>();

/** Whether collectd and the plugins the tests use are installed (see scripts/install-collectd.sh). */
export function collectdAvailable(): boolean {
  return REQUIRED_FILES.every((f) => existsSync(f));
}

/** Why collectd tests cannot run here, or undefined when they can. */
export function collectdMissingReason(): string | undefined {
  const missing = REQUIRED_FILES.filter((f) => !existsSync(f));
  if (missing.length === 0) return undefined;
  return `collectd is not installed (missing ${missing.join(', ')}): run scripts/install-collectd.sh`;
}

/** Writes a config for `opts`, starts collectd on it and resolves once its unix socket accepts connections. */
export async function startCollectd(opts: CollectdOptions): Promise<CollectdHandle> {
  const reason = collectdMissingReason();
  if (reason !== undefined) throw new Error(`cannot start collectd: ${reason}`);
  const dir = mkdtempSync(join(tmpdir(), 'fs-collectd-'));
  const confPath = join(dir, 'collectd.conf');
  writeFileSync(confPath, collectdConfig(dir, opts));

  const child = spawn(COLLECTD_BIN, ['-f', '-C', confPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (s: string) => (output += s));
  child.stderr?.setEncoding('utf8').on('data', (s: string) => (output += s));
  let spawnError: Error | undefined;
  child.on('error', (e) => {
    spawnError = e;
    output += `spawn error: ${e.message}\n`;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let lastLog = '';
  const log = (): string => {
    try {
      lastLog = readFileSync(join(dir, 'collectd.log'), 'utf8');
    } catch {
      // Not written yet, or dir already removed: keep the last text read.
    }
    return output === '' ? lastLog : `${lastLog}--- stdout/stderr ---\n${output}`;
  };

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopping ??= stopChild(child, exited).finally(() => {
    log();
    rmSync(dir, { recursive: true, force: true });
    running.delete(child);
  }));
  running.set(child, stop);
  killOnExit(child);

  try {
    await waitForSocket(join(dir, 'collectd.sock'), () => gone(child, spawnError), START_TIMEOUT_MS);
  } catch (err) {
    await stop();
    throw new Error(`cannot start collectd for ${opts.hostname}: ${(err as Error).message}\n${log()}`, { cause: err });
  }
  const pid = child.pid;
  if (pid === undefined) throw new Error('cannot start collectd: no pid');
  return {
    dir,
    pid,
    putval: (line) => sendCommand(join(dir, 'collectd.sock'), line),
    flush: () => {
      if (child.exitCode === null && child.signalCode === null) process.kill(pid, 'SIGUSR1');
    },
    log,
    stop,
  };
}

/** Stops every collectd this process started and has not stopped yet. Call it from `afterAll`. */
export async function stopAllCollectd(): Promise<void> {
  await Promise.all([...running.values()].map((stop) => stop()));
}

/** The collectd.conf text for `opts`, with all paths inside `dir`. */
function collectdConfig(dir: string, opts: CollectdOptions): string {
  const q = quote;
  const lines = [
    `Hostname ${q(opts.hostname)}`,
    'FQDNLookup false',
    `BaseDir ${q(dir)}`,
    `PIDFile ${q(join(dir, 'collectd.pid'))}`,
    `PluginDir ${q(PLUGIN_DIR)}`,
    `TypesDB ${q(TYPES_DB)}`,
    'Interval 1',
    'AutoLoadPlugin false',
    '',
    'LoadPlugin logfile',
    '<Plugin logfile>',
    '  LogLevel "info"',
    `  File ${q(join(dir, 'collectd.log'))}`,
    '  Timestamp true',
    '</Plugin>',
    '',
    'LoadPlugin cpu',
    'LoadPlugin load',
    'LoadPlugin memory',
    'LoadPlugin interface',
    '<Plugin interface>',
    '  Interface "lo"',
    '  IgnoreSelected false',
    '</Plugin>',
    '',
    'LoadPlugin unixsock',
    '<Plugin unixsock>',
    `  SocketFile ${q(join(dir, 'collectd.sock'))}`,
    '  SocketPerms "0600"',
    '  DeleteSocket true',
    '</Plugin>',
  ];
  if (opts.writeHttp !== undefined && opts.writeHttp.length > 0) lines.push('', ...writeHttpConfig(opts.writeHttp));
  if (opts.network !== undefined && opts.network.length > 0) lines.push('', ...networkConfig(opts.network));
  if (opts.writeGraphite !== undefined && opts.writeGraphite.length > 0) lines.push('', ...writeGraphiteConfig(opts.writeGraphite));
  return lines.join('\n') + '\n';
}

function writeHttpConfig(nodes: readonly WriteHttpOutput[]): string[] {
  const lines = ['<LoadPlugin write_http>', '  FlushInterval 1', '</LoadPlugin>', '<Plugin write_http>'];
  nodes.forEach((n, i) => {
    lines.push(`  <Node ${quote(`node${i}`)}>`, `    URL ${quote(n.url)}`, `    Format ${quote(n.format)}`);
    lines.push(`    StoreRates ${n.storeRates === true}`, `    Notifications ${n.notifications !== false}`);
    lines.push('    Timeout 2000', `    LogHttpError ${n.logHttpError === true}`);
    if (n.user !== undefined) lines.push(`    User ${quote(n.user)}`);
    if (n.password !== undefined) lines.push(`    Password ${quote(n.password)}`);
    const headers = [...(n.headers ?? []), ...(n.storeRates === true ? ['X-Collectd-StoreRates: true'] : [])];
    for (const h of headers) lines.push(`    Header ${quote(h)}`);
    lines.push('  </Node>');
  });
  lines.push('</Plugin>');
  return lines;
}

function networkConfig(servers: readonly NetworkOutput[]): string[] {
  const lines = ['<LoadPlugin network>', '  FlushInterval 1', '</LoadPlugin>', '<Plugin network>'];
  for (const s of servers) {
    lines.push(`  <Server ${quote(s.host)} ${quote(String(s.port))}>`, `    SecurityLevel ${quote(s.securityLevel)}`);
    if (s.username !== undefined) lines.push(`    Username ${quote(s.username)}`);
    if (s.password !== undefined) lines.push(`    Password ${quote(s.password)}`);
    lines.push('  </Server>');
  }
  lines.push('</Plugin>');
  return lines;
}

function writeGraphiteConfig(nodes: readonly GraphiteOutput[]): string[] {
  const lines = ['<LoadPlugin write_graphite>', '  FlushInterval 1', '</LoadPlugin>', '<Plugin write_graphite>'];
  nodes.forEach((n, i) => {
    lines.push(`  <Node ${quote(`graphite${i}`)}>`, `    Host ${quote(n.host)}`, `    Port ${quote(String(n.port))}`, `    Protocol ${quote(n.protocol)}`);
    lines.push(`    Prefix ${quote(n.prefix ?? 'collectd.')}`, '    StoreRates true', '    AlwaysAppendDS false', '    LogSendErrors true', '  </Node>');
  });
  lines.push('</Plugin>');
  return lines;
}

/** A collectd.conf string literal: backslash and double quote escaped. */
function quote(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => '\\' + c)}"`;
}



/** Why the child is not running any more, or undefined while it runs. */
function gone(child: ChildProcess, spawnError: Error | undefined): string | undefined {
  if (spawnError !== undefined) return `cannot run ${COLLECTD_BIN}: ${spawnError.message}`;
  if (child.exitCode !== null || child.signalCode !== null) return `collectd exited early (code ${child.exitCode}, signal ${child.signalCode})`;
  return undefined;
}

/** Resolves once collectd accepts connections on its unix socket (bound, listening). */
async function waitForSocket(path: string, gone: () => string | undefined, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(existsSync(path) && (await canConnect(path)))) {
    const why = gone();
    if (why !== undefined) throw new Error(why);
    if (Date.now() > deadline) throw new Error(`unix socket ${path} not accepting connections within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function canConnect(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect(path);
    sock.once('connect', () => {
      sock.end();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

/** One connection per command: write the line, resolve with the first reply line, close. */
function sendCommand(socketPath: string, line: string): Promise<string> {
  const command = line.replace(/[\r\n]+$/, '');
  return new Promise((resolve, reject) => {
    const sock = connect(socketPath);
    let buf = '';
    let done = false;
    const finish = (err: Error | undefined, reply?: string): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      if (err !== undefined) reject(err);
      else resolve(reply ?? '');
    };
    const timer = setTimeout(
      () => finish(new Error(`cannot read collectd's reply to ${JSON.stringify(command)}: none within ${REPLY_TIMEOUT_MS} ms`)),
      REPLY_TIMEOUT_MS,
    );
    sock.setEncoding('utf8');
    sock.on('connect', () => sock.write(command + '\n'));
    sock.on('data', (chunk: string) => {
      buf += chunk;
      const nl = buf.indexOf('\n');
      if (nl >= 0) finish(undefined, buf.slice(0, nl));
    });
    sock.on('error', (e) => finish(new Error(`cannot send ${JSON.stringify(command)} to collectd: ${e.message}`, { cause: e })));
    sock.on('close', () => finish(new Error(`cannot read collectd's reply to ${JSON.stringify(command)}: connection closed`)));
  });
}
