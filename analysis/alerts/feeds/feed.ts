import type { OutboxEntry } from '../outbox.ts';

/**
 * A destination of alert events. The delivery loop (analysis/alerts/delivery.ts) owns the outbox and
 * the retries; a feed only sends what it is given and says how each entry fared.
 */
export interface Feed {
  /** The feed's configured name: its outbox key and metrics label. */
  readonly name: string;
  /**
   * True for state-sync receivers (Alertmanager): only the newest entry of each alert matters, so
   * older pending entries of the same alert are marked superseded instead of being sent.
   */
  readonly coalesce: boolean;
  /**
   * Sends `entries` (oldest first) and resolves with the outcome of each; never rejects. Entries in
   * neither list stay pending and are given again later. `stopping` turns true on shutdown: a feed that
   * sends entries one by one stops between two of them. The feed may not keep `entries`.
   */
  deliver(entries: readonly OutboxEntry[], stopping: () => boolean): Promise<DeliveryResult>;
}

/** How a round of {@link Feed.deliver} went. */
export interface DeliveryResult {
  /** Ids the receiver accepted. */
  readonly delivered: readonly string[];
  /** Entries the receiver refused for good (or that cannot be sent at all), with why. */
  readonly rejected: ReadonlyArray<{ readonly id: string; readonly reason: string }>;
  /** Set when the other entries must be tried again later: why, and the receiver's Retry-After. */
  readonly retry?: { readonly reason: string; readonly retryAfterMs?: number };
  /** Problems that did not stop delivery (one Alertmanager of several failed). */
  readonly warnings?: readonly string[];
}
