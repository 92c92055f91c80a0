// Prometheus Alertmanager API v2 client: POST {url}/api/v2/alerts with an array of postableAlert
// (https://github.com/prometheus/alertmanager/blob/v0.25.0/api/v2/openapi.yaml), to every configured
// Alertmanager, as Prometheus' notifier does (notifier/notifier.go).
import type { AlertEvent } from '../model.ts';
import type { OutboxEntry } from '../outbox.ts';
import type { DeliveryResult, Feed } from './feed.ts';
import { authorizationHeader, postJson, splitCredentials, type HttpAuth, type PostOutcome } from './http.ts';

/** One alert as Alertmanager's v2 API takes it; times are RFC 3339. */
export interface PostableAlert {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly generatorURL?: string;
}

/** Prometheus sends endsAt = now + 4 × resend delay: it survives "two Eval or Alertmanager send failures". */
export const LEASE_FACTOR = 4;

/** Label and annotation names Alertmanager 0.25 accepts (prometheus/common `LabelName.IsValid`). */
const NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * The postable alert for `event` when sent at `now`. A firing (or refreshed) alert gets a lease,
 * `endsAt = now + leaseMs`, so Alertmanager resolves it by itself if no refresh comes; a resolved one
 * gets its resolution time. Throws when Alertmanager would refuse the alert whatever the time: no
 * labels, a name that is not a label name, or a pending alert (those are never sent).
 */
export function toPostableAlert(event: AlertEvent, now: number, leaseMs: number): PostableAlert {
  const a = event.alert;
  if (a.status === 'pending') throw new Error(`cannot send alert ${a.key} to Alertmanager: it is pending, not firing`);
  const labels = checkedNames(a.labels, 'label', a.key);
  if (Object.keys(labels).length === 0) throw new Error(`cannot send alert ${a.key} to Alertmanager: it has no non-empty label`);
  const annotations = checkedNames(a.annotations, 'annotation', a.key);
  const resolved = event.kind === 'resolved' || a.status === 'resolved';
  // Alertmanager refuses endsAt before startsAt ("start time must be before end time").
  const endsAt = resolved ? Math.max(a.endsAt ?? event.at, a.startsAt) : Math.max(now, a.startsAt) + leaseMs;
  const out: PostableAlert = { labels, annotations, startsAt: rfc3339(a.startsAt), endsAt: rfc3339(endsAt) };
  return a.generatorURL ? { ...out, generatorURL: a.generatorURL } : out;
}

/**
 * The request body for `entries` (oldest first) sent at `now`: the newest entry of each alert only,
 * since Alertmanager keeps the state of an alert, not its history (a firing and its resolution in
 * the same round would only make it fire and resolve within one request). `sent` lists every entry
 * the body accounts for, including the older entries it replaces.
 */
export function buildAlertmanagerBatch(
  entries: readonly OutboxEntry[],
  now: number,
  leaseMs: number,
): { alerts: PostableAlert[]; sent: string[]; rejected: Array<{ id: string; reason: string }> } {
  const newest = new Map<string, number>();
  entries.forEach((e, i) => newest.set(e.alertKey, i));
  const alerts: PostableAlert[] = [];
  const sent: string[] = [];
  const rejected: Array<{ id: string; reason: string }> = [];
  const alertOf = new Map<string, number>(); // alert key → index in `alerts`, or -1 when refused
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i];
    if (newest.get(e.alertKey) === i) {
      try {
        alerts.push(toPostableAlert(e.event, now, leaseMs));
        alertOf.set(e.alertKey, alerts.length - 1);
      } catch (err) {
        alertOf.set(e.alertKey, -1);
        rejected.push({ id: e.id, reason: (err as Error).message });
        continue;
      }
    } else if (alertOf.get(e.alertKey) === -1) {
      rejected.push({ id: e.id, reason: 'superseded by an entry Alertmanager refuses' });
      continue;
    }
    sent.push(e.id);
  }
  alerts.reverse();
  sent.reverse();
  rejected.reverse();
  return { alerts, sent, rejected };
}

export interface AlertmanagerFeedOptions extends HttpAuth {
  readonly name: string;
  /** Base URLs of the Alertmanagers; each gets every alert. */
  readonly urls: readonly string[];
  readonly timeoutMs: number;
  /** How often the lifecycle re-sends firing alerts; the lease is {@link LEASE_FACTOR} times this. */
  readonly resendIntervalMs: number;
  /** @default Date.now */
  readonly now?: () => number;
}

/**
 * A feed that keeps Alertmanagers in sync with fleetscope's alerts. A round is delivered once any
 * Alertmanager answered 2xx (the others are reported as warnings and catch up with the next refresh);
 * retried when none did and one of them may later; rejected when all refused it (400, 422).
 */
export function createAlertmanagerFeed(opts: AlertmanagerFeedOptions): Feed {
  const now = opts.now ?? Date.now;
  const auth = authorizationHeader(opts);
  const targets = opts.urls.map((u) => {
    const { url, authorization } = splitCredentials(u);
    const authz = auth ?? authorization;
    const headers: Record<string, string> = authz ? { authorization: authz } : {};
    return { url: `${url.replace(/\/+$/, '')}/api/v2/alerts`, headers };
  });
  const leaseMs = LEASE_FACTOR * opts.resendIntervalMs;

  return {
    name: opts.name,
    coalesce: true,
    async deliver(entries): Promise<DeliveryResult> {
      const batch = buildAlertmanagerBatch(entries, now(), leaseMs);
      if (batch.alerts.length === 0) return { delivered: batch.sent, rejected: batch.rejected };
      const body = JSON.stringify(batch.alerts);
      const outcomes = await Promise.all(targets.map((t) => postJson(t.url, body, t.headers, opts.timeoutMs)));
      return combine(outcomes, batch);
    },
  };
}

/** One round's result from the answers of every Alertmanager. */
function combine(outcomes: readonly PostOutcome[], batch: { sent: string[]; rejected: Array<{ id: string; reason: string }> }): DeliveryResult {
  const failures = outcomes.filter((o): o is Exclude<PostOutcome, { kind: 'ok' }> => o.kind !== 'ok');
  const warnings = failures.map((f) => f.reason);
  if (failures.length < outcomes.length) return { delivered: batch.sent, rejected: batch.rejected, warnings };
  const retries = failures.filter((f) => f.kind === 'retry');
  if (retries.length > 0) {
    const waits = retries.map((r) => r.retryAfterMs).filter((w): w is number => w !== undefined);
    return {
      delivered: [],
      rejected: batch.rejected,
      retry: { reason: warnings.join('; '), retryAfterMs: waits.length > 0 ? Math.min(...waits) : undefined },
    };
  }
  // Every Alertmanager refused the request. Alertmanager stores the valid alerts of a batch even when it
  // answers 400 for the others, and a 422 is a body it cannot read: either way, sending again won't help.
  const reason = warnings.join('; ');
  return { delivered: [], rejected: [...batch.rejected, ...batch.sent.map((id) => ({ id, reason }))] };
}

function checkedNames(m: Readonly<Record<string, string>>, what: string, key: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(m)) {
    if (!NAME.test(k)) throw new Error(`cannot send alert ${key} to Alertmanager: ${what} name ${JSON.stringify(k)} is not a valid label name`);
    if (v !== '') out[k] = v; // Alertmanager drops empty values too
  }
  return out;
}

/** RFC 3339 in UTC with milliseconds, as Alertmanager prints times. */
function rfc3339(ms: number): string {
  return new Date(ms).toISOString();
}
