import type { Counter, Gauge, Histogram, Registry } from '../lib/metrics.ts';

/** The counters every ingest stage updates; `format` and `reason` label values are fixed codes. */
export interface IngestMetrics {
  /** Values received, by format (collectd_json, collectd_command, collectd_binary, …). */
  readonly received: Counter;
  /** Values stored (inserted into the samples table), by format. */
  readonly stored: Counter;
  /** Values refused, by format and reason (a parse error code, too_old, too_new, overload, storage). */
  readonly rejected: Counter;
  /** Values lost after they were received without a reply channel (UDP), by format and reason. */
  readonly dropped: Counter;
  /** Requests and datagrams, by format and outcome. */
  readonly requests: Counter;
  /** Events (notifications) received and stored. */
  readonly events: Counter;
  /** Rows per insert, by table. */
  readonly batchRows: Histogram;
  /** Seconds per insert, by table. */
  readonly insertSeconds: Histogram;
  /** Failed insert attempts, by table. */
  readonly insertErrors: Counter;
  /** Rows accepted and not yet stored. */
  readonly pendingRows: Gauge;
}

/** Registers the ingest metrics on a registry. */
export function createIngestMetrics(r: Registry): IngestMetrics {
  return {
    received: r.counter('fleetscope_ingest_values_received_total', 'Values received, by format.'),
    stored: r.counter('fleetscope_ingest_values_stored_total', 'Values stored in the samples table, by format.'),
    rejected: r.counter('fleetscope_ingest_values_rejected_total', 'Values refused with an answer to the sender, by format and reason.'),
    dropped: r.counter('fleetscope_ingest_values_dropped_total', 'Values lost where the sender cannot be told (UDP), by format and reason.'),
    requests: r.counter('fleetscope_ingest_requests_total', 'HTTP requests and UDP datagrams received, by format and outcome.'),
    events: r.counter('fleetscope_ingest_events_total', 'Events (notifications) by format and outcome.'),
    batchRows: r.histogram('fleetscope_ingest_batch_rows', 'Rows per insert, by table.', [100, 1000, 5000, 10000, 25000, 50000, 100000]),
    insertSeconds: r.histogram('fleetscope_ingest_insert_seconds', 'Duration of one insert, by table.', [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]),
    insertErrors: r.counter('fleetscope_ingest_insert_errors_total', 'Failed insert attempts, by table.'),
    pendingRows: r.gauge('fleetscope_ingest_pending_rows', 'Rows accepted and not yet stored.'),
  };
}
