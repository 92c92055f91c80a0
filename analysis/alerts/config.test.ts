import { describe, expect, it } from 'vitest';
import { alertFeedsConfigSchema, alertmanagerFeedSchema, webhookFeedSchema } from './config.ts';

const am = { type: 'alertmanager', name: 'am', urls: ['http://127.0.0.1:9093'] };
const hook = { type: 'webhook', name: 'hook', url: 'https://hooks.example/fleetscope', secret: '0123456789abcdef' };

describe('alert feeds configuration', () => {
  it('has no feeds by default', () => {
    expect(alertFeedsConfigSchema.parse(undefined)).toEqual({ feeds: [], pollIntervalMs: 5_000 });
  });

  it('fills in the defaults of each feed type', () => {
    const c = alertFeedsConfigSchema.parse({ feeds: [am, hook] });
    expect(c.feeds[0]).toEqual({ ...am, timeoutMs: 10_000, batchSize: 100, backoffInitialMs: 1_000, backoffMaxMs: 300_000, resendIntervalMs: 60_000 });
    expect(c.feeds[1]).toEqual({ ...hook, timeoutMs: 10_000, batchSize: 100, backoffInitialMs: 1_000, backoffMaxMs: 300_000 });
  });

  it('takes auth and several Alertmanagers', () => {
    const c = alertFeedsConfigSchema.parse({ feeds: [{ ...am, urls: ['http://a:9093', 'http://b:9093'], basicAuth: { username: 'u', password: 'p' } }] });
    expect(c.feeds[0]).toMatchObject({ urls: ['http://a:9093', 'http://b:9093'], basicAuth: { username: 'u', password: 'p' } });
  });

  it.each([
    ['an unknown type', { feeds: [{ ...am, type: 'pagerduty' }] }, ['feeds', 0, 'type']],
    ['no Alertmanager URL', { feeds: [{ ...am, urls: [] }] }, ['feeds', 0, 'urls']],
    ['a URL that is not http', { feeds: [{ ...am, urls: ['ftp://x'] }] }, ['feeds', 0, 'urls', 0]],
    ['a short secret', { feeds: [{ ...hook, secret: 'short' }] }, ['feeds', 0, 'secret']],
    ['a webhook without secret', { feeds: [{ ...hook, secret: undefined }] }, ['feeds', 0, 'secret']],
    ['a name with capitals', { feeds: [{ ...am, name: 'AM' }] }, ['feeds', 0, 'name']],
    ['the same name twice', { feeds: [am, { ...hook, name: 'am' }] }, ['feeds', 1, 'name']],
    ['basic auth and a bearer token', { feeds: [{ ...hook, basicAuth: { username: 'u', password: 'p' }, bearerToken: 't' }] }, ['feeds', 0, 'bearerToken']],
    ['a cap below the first wait', { feeds: [{ ...hook, backoffInitialMs: 5_000, backoffMaxMs: 1_000 }] }, ['feeds', 0, 'backoffMaxMs']],
    ['a resend interval under a second', { feeds: [{ ...am, resendIntervalMs: 10 }] }, ['feeds', 0, 'resendIntervalMs']],
  ])('refuses %s', (_name, input, path) => {
    const r = alertFeedsConfigSchema.safeParse(input);
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path)).toContainEqual(path);
  });

  it.each([
    ['alertmanager', alertmanagerFeedSchema],
    ['webhook', webhookFeedSchema],
  ] as const)('every %s setting has a description', (_type, schema) => {
    for (const [k, v] of Object.entries(schema.shape)) if (k !== 'type') expect(v.description, k).toBeTruthy();
    expect(alertFeedsConfigSchema.unwrap().shape.pollIntervalMs.description).toBeTruthy();
  });
});
