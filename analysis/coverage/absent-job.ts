// The absent-host job of the analysis role: on a schedule, judges every known host (analysis/coverage/
// absent.ts) and feeds absent ones into the same alert lifecycle, outbox and feeds as anomaly alerts
// (alertname FleetscopeHostAbsent). A host that reports again stops being observed, and its alert
// resolves after the lifecycle's resolveMs. Alerts are kept in `alerts` under job "absent".
import { randomUUID } from 'node:crypto';
import type { Storage } from '../../lib/clickhouse/client.ts';
import { Lifecycle, type GroupState, type LifecycleOptions } from '../alerts/lifecycle.ts';
import type { Alert, AlertEvent } from '../alerts/model.ts';
import { ABSENT_JOB } from '../config.ts';
import { absentAnnotations, absentLabels, judgeHost } from './absent.ts';
import type { AbsentConfig } from './config.ts';
import { readHosts } from './hosts.ts';

export interface AbsentJobDeps {
  readonly storage: Storage;
  readonly config: AbsentConfig;
  readonly lifecycle: LifecycleOptions;
  /** Where alert events go (the durable outbox, silences applied); called before the alerts are saved. */
  readonly publish: (events: AlertEvent[]) => Promise<void>;
  readonly log: { info(o: object, m: string): void; error(o: object, m: string): void };
  readonly now?: () => number;
}

export interface AbsentJob {
  start(): void;
  stop(): Promise<void>;
  /** One check of every host; exposed for tests. */
  run(): Promise<void>;
  alerts(): Alert[];
}

const tsText = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

/** Builds the absent-host job; {@link AbsentJob.start} runs it every `config.everyMs`, never overlapping. */
export function createAbsentJob(deps: AbsentJobDeps): AbsentJob {
  const { storage, config } = deps;
  const now = deps.now ?? Date.now;
  const lifecycle = new Lifecycle(deps.lifecycle, `${ABSENT_JOB}-${randomUUID().slice(0, 8)}`);
  let loaded = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  const load = async () => {
    const rows = await storage.query<{ state: string }>(`SELECT argMax(state, updated_at) AS state FROM ${storage.database}.alerts WHERE job = {job:String} GROUP BY key`, { job: ABSENT_JOB });
    lifecycle.restore(rows.map((r) => JSON.parse(r.state) as GroupState));
    loaded = true;
  };

  const save = async (events: AlertEvent[]) => {
    const keys = new Set(events.map((e) => e.alert.key));
    const rows = lifecycle
      .snapshot()
      .filter((g) => keys.has(g.alert.key))
      .map((g) => JSON.stringify({ job: ABSENT_JOB, key: g.alert.key, status: g.alert.status, state: JSON.stringify(g), updated_at: tsText(Date.now()) }));
    if (rows.length > 0) await storage.insertText(`INSERT INTO ${storage.database}.alerts FORMAT JSONEachRow`, rows.join('\n'));
  };

  const run = async () => {
    if (!loaded) await load();
    const t = now();
    for (const h of await readHosts(storage, t, config)) {
      const v = judgeHost(h, t, config);
      if (v.absent) lifecycle.observe({ labels: absentLabels(h, config.severity), t, score: 1, annotations: absentAnnotations(h, v) });
    }
    const events = lifecycle.advance(t);
    if (events.length > 0) {
      await deps.publish(events);
      await save(events);
    }
  };

  const tick = async () => {
    if (running) return;
    running = run()
      .catch((err: Error) => deps.log.error({ job: ABSENT_JOB, err: err.message }, 'absent-host check failed; the next run tries again'))
      .finally(() => (running = undefined));
    await running;
  };

  return {
    start() {
      timer = setInterval(() => void tick(), config.everyMs);
      void tick();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
    },
    run,
    alerts: () => lifecycle.alerts(),
  };
}
