// What an alert is, as the lifecycle produces it and the feeds deliver it.

export type AlertStatus = 'pending' | 'firing' | 'resolved';

/** One alert: a group (a host, or a series) with an ongoing anomaly. */
export interface Alert {
  /** Stable identity of the alert across its life: its sorted labels as text. */
  readonly key: string;
  /** Identity labels: `alertname`, `host`, and `metric`/`series` when grouped by series, plus `severity`, `job`. */
  readonly labels: Readonly<Record<string, string>>;
  /** What a person reads: `summary`, `description`, `score`, `expected`, `observed`, asset context. */
  readonly annotations: Readonly<Record<string, string>>;
  readonly status: AlertStatus;
  /** When the anomaly began (first anomalous point), epoch ms. */
  readonly startsAt: number;
  /** When it was resolved, epoch ms; undefined while pending or firing. */
  readonly endsAt?: number;
  /** Last change of state or score, epoch ms. */
  readonly updatedAt: number;
  /** Highest score of the ongoing anomaly, 0 to 1. */
  readonly score: number;
  /** Link back to fleetscope (the query that shows the series). */
  readonly generatorURL?: string;
}

/** A change the feeds deliver: an alert started firing, is still firing (re-sent), or resolved. */
export interface AlertEvent {
  /** Unique id of this event: the idempotency key receivers see. */
  readonly id: string;
  readonly kind: 'firing' | 'refresh' | 'resolved';
  readonly alert: Alert;
  /** When the event was produced, epoch ms. */
  readonly at: number;
}

/** Sorted `k=v` pairs: the identity of a label set. */
export function alertKey(labels: Readonly<Record<string, string>>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(',');
}
