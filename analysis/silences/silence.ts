// Silences: a time window during which alerts whose labels match are kept from the feeds. Pure
// matching, shared by the outbox (delivery), GET /api/v1/alerts and GET /api/v1/coverage.

/** The labels a silence can match, each a glob (`*` any text); every one given must match. */
export const SILENCE_MATCHERS = ['host', 'site', 'role', 'hw_model', 'alertname'] as const;
export type SilenceMatchers = Partial<Record<(typeof SILENCE_MATCHERS)[number], string>>;

/** One silence as stored. Values are fresh objects: callers may keep them. */
export interface Silence {
  readonly id: string;
  readonly matchers: SilenceMatchers;
  /** Epoch ms; the silence holds from `startsAt` (inclusive) to `endsAt` (exclusive). */
  readonly startsAt: number;
  readonly endsAt: number;
  readonly comment: string;
  readonly createdBy: string;
  readonly updatedAt: number;
}

export type SilenceState = 'pending' | 'active' | 'expired';

/** Where a silence stands at `now`. */
export function silenceState(s: Pick<Silence, 'startsAt' | 'endsAt'>, now: number): SilenceState {
  if (now >= s.endsAt) return 'expired';
  return now < s.startsAt ? 'pending' : 'active';
}

function globRe(glob: string): RegExp {
  return new RegExp(`^${glob.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}

/**
 * Whether a silence's matchers match an alert. Each matcher is looked up in the labels, then in the
 * annotations: anomaly alerts carry `site`, `role` and `hw_model` as annotations (asset context),
 * absent alerts as labels. A missing value is ''. Time is not considered (see {@link findSilence}).
 */
export function silenceMatches(s: Pick<Silence, 'matchers'>, labels: Readonly<Record<string, string>>, annotations: Readonly<Record<string, string>> = {}): boolean {
  return SILENCE_MATCHERS.every((k) => {
    const glob = s.matchers[k];
    return glob === undefined || globRe(glob).test(labels[k] ?? annotations[k] ?? '');
  });
}

/** The first silence active at `now` that matches the alert, or undefined. */
export function findSilence(
  silences: readonly Silence[],
  alert: { readonly labels: Readonly<Record<string, string>>; readonly annotations?: Readonly<Record<string, string>> },
  now: number,
): Silence | undefined {
  return silences.find((s) => silenceState(s, now) === 'active' && silenceMatches(s, alert.labels, alert.annotations));
}
