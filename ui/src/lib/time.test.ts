import { describe, expect, it } from 'vitest';
import { describeRange, isRelative, parseDuration, parseTime, resolveRange, zoomOut } from './time.ts';

const NOW = Date.UTC(2026, 10, 22, 15, 30, 0);

describe('time expressions', () => {
  it('reads now, relative offsets, rounding, ISO and epoch ms', () => {
    expect(parseTime('now', NOW)).toBe(NOW);
    expect(parseTime('now-6h', NOW)).toBe(NOW - 6 * 3_600_000);
    expect(parseTime('now+7d', NOW)).toBe(NOW + 7 * 86_400_000);
    expect(parseTime('now/d', NOW)).toBe(Date.UTC(2026, 10, 22));
    expect(parseTime('now/d-1d', NOW)).toBe(Date.UTC(2026, 10, 21));
    expect(parseTime('now/w', NOW)).toBe(Date.UTC(2026, 10, 16)); // a Monday
    expect(parseTime('2026-11-01', NOW)).toBe(Date.UTC(2026, 10, 1));
    expect(parseTime('2026-11-01T12:00', NOW)).toBe(Date.UTC(2026, 10, 1, 12));
    expect(parseTime('1795000000000', NOW)).toBe(1795000000000);
    expect(parseTime('yesterday', NOW)).toBeUndefined();
    expect(parseTime('now-6x', NOW)).toBeUndefined();
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('off')).toBeUndefined();
  });

  it('resolves ranges and refuses empty or unreadable ones with the text at fault', () => {
    expect(resolveRange({ from: 'now-1h', to: 'now' }, NOW)).toEqual({ from: NOW - 3_600_000, to: NOW });
    expect(() => resolveRange({ from: 'now', to: 'now-1h' }, NOW)).toThrow(/start before it ends/);
    expect(() => resolveRange({ from: 'soon', to: 'now' }, NOW)).toThrow(/"soon"/);
    expect(isRelative({ from: 'now-1h', to: 'now' })).toBe(true);
    expect(isRelative({ from: '1', to: '2' })).toBe(false);
    expect(describeRange({ from: 'now-6h', to: 'now' }, NOW)).toBe('last 6h');
  });

  it('zooms out to twice the span around the same middle, never past now', () => {
    const r = zoomOut({ from: NOW - 4 * 3_600_000, to: NOW - 2 * 3_600_000 }, NOW);
    expect(Number(r.from)).toBe(NOW - 5 * 3_600_000);
    expect(Number(r.to)).toBe(NOW - 3_600_000);
    const atNow = zoomOut({ from: NOW - 3_600_000, to: NOW }, NOW);
    expect(atNow).toEqual({ from: String(NOW - 2 * 3_600_000), to: 'now' });
  });
});
