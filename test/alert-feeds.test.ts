// Alert feeds end to end: the outbox on the real storage engine, delivery to a real Alertmanager
// (Debian prometheus-alertmanager) and to a local signed-webhook receiver, with receivers and
// fleetscope stopping and starting in between.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Storage } from '../lib/clickhouse/client.ts';
import { createRegistry, type Registry } from '../lib/metrics.ts';
import { createDelivery, type Delivery, type DeliveryLog } from '../analysis/alerts/delivery.ts';
import { createFeed } from '../analysis/alerts/feeds/create-feed.ts';
import { startFakeReceiver, type FakeReceiver } from '../analysis/alerts/feeds/fake-receiver.ts';
import { feedConfigSchema } from '../analysis/alerts/config.ts';
import { alertKey, type Alert, type AlertEvent } from '../analysis/alerts/model.ts';
import { createOutbox, type Outbox } from '../analysis/alerts/outbox.ts';
import { alertmanagerMissingReason, startAlertmanager, type AlertmanagerHandle } from './helpers/alertmanager.ts';
import { openTestStorage } from './helpers/storage.ts';

const RUN = randomBytes(3).toString('hex');
const SECRET = `webhook-secret-${RUN}-0123456789`;
const RESEND_MS = 60_000;

let storage: Storage;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ storage, cleanup } = await openTestStorage());
});
afterAll(async () => {
  await cleanup?.();
});

let seq = 0;
/** An event of the alert on `host`; times default to now (the lifecycle's times are recent). */
function event(host: string, kind: AlertEvent['kind'], at = Date.now(), over: Partial<Alert> = {}): AlertEvent {
  const labels = { alertname: 'FleetscopeAnomaly', host, severity: 'warning', job: 'fleet', run: RUN };
  const alert: Alert = {
    key: alertKey(labels),
    labels,
    annotations: { summary: `cpu.user anomaly on ${host}`, score: '0.97' },
    status: kind === 'resolved' ? 'resolved' : 'firing',
    startsAt: at - 60_000,
    updatedAt: at,
    score: 0.97,
    generatorURL: `http://fleetscope.test/query?host=${host}`,
    ...(kind === 'resolved' ? { endsAt: at } : {}),
    ...over,
  };
  return { id: `ev-${RUN}-${++seq}`, kind, alert, at };
}

const logs: string[] = [];
const log: DeliveryLog = {
  info: (o, m) => void logs.push(`info ${m} ${JSON.stringify(o)}`),
  warn: (o, m) => void logs.push(`warn ${m} ${JSON.stringify(o)}`),
  error: (o, m) => void logs.push(`error ${m} ${JSON.stringify(o)}`),
};

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms\n${logs.slice(-20).join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
const metric = (r: Registry, line: string): number => {
  const found = r.render().split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? 0 : Number(found.slice(line.length + 1));
};

function startDelivery(outbox: Outbox, config: unknown): { delivery: Delivery; registry: Registry } {
  const registry = createRegistry();
  const feed = createFeed(feedConfigSchema.parse(config));
  const delivery = createDelivery({ outbox, feeds: [feed], registry, log, pollIntervalMs: 200 });
  delivery.start();
  return { delivery, registry };
}

describe('alert outbox on the storage engine', () => {
  it('keeps one entry per feed and event, in creation order, however often the events are added', async () => {
    const t = Date.now();
    const e1 = event('ob-1', 'firing', t + 2);
    const e2 = event('ob-2', 'firing', t + 1);
    const e3 = event('ob-1', 'resolved', t + 3);
    const outbox = createOutbox(storage, { feeds: [`x-${RUN}`, `y-${RUN}`] });
    await outbox.add([e1, e2, e3]);
    await outbox.add([e1, e2, e3]); // the same batch again: dropped by insert deduplication
    await outbox.add([e1]); // the same event in another batch: a second row, read once
    const ids = async (feed: string) => (await outbox.pending(feed, 100)).map((e) => e.id);
    expect(await ids(`x-${RUN}`)).toEqual([e2.id, e1.id, e3.id]);
    expect(await ids(`y-${RUN}`)).toEqual([e2.id, e1.id, e3.id]);
    const [first] = await outbox.pending(`x-${RUN}`, 1);
    expect(first).toEqual({ feed: `x-${RUN}`, id: e2.id, alertKey: e2.alert.key, createdAt: e2.at, event: e2 });

    await outbox.markDelivered(`x-${RUN}`, [e2.id]);
    await outbox.markDelivered(`x-${RUN}`, [e2.id]); // marking twice is harmless
    await outbox.add([e2]); // re-adding a delivered event does not make it pending again
    expect(await ids(`x-${RUN}`)).toEqual([e1.id, e3.id]);
    expect(await ids(`y-${RUN}`)).toEqual([e2.id, e1.id, e3.id]);
    expect(await outbox.stats(`x-${RUN}`)).toEqual({ pending: 2, oldestCreatedAt: e1.at });
    expect(await outbox.pending(`x-${RUN}`, 1)).toHaveLength(1);
  });

  it('is seen by a new instance on the same storage (a restarted fleetscope)', async () => {
    const feed = `r-${RUN}`;
    const e = [event('rs-1', 'firing'), event('rs-2', 'firing')];
    const before = createOutbox(storage, { feeds: [feed] });
    await before.add(e);
    await before.markDelivered(feed, [e[0].id]);
    const after = createOutbox(storage, { feeds: [feed] });
    expect((await after.pending(feed, 10)).map((x) => x.id)).toEqual([e[1].id]);
  });

  it('finds events added with an old time: at once when added here, after a full rescan when added elsewhere', async () => {
    const feed = `f-${RUN}`;
    let clock = Date.now();
    const here = createOutbox(storage, { feeds: [feed], scanMarginMs: 1_000, rescanIntervalMs: 3_600_000, now: () => clock });
    expect(await here.pending(feed, 10)).toEqual([]); // the floor is now "now"
    const elsewhere = createOutbox(storage, { feeds: [feed] });
    const old = event('fl-1', 'firing', clock - 2 * 3_600_000);
    await elsewhere.add([old]);
    expect(await here.pending(feed, 10)).toEqual([]); // below the floor: not looked at…
    clock += 3_600_000;
    expect((await here.pending(feed, 10)).map((x) => x.id)).toEqual([old.id]); // …until the rescan
    const older = event('fl-2', 'firing', clock - 5 * 3_600_000);
    await here.add([older]);
    expect((await here.pending(feed, 10)).map((x) => x.id)).toEqual([older.id, old.id]);
  });

  it('lists the entries a newer entry of the same alert supersedes', async () => {
    const feed = `s-${RUN}`;
    const t = Date.now();
    const a1 = event('sp-a', 'firing', t);
    const b1 = event('sp-b', 'firing', t + 1);
    const a2 = event('sp-a', 'refresh', t + 2);
    const a3 = event('sp-a', 'resolved', t + 3);
    const outbox = createOutbox(storage, { feeds: [feed] });
    await outbox.add([a1, b1, a2, a3]);
    expect(await outbox.superseded(feed, 100)).toEqual([a1.id, a2.id]);
    expect(await outbox.superseded(feed, 1)).toEqual([a1.id]);
    await outbox.markDelivered(feed, [a1.id, a2.id], 'superseded');
    expect(await outbox.superseded(feed, 100)).toEqual([]);
    const marks = await storage.query<{ id: string; outcome: string }>(
      `SELECT id, outcome FROM ${storage.database}.alert_outbox_delivered WHERE feed = {feed:String} ORDER BY id`,
      { feed },
    );
    expect(marks).toEqual([a1.id, a2.id].sort().map((id) => ({ id, outcome: 'superseded' })));
  });
});

// A missing Alertmanager is a failure, never a skip: scripts/test.sh installs it.
const missing = alertmanagerMissingReason();
if (missing !== undefined) {
  describe('alert feeds to Alertmanager', () => {
    it('needs Alertmanager', () => {
      throw new Error(missing);
    });
  });
} else {
  describe('alert feeds to Alertmanager', defineAlertmanagerTests);
}

function defineAlertmanagerTests(): void {
  let am: AlertmanagerHandle;
  let hook: FakeReceiver; // where Alertmanager sends its notifications
  beforeAll(async () => {
    hook = await startFakeReceiver();
    am = await startAlertmanager({ webhookUrl: `${hook.url}/am` });
  });
  afterAll(async () => {
    await am?.close();
    await hook?.close();
  });
  const amFeed = (name: string) => ({ type: 'alertmanager', name, urls: [am.url], timeoutMs: 2_000, backoffInitialMs: 100, backoffMaxMs: 1_000, resendIntervalMs: RESEND_MS });
  const listed = async (host: string) => (await am.alerts()).find((a) => a.labels.host === host && a.labels.run === RUN);
  /** Notifications Alertmanager sent about `host`, as (status of the alert) in order. */
  const notified = (host: string): string[] =>
    hook.requests.flatMap((r) => (JSON.parse(r.body) as { alerts: Array<{ status: string; labels: Record<string, string> }> }).alerts)
      .filter((a) => a.labels.host === host && a.labels.run === RUN)
      .map((a) => a.status);

  it('a firing event shows up in Alertmanager with its labels, annotations and a lease; resolving it resolves it there', async () => {
    const feed = `am-${RUN}`;
    const outbox = createOutbox(storage, { feeds: [feed] });
    const { delivery, registry } = startDelivery(outbox, amFeed(feed));
    try {
      const firing = event('am-1', 'firing');
      const sentAfter = Date.now();
      await outbox.add([firing]);
      delivery.kick();
      const got = await until('the alert listed by Alertmanager', () => listed('am-1'));
      expect(got.labels).toEqual(firing.alert.labels);
      expect(got.annotations).toEqual(firing.alert.annotations);
      expect(got.generatorURL).toBe(firing.alert.generatorURL);
      expect(got.status.state).toBe('active');
      expect(Date.parse(got.startsAt)).toBe(firing.alert.startsAt);
      // The lease: 4 resend intervals from the time it was sent.
      const lease = Date.parse(got.endsAt) - sentAfter;
      expect(lease).toBeGreaterThanOrEqual(4 * RESEND_MS - 1_000);
      expect(lease).toBeLessThanOrEqual(4 * RESEND_MS + 10_000);
      await until('the firing notification', async () => notified('am-1').includes('firing'));
      await until('nothing pending', async () => (await outbox.pending(feed, 10)).length === 0);
      expect(metric(registry, `fleetscope_alert_deliveries_total{feed="${feed}",outcome="delivered"}`)).toBe(1);

      const resolvedBefore = await am.metric('alertmanager_alerts_received_total{status="resolved",version="v2"}');
      const resolved = event('am-1', 'resolved', Date.now(), { startsAt: firing.alert.startsAt });
      await outbox.add([resolved]);
      delivery.kick();
      // Alertmanager lists active alerts only: a resolved alert (endsAt passed) leaves the list…
      await until('the alert gone from Alertmanager', async () => (await listed('am-1')) === undefined);
      expect(await am.metric('alertmanager_alerts_received_total{status="resolved",version="v2"}')).toBe(resolvedBefore + 1);
      // …and its receivers are told it resolved.
      await until('the resolved notification', async () => notified('am-1').includes('resolved'));
      expect(notified('am-1').at(-1)).toBe('resolved');
    } finally {
      await delivery.stop();
    }
  });

  it('keeps events while Alertmanager is down, retries, and delivers them once it is back', async () => {
    const feed = `am-down-${RUN}`;
    const outbox = createOutbox(storage, { feeds: [feed] });
    const { delivery, registry } = startDelivery(outbox, amFeed(feed));
    try {
      await am.stop();
      const e = event('am-down', 'firing');
      await outbox.add([e]);
      delivery.kick();
      const failures = `fleetscope_alert_delivery_failures_total{feed="${feed}",stage="send"}`;
      await until('two failed rounds', async () => metric(registry, failures) >= 2);
      expect((await outbox.pending(feed, 10)).map((x) => x.id)).toEqual([e.id]);
      expect(metric(registry, `fleetscope_alert_outbox_pending{feed="${feed}"}`)).toBe(1);
      expect(metric(registry, `fleetscope_alert_outbox_oldest_pending_age_seconds{feed="${feed}"}`)).toBeGreaterThan(0);
      expect(logs.some((l) => l.includes('cannot deliver alert events') && l.includes('ECONNREFUSED'))).toBe(true);

      await am.restart();
      const got = await until('the alert listed after the restart', () => listed('am-down'));
      expect(got.labels).toEqual(e.alert.labels);
      await until('nothing pending', async () => (await outbox.pending(feed, 10)).length === 0);
      expect(metric(registry, `fleetscope_alert_deliveries_total{feed="${feed}",outcome="delivered"}`)).toBe(1);
    } finally {
      await delivery.stop();
    }
  });

  it('a new outbox and delivery on the same storage (fleetscope restarted) deliver what the old ones had not', async () => {
    const feed = `am-restart-${RUN}`;
    const old = createOutbox(storage, { feeds: [feed] });
    const first = startDelivery(old, amFeed(feed));
    await am.stop();
    const pendingBefore = [event('am-r1', 'firing'), event('am-r2', 'firing')];
    await old.add(pendingBefore);
    first.delivery.kick();
    await until('a failed round', async () => metric(first.registry, `fleetscope_alert_delivery_failures_total{feed="${feed}",stage="send"}`) >= 1);
    // Only one loop per feed and storage in a process, so the new one waits for the old to stop.
    const fresh = createOutbox(storage, { feeds: [feed] });
    expect(() => startDelivery(fresh, amFeed(feed))).toThrow(/already delivered by another loop/);
    await first.delivery.stop();

    await am.restart();
    expect((await fresh.pending(feed, 10)).map((x) => x.id)).toEqual(pendingBefore.map((x) => x.id));
    const second = startDelivery(fresh, amFeed(feed));
    try {
      await until('both alerts listed', async () => (await listed('am-r1')) !== undefined && (await listed('am-r2')) !== undefined);
      await until('nothing pending', async () => (await fresh.pending(feed, 10)).length === 0);
      expect(metric(second.registry, `fleetscope_alert_deliveries_total{feed="${feed}",outcome="delivered"}`)).toBe(2);
    } finally {
      await second.delivery.stop();
    }
  });
}

describe('signed webhook feed', () => {
  let receiver: FakeReceiver;
  /** Deliveries the receiver accepted, by X-Fleetscope-Delivery, and signatures that did not verify. */
  const accepted: string[] = [];
  const badSignatures: string[] = [];
  let failFirst = 0;
  let refuse = new Set<string>();
  beforeAll(async () => {
    receiver = await startFakeReceiver();
    receiver.respond(({ headers, body, index }) => {
      const id = String(headers['x-fleetscope-delivery']);
      const expected = Buffer.from(`sha256=${createHmac('sha256', SECRET).update(body, 'utf8').digest('hex')}`);
      const got = Buffer.from(String(headers['x-fleetscope-signature']));
      if (got.length !== expected.length || !timingSafeEqual(got, expected)) {
        badSignatures.push(id);
        return 401;
      }
      if (index < failFirst) return index % 2 === 0 ? 503 : 'drop';
      if (refuse.has(id)) return { status: 422, body: 'unknown alert' };
      if (JSON.parse(body).id !== id) return 400;
      if (!accepted.includes(id)) accepted.push(id); // the receiver de-duplicates on the delivery id
      return 204;
    });
  });
  afterAll(async () => {
    await receiver?.close();
  });
  const hookFeed = (name: string) => ({ type: 'webhook', name, url: `${receiver.url}/fleetscope`, secret: SECRET, timeoutMs: 2_000, backoffInitialMs: 100, backoffMaxMs: 500 });

  it('delivers each event once, in order and signed, after the receiver failed the first attempts', async () => {
    const feed = `hook-${RUN}`;
    failFirst = 3; // 503, connection dropped, 503
    const outbox = createOutbox(storage, { feeds: [feed] });
    const { delivery, registry } = startDelivery(outbox, hookFeed(feed));
    try {
      const t = Date.now();
      const events = [event('wh-1', 'firing', t), event('wh-2', 'firing', t + 1), event('wh-1', 'resolved', t + 2)];
      await outbox.add(events);
      delivery.kick();
      await until('all three accepted', async () => accepted.length >= 3);
      await until('nothing pending', async () => (await outbox.pending(feed, 10)).length === 0);
      expect(accepted).toEqual(events.map((e) => e.id));
      expect(badSignatures).toEqual([]);
      const okAnswers = receiver.requests.filter((r) => r.answer === 204).map((r) => r.headers['x-fleetscope-delivery']);
      expect(okAnswers).toEqual(events.map((e) => e.id)); // each taken exactly once
      expect(receiver.requests.slice(0, 3).map((r) => r.answer)).toEqual([503, 'drop', 503]);
      expect(receiver.requests.slice(0, 3).every((r) => r.headers['x-fleetscope-delivery'] === events[0].id)).toBe(true);
      expect(metric(registry, `fleetscope_alert_delivery_failures_total{feed="${feed}",stage="send"}`)).toBe(3);
      expect(metric(registry, `fleetscope_alert_deliveries_total{feed="${feed}",outcome="delivered"}`)).toBe(3);
      const body = JSON.parse(receiver.requests.at(-1)!.body);
      expect(body).toMatchObject({ version: '1', id: events[2].id, kind: 'resolved', alert: { status: 'resolved', labels: events[2].alert.labels } });
    } finally {
      await delivery.stop();
    }
  });

  it('marks an event the receiver refuses as rejected and goes on with the next', async () => {
    const feed = `hook-refuse-${RUN}`;
    failFirst = 0;
    const t = Date.now();
    const bad = event('wh-bad', 'firing', t);
    const good = event('wh-good', 'firing', t + 1);
    refuse = new Set([bad.id]);
    const outbox = createOutbox(storage, { feeds: [feed] });
    const { delivery, registry } = startDelivery(outbox, hookFeed(feed));
    try {
      await outbox.add([bad, good]);
      delivery.kick();
      await until('the good one accepted', async () => accepted.includes(good.id));
      await until('nothing pending', async () => (await outbox.pending(feed, 10)).length === 0);
      expect(accepted).not.toContain(bad.id);
      expect(receiver.requests.filter((r) => r.headers['x-fleetscope-delivery'] === bad.id)).toHaveLength(1); // not retried
      const marks = await storage.query<{ id: string; outcome: string }>(
        `SELECT id, outcome FROM ${storage.database}.alert_outbox_delivered WHERE feed = {feed:String} ORDER BY id`,
        { feed },
      );
      expect(marks).toEqual(
        [
          { id: bad.id, outcome: 'rejected' },
          { id: good.id, outcome: 'delivered' },
        ].sort((a, b) => a.id.localeCompare(b.id)),
      );
      expect(metric(registry, `fleetscope_alert_deliveries_total{feed="${feed}",outcome="rejected"}`)).toBe(1);
      expect(logs.some((l) => l.includes('refused for good') && l.includes('HTTP 422 unknown alert'))).toBe(true);
    } finally {
      await delivery.stop();
    }
  });
});
