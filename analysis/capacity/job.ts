import type { Storage } from '../../lib/clickhouse/client.ts';
import type { AnalysisLog } from '../service.ts';
import { computeCapacity } from './compute.ts';
import type { CapacityConfig } from './config.ts';
import type { CapacitySnapshot } from './snapshot.ts';
import { saveCapacitySnapshot } from './store.ts';

/** What the capacity job has done, for `GET /api/v1/analysis/jobs`. */
export interface CapacityJobStatus {
  readonly name: 'capacity';
  readonly everyMs: number;
  readonly runs: number;
  readonly failures: number;
  readonly lastRunAt?: number;
  readonly lastDurationMs?: number;
  readonly lastError?: string;
}

export interface CapacityJob {
  start(): void;
  /** Waits for a run in progress, then stops. */
  stop(): Promise<void>;
  /** Computes and stores one snapshot now, or joins the run in progress: runs never overlap. Rejects when the run fails. */
  runOnce(): Promise<CapacitySnapshot>;
  status(): CapacityJobStatus;
}

/**
 * The scheduled capacity job of the analysis role: computes a snapshot with {@link computeCapacity} and stores it,
 * first at start, then `everyMs` after the end of each run (so a slow run delays the next one instead of
 * overlapping it). A failed run is logged and counted; the next one runs on schedule.
 */
export function createCapacityJob(opts: { storage: Storage; config: CapacityConfig; log: AnalysisLog; now?: () => number }): CapacityJob {
  const { storage, config, log } = opts;
  const clock = opts.now ?? Date.now;
  let running: Promise<CapacitySnapshot> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = true;
  let status: CapacityJobStatus = { name: 'capacity', everyMs: config.everyMs, runs: 0, failures: 0 };

  const run = async (): Promise<CapacitySnapshot> => {
    const t0 = clock();
    try {
      const snap = await computeCapacity(storage, config, { generatedAt: t0 });
      await saveCapacitySnapshot(storage, snap);
      status = { ...status, runs: status.runs + 1, lastRunAt: t0, lastDurationMs: clock() - t0, lastError: undefined };
      log.info({ job: 'capacity', ms: status.lastDurationMs, warnings: snap.warnings.length }, 'capacity snapshot stored');
      return snap;
    } catch (err) {
      status = { ...status, runs: status.runs + 1, failures: status.failures + 1, lastRunAt: t0, lastDurationMs: clock() - t0, lastError: (err as Error).message };
      log.error({ job: 'capacity', err }, 'cannot compute the capacity snapshot');
      throw err;
    }
  };
  const runOnce = () => {
    running ??= run().finally(() => {
      running = undefined;
    });
    return running;
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => void runOnce().then(schedule, schedule), config.everyMs);
    timer.unref?.();
  };
  return {
    start() {
      if (!stopped) return;
      stopped = false;
      void runOnce().then(schedule, schedule);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running?.catch(() => {});
    },
    runOnce,
    status: () => status,
  };
}
