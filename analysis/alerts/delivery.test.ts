import { afterEach, describe, expect, it } from 'vitest';
import { createRegistry, type Registry } from '../../lib/metrics.ts';
import { createDelivery, type Delivery, type DeliveryLog } from './delivery.ts';
import { createFakeOutbox, type FakeOutbox } from './fake-outbox.ts';
import type { FeedSetup } from './feeds/create-feed.ts';
import type { DeliveryResult, Feed } from './feeds/feed.ts';
import { alertKey, type AlertEvent } from './model.ts';
import type { OutboxEntry } from './outbox.ts';

const T0 = Date.parse('2026-11-21T12:00:00Z');

function event(id: string, host = 'h1', kind: AlertEvent['kind'] = 'firing', at = T0): AlertEvent {
  const labels = { alertname: 'A', host };
  return { id, kind, at, alert: { key: alertKey(labels), labels, annotations: {}, status: kind === 'resolved' ? 'resolved' : 'firing', startsAt: T0, updatedAt: at, score: 1 } };
}

/** A feed whose answer to each round the test scripts; records what it was given. */
function scriptedFeed(name: string, answer: (entries: readonly OutboxEntry[], round: number) => DeliveryResult | Promise<DeliveryResult>, coalesce = false) {
  const rounds: string[][] = [];
  const feed: Feed = {
    name,
    coalesce,
    async deliver(entries) {
      rounds.push(entries.map((e) => e.id));
      return answer(entries, rounds.length - 1);
    },
  };
  return { feed, rounds };
}
const takeAll = (entries: readonly OutboxEntry[]): DeliveryResult => ({ delivered: entries.map((e) => e.id), rejected: [] });
const down: DeliveryResult = { delivered: [], rejected: [], retry: { reason: 'receiver down' } };

const logs: Array<{ level: string; msg: string; obj: object }> = [];
const log: DeliveryLog = {
  info: (obj, msg) => void logs.push({ level: 'info', msg, obj }),
  warn: (obj, msg) => void logs.push({ level: 'warn', msg, obj }),
  error: (obj, msg) => void logs.push({ level: 'error', msg, obj }),
};

const running: Delivery[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((d) => d.stop()));
  logs.length = 0;
});

function start(outbox: FakeOutbox, feeds: Feed[], over: { pollIntervalMs?: number; batchSize?: number; registry?: Registry } = {}) {
  const registry = over.registry ?? createRegistry();
  const setups: FeedSetup[] = feeds.map((feed) => ({ feed, batchSize: over.batchSize ?? 10, backoff: { initialMs: 5, maxMs: 40 } }));
  const d = createDelivery({ outbox, feeds: setups, registry, log, pollIntervalMs: over.pollIntervalMs ?? 20, random: () => 1, now: () => Date.now() });
  running.push(d);
  d.start();
  return { d, registry };
}

async function until(cond: () => boolean, ms = 3_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
const metric = (r: Registry, line: string): number => {
  const m = new RegExp(`^${line.replace(/[{}"]/g, (c) => `\\${c}`)} (\\S+)$`, 'm').exec(r.render());
  return m ? Number(m[1]) : Number.NaN;
};

describe('alert delivery', () => {
  it('delivers pending entries in order and marks them', async () => {
    const outbox = createFakeOutbox(['f']);
    await outbox.add([event('e1', 'h1', 'firing', T0), event('e2', 'h2', 'firing', T0 + 1), event('e3', 'h1', 'resolved', T0 + 2)]);
    const { feed, rounds } = scriptedFeed('f', takeAll);
    const { registry } = start(outbox, [feed]);
    await until(() => outbox.marks.get('f')!.size === 3);
    expect(rounds[0]).toEqual(['e1', 'e2', 'e3']);
    expect([...outbox.marks.get('f')!.entries()]).toEqual([['e1', 'delivered'], ['e2', 'delivered'], ['e3', 'delivered']]);
    expect(metric(registry, 'fleetscope_alert_deliveries_total{feed="f",outcome="delivered"}')).toBe(3);
    await until(() => metric(registry, 'fleetscope_alert_outbox_pending{feed="f"}') === 0);
    expect(metric(registry, 'fleetscope_alert_outbox_oldest_pending_age_seconds{feed="f"}')).toBe(0);
  });

  it('backs off while the receiver is down and delivers everything, once, when it is back', async () => {
    const outbox = createFakeOutbox(['f']);
    await outbox.add([event('e1'), event('e2')]);
    const at: number[] = [];
    const { feed, rounds } = scriptedFeed('f', (entries, round) => {
      at.push(Date.now());
      return round < 3 ? down : takeAll(entries);
    });
    const { registry } = start(outbox, [feed]);
    await until(() => outbox.marks.get('f')!.size === 2);
    expect(rounds).toEqual([['e1', 'e2'], ['e1', 'e2'], ['e1', 'e2'], ['e1', 'e2']]);
    // random() = 1: waits of 5, 10 and 20 ms.
    expect(at[1] - at[0]).toBeGreaterThanOrEqual(4);
    expect(at[3] - at[2]).toBeGreaterThanOrEqual(19);
    expect(metric(registry, 'fleetscope_alert_delivery_failures_total{feed="f",stage="send"}')).toBe(3);
    expect(metric(registry, 'fleetscope_alert_deliveries_total{feed="f",outcome="delivered"}')).toBe(2);
    expect(logs.some((l) => l.msg === 'alert feed delivers again')).toBe(true);
  });

  it('reports what is pending and how old it is while the receiver is down', async () => {
    const outbox = createFakeOutbox(['f']);
    const old = Date.now() - 120_000;
    await outbox.add([event('e1', 'h1', 'firing', old), event('e2', 'h1', 'refresh', old + 1000)]);
    const { feed, rounds } = scriptedFeed('f', () => down);
    const { registry } = start(outbox, [feed]);
    await until(() => rounds.length >= 2);
    expect(metric(registry, 'fleetscope_alert_outbox_pending{feed="f"}')).toBe(2);
    expect(metric(registry, 'fleetscope_alert_outbox_oldest_pending_age_seconds{feed="f"}')).toBeGreaterThanOrEqual(120);
    expect(outbox.marks.get('f')!.size).toBe(0);
  });

  it('keeps the delivered part of a round and retries from the first failure', async () => {
    const outbox = createFakeOutbox(['f']);
    await outbox.add(['e1', 'e2', 'e3'].map((id, i) => event(id, 'h1', 'refresh', T0 + i)));
    const { feed, rounds } = scriptedFeed('f', (entries, round) => (round === 0 ? { ...down, delivered: ['e1'] } : takeAll(entries)));
    start(outbox, [feed]);
    await until(() => outbox.marks.get('f')!.size === 3);
    expect(rounds).toEqual([['e1', 'e2', 'e3'], ['e2', 'e3']]);
  });

  it('marks refused entries rejected, logs them, and is not blocked by them', async () => {
    const outbox = createFakeOutbox(['f']);
    await outbox.add([event('bad', 'h1', 'firing', T0), event('ok', 'h2', 'firing', T0 + 1), event('bad2', 'h3', 'firing', T0 + 2), event('odd', 'h4', 'firing', T0 + 3)]);
    const { feed } = scriptedFeed('f', () => ({
      delivered: ['ok'],
      rejected: [
        { id: 'bad', reason: 'HTTP 400' },
        { id: 'bad2', reason: 'HTTP 400' },
        { id: 'odd', reason: 'HTTP 404' },
      ],
    }));
    const { registry } = start(outbox, [feed]);
    await until(() => outbox.marks.get('f')!.size === 4);
    expect(outbox.marks.get('f')!.get('bad')).toBe('rejected');
    expect(outbox.marks.get('f')!.get('ok')).toBe('delivered');
    expect(metric(registry, 'fleetscope_alert_deliveries_total{feed="f",outcome="rejected"}')).toBe(3);
    // One line per distinct reason.
    expect(logs.filter((l) => l.level === 'error').map((l) => l.obj)).toEqual([
      { feed: 'f', ids: ['bad', 'bad2'], count: 2, reason: 'HTTP 400' },
      { feed: 'f', id: 'odd', reason: 'HTTP 404' },
    ]);
  });

  it('treats a feed that throws as a failed round', async () => {
    const outbox = createFakeOutbox(['f']);
    await outbox.add([event('e1')]);
    const { feed, rounds } = scriptedFeed('f', (entries, round) => {
      if (round === 0) throw new Error('boom');
      return takeAll(entries);
    });
    start(outbox, [feed]);
    await until(() => outbox.marks.get('f')!.size === 1);
    expect(rounds).toHaveLength(2);
    expect(logs.some((l) => String((l.obj as { reason?: string }).reason).includes('boom'))).toBe(true);
  });

  it('retries while storage is down, for reads and for marks', async () => {
    const outbox = createFakeOutbox(['f']);
    await outbox.add([event('e1')]);
    const { feed, rounds } = scriptedFeed('f', (entries) => {
      outbox.failNext(2); // the marks after this round fail twice
      return takeAll(entries);
    });
    outbox.failNext(3); // the first reads fail
    const { registry } = start(outbox, [feed]);
    await until(() => outbox.marks.get('f')!.size === 1);
    expect(rounds).toEqual([['e1']]); // marked late, but sent once
    expect(metric(registry, 'fleetscope_alert_delivery_failures_total{feed="f",stage="outbox"}')).toBe(3);
  });

  it('marks older entries of the same alert superseded on a state-sync feed', async () => {
    const outbox = createFakeOutbox(['am']);
    await outbox.add([event('a1', 'h1', 'firing', T0), event('b1', 'h2', 'firing', T0 + 1), event('a2', 'h1', 'refresh', T0 + 2), event('a3', 'h1', 'resolved', T0 + 3)]);
    const { feed, rounds } = scriptedFeed('am', takeAll, true);
    const { registry } = start(outbox, [feed]);
    await until(() => outbox.marks.get('am')!.size === 4);
    expect(rounds[0]).toEqual(['b1', 'a3']);
    expect(outbox.marks.get('am')!.get('a1')).toBe('superseded');
    expect(metric(registry, 'fleetscope_alert_deliveries_total{feed="am",outcome="superseded"}')).toBe(2);
  });

  it('reads batch after batch until the backlog is gone', async () => {
    const outbox = createFakeOutbox(['f']);
    await outbox.add(Array.from({ length: 25 }, (_, i) => event(`e${String(i).padStart(2, '0')}`, `h${i}`, 'firing', T0 + i)));
    const { feed, rounds } = scriptedFeed('f', takeAll);
    start(outbox, [feed], { batchSize: 10, pollIntervalMs: 60_000 });
    await until(() => outbox.marks.get('f')!.size === 25);
    expect(rounds.map((r) => r.length)).toEqual([10, 10, 5]);
  });

  it('delivers at once after kick(), not only at the next poll', async () => {
    const outbox = createFakeOutbox(['f']);
    const { feed } = scriptedFeed('f', takeAll);
    const { d } = start(outbox, [feed], { pollIntervalMs: 60_000 });
    await new Promise((r) => setTimeout(r, 30));
    await outbox.add([event('e1')]);
    await new Promise((r) => setTimeout(r, 100));
    expect(outbox.marks.get('f')!.size).toBe(0); // idle until the poll…
    d.kick();
    await until(() => outbox.marks.get('f')!.size === 1, 1_000); // …or a kick
  });

  it('never runs two loops for the same feed and storage in one process', async () => {
    const outbox = createFakeOutbox(['f', 'g']);
    const first = start(outbox, [scriptedFeed('f', takeAll).feed]);
    const second = createDelivery({ outbox, feeds: [{ feed: scriptedFeed('f', takeAll).feed, batchSize: 10, backoff: { initialMs: 5, maxMs: 40 } }], registry: createRegistry(), log });
    expect(() => second.start()).toThrow(/cannot start alert delivery: fake:.*\/f already delivered by another loop of this process/);
    // Another feed, or the same feed of another storage, is fine.
    start(outbox, [scriptedFeed('g', takeAll).feed]);
    start(createFakeOutbox(['f']), [scriptedFeed('f', takeAll).feed]);
    await first.d.stop();
    second.start(); // free again once the first stopped
    running.push(second);
  });

  it('refuses a feed the outbox does not queue for', () => {
    expect(() => createDelivery({ outbox: createFakeOutbox(['f']), feeds: [{ feed: scriptedFeed('x', takeAll).feed, batchSize: 1, backoff: { initialMs: 1, maxMs: 1 } }], registry: createRegistry(), log })).toThrow(
      /cannot deliver feed x: the outbox does not queue events for it/,
    );
  });

  it('stop() lets the round in flight finish and be marked, then sends nothing more', async () => {
    const outbox = createFakeOutbox(['f']);
    await outbox.add([event('e1')]);
    let release: () => void = () => {};
    const { feed, rounds } = scriptedFeed('f', async (entries) => {
      await new Promise<void>((r) => (release = r));
      return takeAll(entries);
    });
    const { d } = start(outbox, [feed]);
    await until(() => rounds.length === 1);
    const stopped = d.stop();
    await outbox.add([event('e2', 'h2', 'firing', T0 + 1)]);
    d.kick();
    release();
    await stopped;
    expect([...outbox.marks.get('f')!.keys()]).toEqual(['e1']);
    await new Promise((r) => setTimeout(r, 50));
    expect(rounds).toHaveLength(1);
  });

  it('stop() ends a loop that is backing off without waiting for the back-off', async () => {
    const outbox = createFakeOutbox(['f']);
    await outbox.add([event('e1')]);
    const { feed, rounds } = scriptedFeed('f', () => ({ ...down, retry: { reason: 'down', retryAfterMs: 60_000 } }));
    const registry = createRegistry();
    const d = createDelivery({ outbox, feeds: [{ feed, batchSize: 10, backoff: { initialMs: 60_000, maxMs: 60_000 } }], registry, log });
    d.start();
    await until(() => rounds.length === 1);
    const t = Date.now();
    await d.stop();
    expect(Date.now() - t).toBeLessThan(1_000);
  });
});
