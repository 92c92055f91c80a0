import { describe, expect, it } from 'vitest';
import { parseDuration, parseTime } from './time-params.ts';

const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);

describe('parseTime', () => {
  it.each([
    ['epoch ms', '1795303190484', 1795303190484],
    ['now', 'now', NOW],
    ['relative', '-5m', NOW - 300_000],
    ['now minus', 'now-1h', NOW - 3_600_000],
    ['ISO with Z', '2026-11-21T10:00:00Z', Date.UTC(2026, 10, 21, 10)],
    ['ISO without zone is UTC', '2026-11-21T10:00:00', Date.UTC(2026, 10, 21, 10)],
    ['space separated is UTC', '2026-11-21 10:00:00', Date.UTC(2026, 10, 21, 10)],
    ['offset', '2026-11-21T12:00:00+02:00', Date.UTC(2026, 10, 21, 10)],
  ])('%s', (_n, text, want) => expect(parseTime(text, NOW)).toBe(want));

  it.each([['words', 'yesterday'], ['bad unit', '-5y'], ['bad date', '2026-13-45T99:00:00Z'], ['empty', '']])('%s is refused', (_n, text) =>
    expect(parseTime(text, NOW)).toBeUndefined(),
  );
});

describe('parseDuration', () => {
  it.each([['10s', 10_000], ['1m', 60_000], ['500ms', 500], ['2.5', 2500], ['1h', 3_600_000]])('%s', (text, want) =>
    expect(parseDuration(text)).toBe(want),
  );
  it.each([['abc'], ['-1s'], ['1y'], ['']])('%s is refused', (text) => expect(parseDuration(text)).toBeUndefined());
});
