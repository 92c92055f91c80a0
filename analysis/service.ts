// The analysis role in a running process: the detection jobs, the alert outbox and its delivery loops.
import type { Storage } from '../lib/clickhouse/client.ts';
import type { Registry } from '../lib/metrics.ts';
import { createDelivery, type Delivery } from './alerts/delivery.ts';
import type { AlertFeedsConfig } from './alerts/config.ts';
import { createFeed } from './alerts/feeds/create-feed.ts';
import type { LifecycleOptions } from './alerts/lifecycle.ts';
import type { AlertEvent } from './alerts/model.ts';
import { createOutbox } from './alerts/outbox.ts';
import { createCapacityJob, type CapacityJob } from './capacity/job.ts';
import { ABSENT_JOB, type AnalysisConfig } from './config.ts';
import { createAbsentJob, type AbsentJob } from './coverage/absent-job.ts';
import { detectorSet } from './jobs/detector-set.ts';
import { createJobMetrics, JobRunner } from './jobs/runner.ts';
import { createSilenceStore } from './silences/silence-store.ts';
import { findSilence } from './silences/silence.ts';

export interface AnalysisLog {
  info(o: object, m: string): void;
  warn(o: object, m: string): void;
  error(o: object, m: string): void;
}

export interface AnalysisService {
  readonly jobs: readonly JobRunner[];
  /** The scheduled capacity job; undefined when `analysis.capacity.enabled` is false. */
  readonly capacity?: CapacityJob;
  /** The absent-host job; undefined when `analysis.absent.enabled` is false. */
  readonly absent?: AbsentJob;
  start(): void;
  stop(): Promise<void>;
}

/** Builds the jobs of the configuration, and the outbox and delivery of the configured feeds. */
export function createAnalysisService(opts: { storage: Storage; config: AnalysisConfig; feeds: AlertFeedsConfig; registry: Registry; log: AnalysisLog }): AnalysisService {
  const { storage, config, registry, log } = opts;
  const feedSetups = opts.feeds.feeds.map(createFeed);
  const outbox = feedSetups.length > 0 ? createOutbox(storage, { feeds: opts.feeds.feeds.map((f) => f.name) }) : undefined;
  const delivery: Delivery | undefined = outbox
    ? createDelivery({ outbox, feeds: feedSetups, registry, log, pollIntervalMs: opts.feeds.pollIntervalMs })
    : undefined;
  const silences = createSilenceStore(storage);
  // The one place silences apply: firing and refresh events of a silenced alert never reach the outbox;
  // resolved events always do, so a receiver that had the alert before the silence sees it end.
  const publish = async (events: AlertEvent[]) => {
    if (!outbox) return;
    const now = Date.now();
    const active = await silences.current(now);
    const kept = active.length === 0 ? events : events.filter((e) => e.kind === 'resolved' || !findSilence(active, e.alert, now));
    if (kept.length === 0) return;
    await outbox.add(kept);
    delivery?.kick();
  };
  const lifecycle: LifecycleOptions = config.alerts;
  const metrics = createJobMetrics(registry);
  const jobs = config.jobs.filter((j) => j.enabled).map((job) => new JobRunner(job, { storage, detectors: detectorSet, lifecycle, publish, metrics, log }));
  const absent = config.absent.enabled ? createAbsentJob({ storage, config: config.absent, lifecycle, publish, log }) : undefined;
  const capacity = config.capacity.enabled ? createCapacityJob({ storage, config: config.capacity, log }) : undefined;
  registry.collect('fleetscope_alerts', 'Alerts of this process\'s jobs that are pending or firing (1 each), by alertname, job, host, severity and status.', () =>
    [...jobs.flatMap((j) => j.alerts()), ...(absent?.alerts() ?? [])]
      .filter((a) => a.status !== 'resolved')
      .map((a) => [{ alertname: a.labels.alertname ?? '', job: a.labels.job ?? ABSENT_JOB, host: a.labels.host ?? '', severity: a.labels.severity ?? '', status: a.status }, 1] as const),
  );
  return {
    jobs,
    capacity,
    absent,
    start() {
      delivery?.start();
      for (const j of jobs) j.start();
      capacity?.start();
      absent?.start();
    },
    async stop() {
      await Promise.all([...jobs.map((j) => j.stop()), capacity?.stop(), absent?.stop()]);
      await delivery?.stop();
    },
  };
}
