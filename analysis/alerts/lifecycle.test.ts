import { describe, expect, it } from 'vitest';
import { DEFAULT_LIFECYCLE, Lifecycle, type LifecycleOptions } from './lifecycle.ts';

const MIN = 60_000;
const opts: LifecycleOptions = { ...DEFAULT_LIFECYCLE, threshold: 0.9, pendingMs: 2 * MIN, resolveMs: 5 * MIN, refreshMs: MIN, flapWindowMs: 60 * MIN, flapMaxFirings: 3, flapHoldFactor: 4 };
const labels = { alertname: 'FleetscopeAnomaly', host: 'web-01' };

/** Feeds one score per minute from `from` (minutes) and returns the event kinds with their minute. */
function drive(l: Lifecycle, scores: number[], from = 0): string[] {
  const out: string[] = [];
  scores.forEach((s, i) => {
    const t = (from + i) * MIN;
    l.observe({ labels, t, score: s, annotations: { summary: 'x' } });
    for (const e of l.advance(t)) out.push(`${e.kind}@${from + i}`);
  });
  return out;
}

describe('alert lifecycle', () => {
  it('fires after the pending time, re-sends while firing, resolves after the resolve time', () => {
    const l = new Lifecycle(opts, 't');
    const events = drive(l, [0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]);
    expect(events).toEqual(['firing@3', 'refresh@4', 'refresh@5', 'refresh@6', 'refresh@7', 'refresh@8', 'resolved@9']);
    expect(l.alerts()[0]).toMatchObject({ status: 'resolved', startsAt: MIN, endsAt: 9 * MIN });
  });

  it('an anomaly shorter than the pending time never fires', () => {
    const l = new Lifecycle(opts, 't');
    expect(drive(l, [1, 1, 0, 0, 0, 0, 0, 0, 0, 0])).toEqual([]);
    expect(l.alerts()).toEqual([]);
  });

  it('brief dips inside an anomaly do not resolve it', () => {
    const l = new Lifecycle({ ...opts, refreshMs: 100 * MIN }, 't');
    expect(drive(l, [1, 1, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0])).toEqual(['firing@2', 'resolved@13']);
  });

  it('a flapping group is held firing instead of paging again', () => {
    const l = new Lifecycle({ ...opts, refreshMs: 100 * MIN, resolveMs: 2 * MIN }, 't');
    const episode = [1, 1, 1, 0, 0, 0]; // fires at +2, resolves at +4 (2 min normal)
    const events = [...drive(l, episode, 0), ...drive(l, episode, 6), ...drive(l, [...episode, 0, 0, 0, 0, 0, 0], 12)];
    // Third firing within the window: flapping, so it needs 4 × 2 min of calm to resolve.
    expect(events).toEqual(['firing@2', 'resolved@4', 'firing@8', 'resolved@10', 'firing@14', 'resolved@22']);
    expect(l.alerts()[0].annotations.flapping).toBe('true');
  });

  it('keeps the highest score, and survives a restart through its snapshot', () => {
    const l = new Lifecycle(opts, 'a');
    drive(l, [0.95, 0.99, 0.92]);
    const copy = new Lifecycle(opts, 'b');
    copy.restore(JSON.parse(JSON.stringify(l.snapshot())));
    expect(copy.alerts()[0]).toMatchObject({ status: 'firing', score: 0.99 });
    expect(drive(copy, [0, 0, 0, 0, 0], 3).at(-1)).toBe('resolved@7');
  });

  it('event ids are unique', () => {
    const l = new Lifecycle(opts, 'x');
    const ids = new Set<string>();
    for (let i = 0; i < 50; i++) {
      l.observe({ labels: { ...labels, host: `h${i % 5}` }, t: i * MIN, score: 1, annotations: {} });
      for (const e of l.advance(i * MIN)) ids.add(e.id);
    }
    expect(ids.size).toBeGreaterThan(40);
  });
});
