// Lifecycle of the real daemons tests start (collectd, Alertmanager): stop by PID with a grace period,
// and never leave one behind when the test process ends.
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
