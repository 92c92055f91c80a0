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
import type { AnalysisConfig } from './config.ts';
import { detectorSet } from './jobs/detector-set.ts';
import { createJobMetrics, JobRunner } from './jobs/runner.ts';

export interface AnalysisLog {
  info(o: object, m: string): void;
  warn(o: object, m: string): void;
  error(o: object, m: string): void;
}

export interface AnalysisService {
  readonly jobs: readonly JobRunner[];
  /** The scheduled capacity job; undefined when `analysis.capacity.enabled` is false. */
  readonly capacity?: CapacityJob;
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
  const publish = async (events: AlertEvent[]) => {
    if (!outbox) return;
    await outbox.add(events);
    delivery?.kick();
  };
  const lifecycle: LifecycleOptions = config.alerts;
  const metrics = createJobMetrics(registry);
  const jobs = config.jobs.filter((j) => j.enabled).map((job) => new JobRunner(job, { storage, detectors: detectorSet, lifecycle, publish, metrics, log }));
  const capacity = config.capacity.enabled ? createCapacityJob({ storage, config: config.capacity, log }) : undefined;
  registry.collect('fleetscope_alerts', 'Alerts of this process\'s jobs that are pending or firing (1 each), by alertname, job, host, severity and status.', () =>
    jobs.flatMap((j) =>
      j
        .alerts()
        .filter((a) => a.status !== 'resolved')
        .map((a) => [{ alertname: a.labels.alertname ?? '', job: a.labels.job ?? '', host: a.labels.host ?? '', severity: a.labels.severity ?? '', status: a.status }, 1] as const),
    ),
  );
  return {
    jobs,
    capacity,
    start() {
      delivery?.start();
      for (const j of jobs) j.start();
      capacity?.start();
    },
    async stop() {
      await Promise.all([...jobs.map((j) => j.stop()), capacity?.stop()]);
      await delivery?.stop();
    },
  };
}
