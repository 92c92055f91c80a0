// The absent-host decision: pure, with the clock passed in. Which hosts are expected, which report,
// and which have gone quiet for longer than their own collection interval allows.

/** What is known of one host: its current asset record (if any) and its series. */
export interface HostSeen {
  readonly host: string;
  /** True when the host has a current (not retired) asset record. */
  readonly hasAsset: boolean;
  readonly site: string;
  readonly role: string;
  readonly hw_model: string;
  /** Asset `status`, '' when unknown or without a record. */
  readonly status: string;
  /** Newest sample of any of its series, epoch ms; null when it never sent data. */
  readonly lastSeen: number | null;
  /** Smallest collection interval of its series, ms; 0 when none declares one. */
  readonly intervalMs: number;
  /** Metrics of its series, each once. */
  readonly metrics: readonly string[];
}

export interface AbsentOptions {
  readonly intervals: number;
  readonly minSilenceMs: number;
  readonly silencedStatuses: readonly string[];
}

/** The verdict on one host at one moment. */
export interface HostVerdict {
  /** Has an asset record whose status does not silence it: fleetscope expects its data. */
  readonly expected: boolean;
  /** Sent data within `thresholdMs`. */
  readonly reporting: boolean;
  /** Should raise FleetscopeHostAbsent: quiet for longer than `thresholdMs` (or expected and never seen), not silenced by status. */
  readonly absent: boolean;
  /** Its asset status is one of `silencedStatuses`: never alerted. */
  readonly silencedByStatus: boolean;
  /** How long without data makes it absent, ms. */
  readonly thresholdMs: number;
}

/** Silence that makes a host absent: `intervals` × its interval, and at least `minSilenceMs`. */
export function absentAfterMs(intervalMs: number, opts: AbsentOptions): number {
  return Math.max(opts.intervals * Math.max(0, intervalMs), opts.minSilenceMs);
}

/**
 * Judges one host at `now`. A host is absent when `now − lastSeen > absentAfterMs(intervalMs)`; a host
 * that never sent data is absent only when it is expected (an asset record not silenced by status),
 * "expected but never reported". A silencing status wins over everything: such a host is never absent.
 *
 * @example judgeHost({…, lastSeen: 0, intervalMs: 10_000}, 61_000, {intervals: 5, minSilenceMs: 60_000, …}).absent // true
 */
export function judgeHost(h: HostSeen, now: number, opts: AbsentOptions): HostVerdict {
  const thresholdMs = absentAfterMs(h.intervalMs, opts);
  const silencedByStatus = h.hasAsset && opts.silencedStatuses.includes(h.status);
  const expected = h.hasAsset && !silencedByStatus;
  const reporting = h.lastSeen !== null && now - h.lastSeen <= thresholdMs;
  const absent = !silencedByStatus && !reporting && (h.lastSeen !== null || expected);
  return { expected, reporting, absent, silencedByStatus, thresholdMs };
}

/** Identity labels of a host's absent alert; empty asset fields are left out. */
export function absentLabels(h: HostSeen, severity: string): Record<string, string> {
  const labels: Record<string, string> = { alertname: 'FleetscopeHostAbsent', host: h.host };
  for (const f of ['site', 'role', 'hw_model'] as const) if (h[f]) labels[f] = h[f];
  labels.severity = severity;
  return labels;
}

/** What a person reads about an absent host. */
export function absentAnnotations(h: HostSeen, v: HostVerdict): Record<string, string> {
  const since = h.lastSeen === null ? 'never reported' : `no data since ${new Date(h.lastSeen).toISOString()}`;
  const every = h.intervalMs > 0 ? `its collection interval is ${h.intervalMs / 1000}s, ` : '';
  return {
    summary: `host ${h.host} is absent: ${since}`,
    description: `${h.host} sent no data for more than ${Math.round(v.thresholdMs / 1000)}s (${every}${h.lastSeen === null ? 'it has an asset record but never sent data' : `last seen ${new Date(h.lastSeen).toISOString()}`})`,
    last_seen: h.lastSeen === null ? 'never' : new Date(h.lastSeen).toISOString(),
    ...(h.status ? { status: h.status } : {}),
  };
}
