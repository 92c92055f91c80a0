import { describe, expect, it } from 'vitest';
import { startFakeReceiver } from './fake-receiver.ts';
import { authorizationHeader, classifyStatus, parseRetryAfter, postJson, splitCredentials } from './http.ts';

describe('classifyStatus', () => {
  it.each([
    [200, 'ok'],
    [202, 'ok'],
    [204, 'ok'],
    [301, 'retry'],
    [400, 'reject'],
    [401, 'reject'],
    [404, 'reject'],
    [408, 'retry'],
    [413, 'reject'],
    [422, 'reject'],
    [429, 'retry'],
    [500, 'retry'],
    [502, 'retry'],
    [503, 'retry'],
  ] as const)('%i → %s', (status, kind) => {
    expect(classifyStatus(status)).toBe(kind);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-21T12:00:00Z');
  it.each([
    ['120', 120_000],
    [' 5 ', 5_000],
    ['0', 0],
    ['Sat, 21 Nov 2026 12:00:30 GMT', 30_000],
    ['Sat, 21 Nov 2026 11:00:00 GMT', 0], // in the past
  ])('%j → %i ms', (value, ms) => {
    expect(parseRetryAfter(value, now)).toBe(ms);
  });
  it.each([[null], [''], ['soon'], ['-5'], ['1.5']])('%j → undefined', (value) => {
    expect(parseRetryAfter(value, now)).toBeUndefined();
  });
});

describe('credentials', () => {
  it('moves user:password@ out of the URL into basic auth', () => {
    expect(splitCredentials('http://am%40ops:p%3Ass@127.0.0.1:9093/base')).toEqual({
      url: 'http://127.0.0.1:9093/base',
      authorization: `Basic ${Buffer.from('am@ops:p:ss').toString('base64')}`,
    });
    expect(splitCredentials('https://am.example:9093')).toEqual({ url: 'https://am.example:9093' });
  });

  it('builds the Authorization header of basic auth or a bearer token', () => {
    expect(authorizationHeader({ basicAuth: { username: 'u', password: 'p' } })).toBe('Basic dTpw');
    expect(authorizationHeader({ bearerToken: 'tok' })).toBe('Bearer tok');
    expect(authorizationHeader({})).toBeUndefined();
  });
});

describe('postJson', () => {
  it('reads only the start of a large error answer, and says which URL and status', async () => {
    const r = await startFakeReceiver();
    try {
      r.respond(() => ({ status: 500, body: 'x'.repeat(1_000_000) }));
      const out = await postJson(`${r.url}/p`, '{}', {}, 2_000);
      expect(out.kind).toBe('retry');
      expect(out.kind !== 'ok' && out.reason).toBe(`cannot POST to ${r.url}/p: HTTP 500 ${'x'.repeat(200)}…`);
    } finally {
      await r.close();
    }
  });

  it('does not follow redirects (a POST would become a GET)', async () => {
    const r = await startFakeReceiver();
    try {
      r.respond(({ index }) => (index === 0 ? { status: 308, headers: { location: '/elsewhere' } } : 200));
      const out = await postJson(r.url, '{}', {}, 2_000);
      expect(out).toMatchObject({ kind: 'retry', status: 308 });
      expect(r.requests).toHaveLength(1);
    } finally {
      await r.close();
    }
  });
});
