import type { Registry } from '../../lib/metrics.ts';
import { backoffDelay } from './backoff.ts';
import type { DeliveryResult } from './feeds/feed.ts';
import type { FeedSetup } from './feeds/create-feed.ts';
import type { DeliveryOutcome, Outbox, OutboxEntry } from './outbox.ts';

/** The logging a delivery needs (pino's shape). */
export interface DeliveryLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface DeliveryOptions {
  readonly outbox: Outbox;
  /** Every feed must be one the outbox queues events for. */
  readonly feeds: readonly FeedSetup[];
  /** Receives the delivery metrics; give each Delivery its own registry, or only one per registry. */
  readonly registry: Registry;
  readonly log: DeliveryLog;
  /** How often an idle loop looks for entries without being kicked (another process may add them). @default 5000 */
  readonly pollIntervalMs?: number;
  /** How often the pending count is recounted while a backlog is larger than one batch. @default 15000 */
  readonly statsIntervalMs?: number;
  /** @default Math.random */
  readonly random?: () => number;
  /** @default Date.now */
  readonly now?: () => number;
}

/** The running delivery loops, one per feed. */
export interface Delivery {
  /**
   * Starts one loop per feed. Throws if a loop of this process already delivers one of these feeds
   * from the same storage (two loops would send every entry twice). Calling it again does nothing.
   */
  start(): void;
  /** Makes idle loops look for entries now (call it after adding events). Loops backing off keep waiting. */
  kick(): void;
  /**
   * Stops every loop: a round in flight finishes (each request is bounded by its feed's timeout) and
   * its entries are marked; nothing new is sent. Resolves once all loops have ended.
   */
  stop(): Promise<void>;
}

/** Feeds delivered by a loop of this process: `<outbox scope>/<feed>`. */
const active = new Set<string>();

/** Most superseded entries marked per round (bounded memory after a long outage). */
const SUPERSEDE_LIMIT = 10_000;

interface LoopState {
  readonly setup: FeedSetup;
  readonly name: string;
  failures: number;
  pending: number;
  oldestCreatedAt: number | null;
  statsAt: number;
  kicked: boolean;
  wake: (() => void) | undefined;
  done: Promise<void> | undefined;
}

type RoundResult = { readonly next: 'idle' | 'busy' } | { readonly next: 'backoff'; readonly retryAfterMs?: number };

/**
 * Delivers the outbox to its feeds: per feed, one loop reads pending entries in order, hands them to
 * the feed, and marks what the receiver took or refused for good. When a round fails (receiver down,
 * storage down) the loop waits with exponential back-off and jitter and tries the same entries again,
 * so a receiver that was down gets everything once it is back. Delivery is at least once: an entry
 * sent but not yet marked when the process dies is sent again, with the same idempotency key.
 */
export function createDelivery(opts: DeliveryOptions): Delivery {
  const { outbox, log } = opts;
  const now = opts.now ?? Date.now;
  const random = opts.random ?? Math.random;
  const pollIntervalMs = opts.pollIntervalMs ?? 5_000;
  const statsIntervalMs = opts.statsIntervalMs ?? 15_000;
  for (const s of opts.feeds) {
    if (!outbox.feeds.includes(s.feed.name)) throw new Error(`cannot deliver feed ${s.feed.name}: the outbox does not queue events for it`);
  }
  const m = deliveryMetrics(opts.registry);
  const loops: LoopState[] = opts.feeds.map((setup) => ({
    setup,
    name: setup.feed.name,
    failures: 0,
    pending: 0,
    oldestCreatedAt: null,
    statsAt: 0,
    kicked: false,
    wake: undefined,
    done: undefined,
  }));
  opts.registry.collect('fleetscope_alert_outbox_pending', 'Outbox entries not yet delivered, by feed.', () => loops.map((s) => [{ feed: s.name }, s.pending]));
  opts.registry.collect('fleetscope_alert_outbox_oldest_pending_age_seconds', 'Age of the oldest undelivered outbox entry (0 when none), by feed.', () =>
    loops.map((s) => [{ feed: s.name }, s.oldestCreatedAt === null ? 0 : Math.max(0, now() - s.oldestCreatedAt) / 1000]),
  );
  let started = false;
  let stopping = false;
  const keys = loops.map((s) => `${outbox.scope}/${s.name}`);

  /** Waits `ms`, or less when stop() (and, if `kickable`, kick()) wakes the loop. */
  const wait = (s: LoopState, ms: number, kickable: boolean): Promise<void> => {
    if (stopping || (kickable && s.kicked)) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(finish, ms);
      function finish(): void {
        clearTimeout(timer);
        s.wake = undefined;
        resolve();
      }
      s.wake = () => {
        if (stopping || kickable) finish();
      };
    });
  };

  /** Marks `ids`, retrying while storage refuses; gives up only on stop (they are then sent again later). */
  const mark = async (s: LoopState, ids: readonly string[], outcome: DeliveryOutcome): Promise<boolean> => {
    if (ids.length === 0) return true;
    for (let attempt = 1; ; attempt++) {
      try {
        await outbox.markDelivered(s.name, ids, outcome);
        m.deliveries.inc({ feed: s.name, outcome }, ids.length);
        return true;
      } catch (err) {
        if (stopping) {
          log.error({ feed: s.name, err, entries: ids.length }, 'cannot mark alert outbox entries on shutdown; they will be sent again');
          return false;
        }
        log.warn({ feed: s.name, err, attempt }, 'cannot mark alert outbox entries; retrying');
        await wait(s, backoffDelay(attempt, s.setup.backoff, random), false);
      }
    }
  };

  const round = async (s: LoopState): Promise<RoundResult> => {
    const { feed, batchSize } = s.setup;
    s.kicked = false;
    let entries: OutboxEntry[];
    try {
      if (feed.coalesce) {
        const moot = await outbox.superseded(s.name, SUPERSEDE_LIMIT);
        if (!(await mark(s, moot, 'superseded'))) return { next: 'idle' };
      }
      entries = await outbox.pending(s.name, batchSize);
      await readStats(s, entries);
    } catch (err) {
      m.failures.inc({ feed: s.name, stage: 'outbox' });
      log.warn({ feed: s.name, err }, 'cannot read the alert outbox');
      return { next: 'backoff' };
    }
    if (entries.length === 0) return { next: 'idle' };

    let result: DeliveryResult;
    const started = now();
    try {
      result = await feed.deliver(entries, () => stopping);
    } catch (err) {
      result = { delivered: [], rejected: [], retry: { reason: `feed ${s.name} failed: ${(err as Error).message}` } };
    }
    m.roundSeconds.observe({ feed: s.name }, (now() - started) / 1000);
    for (const w of result.warnings ?? []) log.warn({ feed: s.name }, w);
    logRejected(log, s.name, result.rejected);
    const marked = (await mark(s, result.delivered, 'delivered')) && (await mark(s, result.rejected.map((r) => r.id), 'rejected'));
    afterRound(s, entries, result);
    if (!marked) return { next: 'idle' };
    if (result.retry) {
      m.failures.inc({ feed: s.name, stage: 'send' });
      log.warn({ feed: s.name, failures: s.failures + 1, pending: s.pending, reason: result.retry.reason }, 'cannot deliver alert events; will retry');
      return { next: 'backoff', retryAfterMs: result.retry.retryAfterMs };
    }
    return { next: entries.length < batchSize && !s.kicked ? 'idle' : 'busy' };
  };

  /** Pending count and oldest entry, from the entries just read, or counted when a backlog exceeds a batch. */
  const readStats = async (s: LoopState, entries: readonly OutboxEntry[]): Promise<void> => {
    s.oldestCreatedAt = entries.length > 0 ? entries[0].createdAt : null;
    if (entries.length < s.setup.batchSize) {
      s.pending = entries.length;
    } else if (now() - s.statsAt >= statsIntervalMs) {
      s.pending = (await outbox.stats(s.name)).pending;
      s.statsAt = now();
    } else {
      s.pending = Math.max(s.pending, entries.length);
    }
  };

  const afterRound = (s: LoopState, entries: readonly OutboxEntry[], result: DeliveryResult): void => {
    const done = new Set([...result.delivered, ...result.rejected.map((r) => r.id)]);
    const left = entries.filter((e) => !done.has(e.id));
    s.pending = Math.max(left.length, s.pending - done.size);
    s.oldestCreatedAt = left.length > 0 ? left[0].createdAt : s.pending > 0 ? s.oldestCreatedAt : null;
  };

  const run = async (s: LoopState): Promise<void> => {
    while (!stopping) {
      const r = await round(s);
      if (stopping) break;
      if (r.next === 'backoff') {
        s.failures++;
        await wait(s, backoffDelay(s.failures, s.setup.backoff, random, r.retryAfterMs), false);
        continue;
      }
      if (s.failures > 0) log.info({ feed: s.name, after: s.failures }, 'alert feed delivers again');
      s.failures = 0;
      if (r.next === 'idle') await wait(s, pollIntervalMs, true);
    }
  };

  return {
    start() {
      if (started) return;
      const taken = keys.filter((k) => active.has(k));
      if (taken.length > 0) throw new Error(`cannot start alert delivery: ${taken.join(', ')} already delivered by another loop of this process`);
      for (const k of keys) active.add(k);
      started = true;
      for (const s of loops) {
        s.done = run(s).catch((err: unknown) => log.error({ feed: s.name, err }, 'alert delivery loop ended by an unexpected error'));
      }
    },
    kick() {
      for (const s of loops) {
        s.kicked = true;
        s.wake?.();
      }
    },
    async stop() {
      if (!started || stopping) {
        await Promise.all(loops.map((s) => s.done));
        return;
      }
      stopping = true;
      for (const s of loops) s.wake?.();
      await Promise.all(loops.map((s) => s.done));
      for (const k of keys) active.delete(k);
    },
  };
}

/** One error line per distinct reason (a refused batch of 500 is one line), naming up to 20 ids. */
function logRejected(log: DeliveryLog, feed: string, rejected: DeliveryResult['rejected']): void {
  const byReason = new Map<string, string[]>();
  for (const r of rejected) byReason.set(r.reason, [...(byReason.get(r.reason) ?? []), r.id]);
  for (const [reason, ids] of byReason) {
    const shown = ids.length === 1 ? { id: ids[0] } : { ids: ids.slice(0, 20), count: ids.length };
    log.error({ feed, ...shown, reason }, 'alert events refused for good by the receiver; marked rejected');
  }
}

function deliveryMetrics(r: Registry) {
  return {
    deliveries: r.counter('fleetscope_alert_deliveries_total', 'Outbox entries done, by feed and outcome (delivered, rejected, superseded).'),
    failures: r.counter('fleetscope_alert_delivery_failures_total', 'Failed delivery rounds that will be retried, by feed and stage (send, outbox).'),
    roundSeconds: r.histogram('fleetscope_alert_delivery_round_seconds', 'Duration of one delivery round (all requests of one batch), by feed.', [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]),
  };
}
