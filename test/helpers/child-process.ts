// Lifecycle of the real daemons tests start (collectd, Alertmanager, Prometheus): wait until ready, stop
// by PID with a grace period, and never leave one behind when the test process ends.
import type { ChildProcess } from 'node:child_process';

const alive = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Kills `child` with SIGKILL if the test process exits while it still runs (the last resort). */
export function killOnExit(child: ChildProcess): void {
  alive.add(child);
  child.once('exit', () => alive.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const c of alive) {
      if (c.pid !== undefined && c.exitCode === null && c.signalCode === null) {
        try {
          process.kill(c.pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    }
  });
}

/** SIGTERM by PID, SIGKILL after `graceMs`; resolves once the process has exited (`exited`). */
export async function stopChild(child: ChildProcess, exited: Promise<void>, graceMs = 5_000): Promise<void> {
  const pid = child.pid;
  if (pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return; // exited between the check and the signal
  }
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([exited.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), graceMs)))]);
  clearTimeout(timer);
  if (timedOut && child.exitCode === null && child.signalCode === null) {
    process.kill(pid, 'SIGKILL');
    await exited;
  }
}

/**
 * Polls `url` until it answers 200 (a daemon's readiness endpoint, such as `/-/ready`). `gone` says
 * why the daemon is not running any more (then this fails at once), or undefined while it runs.
 */
export async function waitHttpReady(url: string, gone: () => string | undefined, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const why = gone();
    if (why !== undefined) throw new Error(why);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
