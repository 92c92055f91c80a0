import { describe, expect, it } from 'vitest';
import { createAlertGate, type AlertGateOptions } from './alert-gate.ts';

const MIN = 60_000;

/** Feeds scores one minute apart and returns what the gate did at each: o opened, c closed, | open, . closed. */
function f(opts: AlertGateOptions, scores: number[]): string {
  const g = createAlertGate(opts);
  return scores.map((s, i) => {
    const r = g.update(i * MIN, s);
    return r.opened ? 'o' : r.closed ? 'c' : r.open ? '|' : '.';
  }).join('');
}

describe('createAlertGate', () => {
  it.each<[string, AlertGateOptions, number[], string]>([
    ['opens at the threshold and closes at the first calm point', {}, [0, 0.6, 0.7, 0.1, 0], '.o|c.'],
    ['stays open through dips above stayAbove', {}, [0.9, 0.3, 0.3, 0.1], 'o||c'],
    ['needs openAfter points in a row', { openAfter: 3 }, [0.6, 0.6, 0.1, 0.6, 0.6, 0.6, 0], '.....oc'],
    ['holds through calm points for holdMs', { holdMs: 3 * MIN }, [0.9, 0, 0, 0, 0, 0.9], 'o||c.o'],
    ['two bursts within the hold are one alert', { holdMs: 5 * MIN }, [0.9, 0, 0, 0.9, 0, 0, 0, 0, 0, 0], 'o|||||||c.'],
    ['a custom threshold', { threshold: 0.9 }, [0.8, 0.95, 0.5, 0.2], '.o|c'],
  ])('%s', (_name, opts, scores, expected) => {
    expect(f(opts, scores)).toBe(expected);
  });

  it('resumes from a snapshot, also after JSON', () => {
    const g = createAlertGate({ holdMs: 10 * MIN });
    g.update(0, 0.9);
    const again = createAlertGate({ holdMs: 10 * MIN }, JSON.parse(JSON.stringify(g.snapshot())));
    expect(again.update(5 * MIN, 0).open).toBe(true);
    expect(again.update(11 * MIN, 0).closed).toBe(true);
    expect(g.update(5 * MIN, 0).open).toBe(true); // the original is unaffected
  });

  it.each<[AlertGateOptions, string]>([
    [{ threshold: 0 }, 'threshold must be in (0, 1], not 0'],
    [{ threshold: 1.5 }, 'threshold must be in (0, 1], not 1.5'],
    [{ openAfter: 0 }, 'openAfter must be a positive integer, not 0'],
    [{ threshold: 0.5, stayAbove: 0.7 }, 'stayAbove must be in [0, threshold], not 0.7'],
    [{ holdMs: -1 }, 'holdMs must be ≥ 0, not -1'],
  ])('refuses %j', (opts, message) => {
    expect(() => createAlertGate(opts)).toThrow(`cannot create alert gate: ${message}`);
  });
});
