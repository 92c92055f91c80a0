import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { alertKey, type Alert, type AlertEvent } from '../model.ts';
import type { OutboxEntry } from '../outbox.ts';
import { startFakeReceiver, type FakeReceiver } from './fake-receiver.ts';
import { alertFingerprint, createWebhookFeed, signBody, webhookBody } from './webhook.ts';

const T0 = Date.parse('2026-11-21T23:17:23Z');
const labels = { alertname: 'MetricAnomaly', host: 'edge-fra1-042' };
const SECRET = 'a-webhook-secret-of-some-length';

function event(id: string, kind: AlertEvent['kind'] = 'firing', over: Partial<Alert> = {}): AlertEvent {
  const alert: Alert = {
    key: alertKey(labels),
    labels,
    annotations: { summary: 'cpu.user' },
    status: kind === 'resolved' ? 'resolved' : 'firing',
    startsAt: T0,
    updatedAt: T0 + 1000,
    score: 0.97,
    ...over,
  };
  return { id, kind, alert, at: T0 + 2000 };
}
const entry = (e: AlertEvent): OutboxEntry => ({ feed: 'hook', id: e.id, alertKey: e.alert.key, createdAt: e.at, event: e });

describe('signBody', () => {
  it.each([
    // RFC 4231 test case 2, and a well-known vector.
    ['what do ya want for nothing?', 'Jefe', 'sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843'],
    ['The quick brown fox jumps over the lazy dog', 'key', 'sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8'],
    ['{"é":"ü"}', 'k', `sha256=${createHmac('sha256', 'k').update(Buffer.from('{"é":"ü"}', 'utf8')).digest('hex')}`],
  ])('signs %j with %j', (body, secret, expected) => {
    expect(signBody(body, secret)).toBe(expected);
  });

  it('changes with any byte of the body or the secret', () => {
    const body = webhookBody(event('e1'));
    expect(signBody(body, SECRET)).not.toBe(signBody(body.replace('0.97', '0.98'), SECRET));
    expect(signBody(body, SECRET)).not.toBe(signBody(body, `${SECRET}x`));
  });
});

describe('webhookBody', () => {
  it('holds version, id, kind, time and the alert with RFC 3339 times', () => {
    const e = event('e1', 'resolved', { endsAt: T0 + 60_000, generatorURL: 'https://fleet.example/q' });
    expect(JSON.parse(webhookBody(e))).toEqual({
      version: '1',
      id: 'e1',
      kind: 'resolved',
      at: '2026-11-21T23:17:25.000Z',
      alert: {
        key: e.alert.key,
        fingerprint: alertFingerprint(e.alert.key),
        status: 'resolved',
        labels,
        annotations: { summary: 'cpu.user' },
        startsAt: '2026-11-21T23:17:23.000Z',
        endsAt: '2026-11-21T23:18:23.000Z',
        updatedAt: '2026-11-21T23:17:24.000Z',
        score: 0.97,
        generatorURL: 'https://fleet.example/q',
      },
    });
  });

  it('has null endsAt and generatorURL while firing without a link', () => {
    expect(JSON.parse(webhookBody(event('e1')))).toMatchObject({ alert: { endsAt: null, generatorURL: null } });
  });

  it('is the same text for the same event (a retry sends the same bytes)', () => {
    expect(webhookBody(event('e1'))).toBe(webhookBody(event('e1')));
  });
});

describe('alertFingerprint', () => {
  it('is 32 hex digits, stable, and differs between alerts', () => {
    const a = alertFingerprint('alertname="A",host="h1"');
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(alertFingerprint('alertname="A",host="h1"')).toBe(a);
    expect(alertFingerprint('alertname="A",host="h2"')).not.toBe(a);
  });
});

describe('createWebhookFeed', () => {
  let r: FakeReceiver | undefined;
  afterEach(async () => {
    await r?.close();
    r = undefined;
  });
  const never = () => false;
  const entries = ['e1', 'e2', 'e3'].map((id) => entry(event(id)));

  it('POSTs each event in order, signed, with its id as delivery key', async () => {
    r = await startFakeReceiver();
    const feed = createWebhookFeed({ name: 'hook', url: `${r.url}/hook`, secret: SECRET, timeoutMs: 2_000 });
    expect(await feed.deliver(entries, never)).toEqual({ delivered: ['e1', 'e2', 'e3'], rejected: [] });
    expect(r.requests.map((q) => q.headers['x-fleetscope-delivery'])).toEqual(['e1', 'e2', 'e3']);
    for (const q of r.requests) {
      expect(q.path).toBe('/hook');
      const mac = createHmac('sha256', SECRET).update(q.body).digest('hex');
      expect(q.headers['x-fleetscope-signature']).toBe(`sha256=${mac}`);
      expect(JSON.parse(q.body).id).toBe(q.headers['x-fleetscope-delivery']);
    }
  });

  it('stops at the first retryable failure and reports it', async () => {
    r = await startFakeReceiver();
    r.respond(({ index }) => (index === 1 ? { status: 503, headers: { 'retry-after': '3' } } : 200));
    const feed = createWebhookFeed({ name: 'hook', url: r.url, secret: SECRET, timeoutMs: 2_000 });
    const res = await feed.deliver(entries, never);
    expect(res).toMatchObject({ delivered: ['e1'], rejected: [], retry: { retryAfterMs: 3_000, reason: expect.stringMatching(/HTTP 503/) } });
    expect(r.requests).toHaveLength(2);
  });

  it.each([400, 404, 410, 422])('marks an event the receiver refuses with %i as rejected and goes on', async (status) => {
    r = await startFakeReceiver();
    r.respond(({ index }) => (index === 0 ? { status, body: 'no such thing' } : 204));
    const feed = createWebhookFeed({ name: 'hook', url: r.url, secret: SECRET, timeoutMs: 2_000 });
    const res = await feed.deliver(entries, never);
    expect(res.delivered).toEqual(['e2', 'e3']);
    expect(res.rejected).toEqual([{ id: 'e1', reason: expect.stringContaining(`HTTP ${status} no such thing`) }]);
    expect(res.retry).toBeUndefined();
  });

  it.each([408, 429, 500, 502])('retries %i', async (status) => {
    r = await startFakeReceiver();
    r.respond(() => status);
    const res = await createWebhookFeed({ name: 'hook', url: r.url, secret: SECRET, timeoutMs: 2_000 }).deliver(entries, never);
    expect(res.delivered).toEqual([]);
    expect(res.retry?.reason).toContain(`HTTP ${status}`);
  });

  it('retries after a timeout', async () => {
    // A receiver that accepts the connection and never answers.
    const { createServer } = await import('node:net');
    const silent = createServer(() => {});
    await new Promise<void>((res) => silent.listen(0, '127.0.0.1', res));
    const port = (silent.address() as { port: number }).port;
    try {
      const res = await createWebhookFeed({ name: 'hook', url: `http://127.0.0.1:${port}/`, secret: SECRET, timeoutMs: 200 }).deliver(entries, never);
      expect(res.retry?.reason).toMatch(/no answer within 200 ms/);
    } finally {
      silent.close();
    }
  });

  it('stops between events when asked to', async () => {
    r = await startFakeReceiver();
    let n = 0;
    const res = await createWebhookFeed({ name: 'hook', url: r.url, secret: SECRET, timeoutMs: 2_000 }).deliver(entries, () => n++ >= 1);
    expect(res).toEqual({ delivered: ['e1'], rejected: [] });
  });

  it('sends basic auth when configured', async () => {
    r = await startFakeReceiver();
    await createWebhookFeed({ name: 'hook', url: r.url, secret: SECRET, timeoutMs: 2_000, basicAuth: { username: 'u', password: 'p' } }).deliver(entries.slice(0, 1), never);
    expect(r.requests[0].headers.authorization).toBe('Basic dTpw');
  });
});
