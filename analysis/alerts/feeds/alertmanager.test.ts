import { afterEach, describe, expect, it } from 'vitest';
import { alertKey, type Alert, type AlertEvent } from '../model.ts';
import type { OutboxEntry } from '../outbox.ts';
import { buildAlertmanagerBatch, createAlertmanagerFeed, toPostableAlert } from './alertmanager.ts';
import { startFakeReceiver, type FakeReceiver } from './fake-receiver.ts';

const T0 = Date.parse('2026-11-21T23:17:23Z');
const NOW = T0 + 10 * 60_000;
const LEASE = 4 * 60_000;
const labels = { alertname: 'MetricAnomaly', host: 'edge-fra1-042', severity: 'warning' };

function event(kind: AlertEvent['kind'], over: Partial<Alert> = {}, id = `${kind}-1`): AlertEvent {
  const l = over.labels ?? labels;
  const status = kind === 'resolved' ? 'resolved' : 'firing';
  const alert: Alert = {
    key: alertKey(l),
    labels: l,
    annotations: { summary: 'cpu.user anomaly score 0.97 on edge-fra1-042' },
    status,
    startsAt: T0,
    updatedAt: T0,
    score: 0.97,
    generatorURL: 'https://metrics.example/ui/anomaly/9f2c1d',
    ...(kind === 'resolved' ? { endsAt: T0 + 5 * 60_000 } : {}),
    ...over,
  };
  return { id, kind, alert, at: alert.endsAt ?? T0 };
}

const entry = (e: AlertEvent): OutboxEntry => ({ feed: 'am', id: e.id, alertKey: e.alert.key, createdAt: e.at, event: e });

describe('toPostableAlert', () => {
  it.each([
    ['firing: lease from now', event('firing'), { startsAt: '2026-11-21T23:17:23.000Z', endsAt: '2026-11-21T23:31:23.000Z' }],
    ['refresh: lease from now', event('refresh'), { endsAt: '2026-11-21T23:31:23.000Z' }],
    ['resolved: its resolution time', event('resolved'), { endsAt: '2026-11-21T23:22:23.000Z' }],
    ['resolved without endsAt: the event time', event('resolved', { endsAt: undefined }), { endsAt: new Date(T0).toISOString() }],
    ['resolved before it started: endsAt = startsAt', event('resolved', { endsAt: T0 - 1000 }), { endsAt: new Date(T0).toISOString() }],
    ['starts in the future: lease from startsAt', event('firing', { startsAt: NOW + 60_000 }), { endsAt: new Date(NOW + 60_000 + LEASE).toISOString() }],
    ['refresh of a resolved alert stays resolved', { ...event('resolved'), kind: 'refresh' as const }, { endsAt: '2026-11-21T23:22:23.000Z' }],
    ['empty label values are dropped', event('firing', { labels: { ...labels, site: '' } }), { labels }],
  ])('%s', (_name, e, expected) => {
    const got = toPostableAlert(e, NOW, LEASE);
    expect(got).toMatchObject(expected);
    expect(Date.parse(got.endsAt)).toBeGreaterThanOrEqual(Date.parse(got.startsAt));
  });

  it('carries labels, annotations and generatorURL as they are', () => {
    expect(toPostableAlert(event('firing'), NOW, LEASE)).toEqual({
      labels,
      annotations: { summary: 'cpu.user anomaly score 0.97 on edge-fra1-042' },
      startsAt: '2026-11-21T23:17:23.000Z',
      endsAt: '2026-11-21T23:31:23.000Z',
      generatorURL: 'https://metrics.example/ui/anomaly/9f2c1d',
    });
  });

  it('leaves generatorURL out when the alert has none', () => {
    expect(Object.keys(toPostableAlert(event('firing', { generatorURL: undefined }), NOW, LEASE))).toEqual(['labels', 'annotations', 'startsAt', 'endsAt']);
  });

  it.each([
    ['a pending alert', event('firing', { status: 'pending' }), /is pending, not firing/],
    ['no labels', event('firing', { labels: {} }), /has no non-empty label/],
    ['only empty labels', event('firing', { labels: { alertname: '' } }), /has no non-empty label/],
    ['a label name with a dot', event('firing', { labels: { 'host.name': 'a' } }), /label name "host\.name" is not a valid label name/],
    ['an annotation name with a dash', event('firing', { annotations: { 'run-book': 'x' } }), /annotation name "run-book"/],
  ])('refuses %s', (_name, e, error) => {
    expect(() => toPostableAlert(e, NOW, LEASE)).toThrow(error);
  });
});

describe('buildAlertmanagerBatch', () => {
  const other = { ...labels, host: 'edge-fra1-043' };
  it('sends the newest entry of each alert, in the order of those entries, and accounts for all', () => {
    const entries = [
      entry(event('firing', {}, 'a1')),
      entry(event('firing', { labels: other }, 'b1')),
      entry(event('refresh', {}, 'a2')),
      entry(event('resolved', {}, 'a3')),
    ];
    const batch = buildAlertmanagerBatch(entries, NOW, LEASE);
    expect(batch.alerts.map((a) => [a.labels.host, a.endsAt])).toEqual([
      ['edge-fra1-043', '2026-11-21T23:31:23.000Z'],
      ['edge-fra1-042', '2026-11-21T23:22:23.000Z'],
    ]);
    expect(batch.sent).toEqual(['a1', 'b1', 'a2', 'a3']);
    expect(batch.rejected).toEqual([]);
  });

  it('refuses an alert Alertmanager would refuse, with the older entries it replaces', () => {
    const bad = { 'bad-name': 'x' };
    const entries = [entry(event('firing', { labels: bad }, 'x1')), entry(event('firing', {}, 'a1')), entry(event('refresh', { labels: bad }, 'x2'))];
    const batch = buildAlertmanagerBatch(entries, NOW, LEASE);
    expect(batch.alerts).toHaveLength(1);
    expect(batch.sent).toEqual(['a1']);
    expect(batch.rejected.map((r) => r.id)).toEqual(['x1', 'x2']);
    expect(batch.rejected[1].reason).toMatch(/not a valid label name/);
  });

  it('gives the same batch for the same entries (reuse)', () => {
    const entries = [entry(event('firing', {}, 'a1')), entry(event('resolved', {}, 'a2'))];
    expect(buildAlertmanagerBatch(entries, NOW, LEASE)).toEqual(buildAlertmanagerBatch(entries, NOW, LEASE));
  });
});

describe('createAlertmanagerFeed', () => {
  const receivers: FakeReceiver[] = [];
  afterEach(async () => {
    await Promise.all(receivers.splice(0).map((r) => r.close()));
  });
  const start = async (n: number): Promise<FakeReceiver[]> => {
    const rs = await Promise.all(Array.from({ length: n }, () => startFakeReceiver()));
    receivers.push(...rs);
    return rs;
  };
  const feed = (urls: string[], over: Partial<Parameters<typeof createAlertmanagerFeed>[0]> = {}) =>
    createAlertmanagerFeed({ name: 'am', urls, timeoutMs: 2_000, resendIntervalMs: 60_000, now: () => NOW, ...over });
  const entries = [entry(event('firing', {}, 'a1'))];
  const never = () => false;

  it('POSTs the array to /api/v2/alerts of every Alertmanager, with auth', async () => {
    const [a, b] = await start(2);
    const res = await feed([`${a.url}/`, b.url], { bearerToken: 'tok' }).deliver(entries, never);
    expect(res).toEqual({ delivered: ['a1'], rejected: [], warnings: [] });
    for (const r of [a, b]) {
      expect(r.requests).toHaveLength(1);
      expect(r.requests[0]).toMatchObject({ method: 'POST', path: '/api/v2/alerts', headers: { authorization: 'Bearer tok', 'content-type': 'application/json' } });
      expect(JSON.parse(r.requests[0].body)).toEqual([toPostableAlert(entries[0].event, NOW, LEASE)]);
    }
  });

  it('is delivered when one Alertmanager of two takes it, and warns about the other', async () => {
    const [a, b] = await start(2);
    a.respond(() => 503);
    const res = await feed([a.url, b.url]).deliver(entries, never);
    expect(res.delivered).toEqual(['a1']);
    expect(res.retry).toBeUndefined();
    expect(res.warnings?.[0]).toMatch(/HTTP 503/);
  });

  it('retries when none took it, honouring the shortest Retry-After', async () => {
    const [a, b] = await start(2);
    a.respond(() => ({ status: 503, headers: { 'retry-after': '30' } }));
    b.respond(() => ({ status: 429, headers: { 'retry-after': '7' } }));
    const res = await feed([a.url, b.url]).deliver(entries, never);
    expect(res.delivered).toEqual([]);
    expect(res.rejected).toEqual([]);
    expect(res.retry?.retryAfterMs).toBe(7_000);
  });

  it('retries when an Alertmanager is unreachable or hangs up', async () => {
    const [a, closed] = await start(2);
    await closed.close();
    a.respond(() => 'drop');
    const res = await feed([a.url, closed.url]).deliver(entries, never);
    expect(res.delivered).toEqual([]);
    expect(res.retry?.reason).toContain(`cannot POST to ${a.url}/api/v2/alerts: UND_ERR_SOCKET`);
    expect(res.retry?.reason).toContain(`cannot POST to ${closed.url}/api/v2/alerts: ECONNREFUSED`);
  });

  it('rejects the round when every Alertmanager refuses it for good', async () => {
    const [a, b] = await start(2);
    a.respond(() => ({ status: 400, body: '"at least one label pair required"' }));
    b.respond(() => 422);
    const res = await feed([a.url, b.url]).deliver(entries, never);
    expect(res.delivered).toEqual([]);
    expect(res.retry).toBeUndefined();
    expect(res.rejected).toEqual([{ id: 'a1', reason: expect.stringMatching(/HTTP 400 "at least one label pair required"; .*HTTP 422/) }]);
  });

  it('sends nothing when every entry is refused before sending', async () => {
    const [a] = await start(1);
    const res = await feed([a.url]).deliver([entry(event('firing', { labels: {} }, 'x'))], never);
    expect(res.rejected.map((r) => r.id)).toEqual(['x']);
    expect(a.requests).toHaveLength(0);
  });

  it('sends credentials from the URL as basic auth, and keeps them out of messages', async () => {
    const [a] = await start(1);
    a.respond(() => 500);
    const withCreds = a.url.replace('http://', 'http://am:s3cret@');
    const res = await feed([withCreds]).deliver(entries, never);
    expect(a.requests[0].headers.authorization).toBe(`Basic ${Buffer.from('am:s3cret').toString('base64')}`);
    expect(res.retry?.reason).not.toMatch(/s3cret/);
  });
});
