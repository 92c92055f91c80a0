// An Outbox in memory, for unit tests of what sits on top of it (delivery loops, the lifecycle job).
import type { AlertEvent } from './model.ts';
import type { DeliveryOutcome, Outbox, OutboxEntry } from './outbox.ts';

/** The fake, plus what tests look at and the failures they can inject. */
export interface FakeOutbox extends Outbox {
  /** Marks by feed: id → outcome, in the order they were made. */
  readonly marks: Map<string, Map<string, DeliveryOutcome>>;
  /** Makes the next `n` calls of any method reject, as storage that is down does. */
  failNext(n: number): void;
}

/** Creates an empty fake outbox for `feeds`. Same contract as {@link createOutbox}, minus durability. */
export function createFakeOutbox(feeds: readonly string[], scope = `fake:${Math.random().toString(36).slice(2)}`): FakeOutbox {
  const entries = new Map<string, OutboxEntry[]>(feeds.map((f) => [f, []]));
  const marks = new Map<string, Map<string, DeliveryOutcome>>(feeds.map((f) => [f, new Map()]));
  let failures = 0;
  const check = async (): Promise<void> => {
    await Promise.resolve();
    if (failures > 0) {
      failures--;
      throw new Error('fake outbox: storage is down');
    }
  };
  const pendingOf = (feed: string): OutboxEntry[] => {
    const done = marks.get(feed) ?? new Map();
    return (entries.get(feed) ?? []).filter((e) => !done.has(e.id));
  };

  return {
    feeds,
    scope,
    marks,
    failNext: (n) => void (failures = n),
    async add(events: readonly AlertEvent[]) {
      await check();
      for (const feed of feeds) {
        const list = entries.get(feed) ?? [];
        for (const event of events) {
          if (list.some((e) => e.id === event.id)) continue;
          list.push({ feed, id: event.id, alertKey: event.alert.key, createdAt: event.at, event });
        }
        list.sort((a, b) => a.createdAt - b.createdAt);
        entries.set(feed, list);
      }
    },
    async pending(feed, limit) {
      await check();
      return pendingOf(feed).slice(0, limit);
    },
    async markDelivered(feed, ids, outcome = 'delivered') {
      await check();
      const m = marks.get(feed) ?? new Map<string, DeliveryOutcome>();
      for (const id of ids) if (!m.has(id)) m.set(id, outcome);
      marks.set(feed, m);
    },
    async superseded(feed, limit) {
      await check();
      const p = pendingOf(feed);
      const latest = new Map<string, string>();
      for (const e of p) latest.set(e.alertKey, e.id);
      return p.filter((e) => latest.get(e.alertKey) !== e.id).slice(0, limit).map((e) => e.id);
    },
    async stats(feed) {
      await check();
      const p = pendingOf(feed);
      return { pending: p.length, oldestCreatedAt: p.length > 0 ? p[0].createdAt : null };
    },
  };
}
