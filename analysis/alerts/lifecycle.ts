// The alert lifecycle: scores of a group (a host, or a series) become an alert that is pending while the
// anomaly is young, firing once it held long enough, and resolved once the group stayed normal long
// enough. A group that keeps flipping between firing and resolved is held firing instead of paging
// again and again. Pure: time comes from the caller (the end of the data a job processed).
import { alertKey, type Alert, type AlertEvent } from './model.ts';

export interface LifecycleOptions {
  /** A score at or above this is anomalous. */
  readonly threshold: number;
  /** How long an anomaly must last before the alert fires, ms (0 fires at once). */
  readonly pendingMs: number;
  /** How long a group must stay normal before its alert resolves, ms. */
  readonly resolveMs: number;
  /** How often a firing alert is sent again (receivers such as Alertmanager expect it), ms. */
  readonly refreshMs: number;
  /** Within this window… */
  readonly flapWindowMs: number;
  /** …this many firings make a group flapping: it then needs `flapHoldFactor` × `resolveMs` to resolve. */
  readonly flapMaxFirings: number;
  readonly flapHoldFactor: number;
  /** How long a resolved alert stays listed, ms. */
  readonly keepResolvedMs: number;
}

export const DEFAULT_LIFECYCLE: LifecycleOptions = {
  threshold: 0.5,
  pendingMs: 2 * 60_000,
  resolveMs: 5 * 60_000,
  refreshMs: 60_000,
  flapWindowMs: 60 * 60_000,
  flapMaxFirings: 3,
  flapHoldFactor: 4,
  keepResolvedMs: 24 * 60 * 60_000,
};

/** One observation of a group: its worst score at time `t` and what to show about it. */
export interface Observation {
  readonly labels: Readonly<Record<string, string>>;
  readonly t: number;
  readonly score: number;
  readonly annotations: Readonly<Record<string, string>>;
}

/** Everything the lifecycle keeps about a group: small, and JSON for restarts. */
export interface GroupState {
  alert: Alert;
  /** First and last time the group was anomalous in the current episode. */
  firstAnomalous: number;
  lastAnomalous: number;
  /** When the alert was last sent (firing or refresh). */
  lastSent: number;
  /** Times the alert started firing, within the flap window. */
  firings: number[];
  /** Annotations added after the alert fired ({@link Lifecycle.annotate}); kept when a higher score replaces the others. */
  extra?: Record<string, string>;
}

export class Lifecycle {
  private readonly groups = new Map<string, GroupState>();
  private seq = 0;

  constructor(
    private readonly opts: LifecycleOptions,
    private readonly idPrefix: string,
  ) {}

  /** Restores the groups saved by {@link snapshot}. */
  restore(states: readonly GroupState[]): void {
    for (const s of states) this.groups.set(s.alert.key, s);
  }

  /** Groups whose alert is pending or firing, or resolved recently. */
  snapshot(): GroupState[] {
    return [...this.groups.values()];
  }

  alerts(): Alert[] {
    return [...this.groups.values()].map((g) => g.alert);
  }

  /** Takes one observation; anomalous ones open or extend an episode. Returns nothing: {@link advance} decides. */
  observe(o: Observation): void {
    if (!(o.score >= this.opts.threshold)) return;
    const key = alertKey(o.labels);
    const g = this.groups.get(key);
    const score = Math.round(o.score * 1000) / 1000;
    if (!g || g.alert.status === 'resolved') {
      const firings = g ? g.firings : [];
      this.groups.set(key, {
        alert: { key, labels: o.labels, annotations: o.annotations, status: 'pending', startsAt: o.t, updatedAt: o.t, score },
        firstAnomalous: o.t,
        lastAnomalous: o.t,
        lastSent: 0,
        firings,
      });
      return;
    }
    g.lastAnomalous = Math.max(g.lastAnomalous, o.t);
    if (score > g.alert.score) g.alert = { ...g.alert, score, annotations: { ...o.annotations, ...g.extra }, updatedAt: o.t };
  }

  /** Adds annotations to a group's alert for the rest of its episode (such as the changes before it); returns the alert. */
  annotate(key: string, extra: Readonly<Record<string, string>>): Alert | undefined {
    const g = this.groups.get(key);
    if (!g) return undefined;
    g.extra = { ...g.extra, ...extra };
    g.alert = { ...g.alert, annotations: { ...g.alert.annotations, ...extra } };
    return g.alert;
  }

  /** Moves every group on to time `now` and returns the events to deliver, in order. */
  advance(now: number): AlertEvent[] {
    const out: AlertEvent[] = [];
    for (const [key, g] of this.groups) {
      const a = g.alert;
      if (a.status === 'pending') {
        if (g.lastAnomalous - g.firstAnomalous >= this.opts.pendingMs) {
          g.firings = [...g.firings.filter((t) => now - t < this.opts.flapWindowMs), now];
          const flapping = g.firings.length >= this.opts.flapMaxFirings;
          g.alert = { ...a, status: 'firing', updatedAt: now, annotations: { ...a.annotations, ...(flapping ? { flapping: 'true' } : {}) } };
          g.lastSent = now;
          out.push(this.event('firing', g.alert, now));
        } else if (now - g.lastAnomalous >= this.opts.resolveMs) {
          this.groups.delete(key); // too short to page anyone
        }
      } else if (a.status === 'firing') {
        const flapping = g.firings.filter((t) => now - t < this.opts.flapWindowMs).length >= this.opts.flapMaxFirings;
        const hold = this.opts.resolveMs * (flapping ? this.opts.flapHoldFactor : 1);
        if (now - g.lastAnomalous >= hold) {
          g.alert = { ...a, status: 'resolved', endsAt: now, updatedAt: now };
          out.push(this.event('resolved', g.alert, now));
        } else if (now - g.lastSent >= this.opts.refreshMs) {
          g.lastSent = now;
          out.push(this.event('refresh', g.alert, now));
        }
      } else if (now - (a.endsAt ?? a.updatedAt) >= this.opts.keepResolvedMs) {
        this.groups.delete(key);
      }
    }
    return out;
  }

  private event(kind: AlertEvent['kind'], alert: Alert, at: number): AlertEvent {
    return { id: `${this.idPrefix}-${at.toString(36)}-${(this.seq++).toString(36)}`, kind, alert, at };
  }
}
