// Generic signed webhook: one POST per alert event, oldest first, signed with HMAC-SHA-256 and carrying
// the event id as idempotency key. docs/alerts.md shows how a receiver verifies it.
import { createHash, createHmac } from 'node:crypto';
import type { AlertEvent } from '../model.ts';
import type { DeliveryResult, Feed } from './feed.ts';
import { authorizationHeader, postJson, splitCredentials, type HttpAuth } from './http.ts';

/** Version of the webhook body; a receiver can refuse versions it does not know. */
export const WEBHOOK_VERSION = '1';
/** Header carrying `sha256=<hex HMAC-SHA-256 of the raw body>`. */
export const SIGNATURE_HEADER = 'x-fleetscope-signature';
/** Header carrying the event id, the idempotency key of the delivery. */
export const DELIVERY_HEADER = 'x-fleetscope-delivery';

/**
 * The body of the POST for `event`, as JSON text. Times are RFC 3339 (UTC, milliseconds);
 * `fingerprint` is the first 32 hex digits of SHA-256 of the alert key, the same for every event of
 * the alert. The text is a function of the event only, so a retried delivery sends the same bytes.
 */
export function webhookBody(event: AlertEvent): string {
  const a = event.alert;
  return JSON.stringify({
    version: WEBHOOK_VERSION,
    id: event.id,
    kind: event.kind,
    at: iso(event.at),
    alert: {
      key: a.key,
      fingerprint: alertFingerprint(a.key),
      status: a.status,
      labels: a.labels,
      annotations: a.annotations,
      startsAt: iso(a.startsAt),
      endsAt: a.endsAt === undefined ? null : iso(a.endsAt),
      updatedAt: iso(a.updatedAt),
      score: a.score,
      generatorURL: a.generatorURL ?? null,
    },
  });
}

/** `sha256=` and the hex HMAC-SHA-256 of `body` (the exact bytes sent, UTF-8) with key `secret`. */
export function signBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/** Stable short identity of an alert: the first 32 hex digits of SHA-256 of its key. */
export function alertFingerprint(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex').slice(0, 32);
}

export interface WebhookFeedOptions extends HttpAuth {
  readonly name: string;
  readonly url: string;
  readonly secret: string;
  readonly timeoutMs: number;
}

/**
 * A feed that POSTs each event to one URL, in order. 2xx: delivered. 408, 429, 5xx, a timeout or a
 * network error: the round stops and the rest is retried later, starting with this event. Any other
 * 4xx: the receiver refuses this event for good; it is marked rejected (kept in storage as a dead
 * letter, counted and logged) and the next event goes on, so one bad event never blocks the feed.
 */
export function createWebhookFeed(opts: WebhookFeedOptions): Feed {
  const { url, authorization } = splitCredentials(opts.url);
  const authz = authorizationHeader(opts) ?? authorization;
  const base: Record<string, string> = authz ? { authorization: authz } : {};

  return {
    name: opts.name,
    coalesce: false,
    async deliver(entries, stopping): Promise<DeliveryResult> {
      const delivered: string[] = [];
      const rejected: Array<{ id: string; reason: string }> = [];
      for (const e of entries) {
        if (stopping()) break;
        const body = webhookBody(e.event);
        const headers = { ...base, [SIGNATURE_HEADER]: signBody(body, opts.secret), [DELIVERY_HEADER]: e.id };
        const outcome = await postJson(url, body, headers, opts.timeoutMs);
        if (outcome.kind === 'ok') delivered.push(e.id);
        else if (outcome.kind === 'reject') rejected.push({ id: e.id, reason: outcome.reason });
        else return { delivered, rejected, retry: { reason: outcome.reason, retryAfterMs: outcome.retryAfterMs } };
      }
      return { delivered, rejected };
    },
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
