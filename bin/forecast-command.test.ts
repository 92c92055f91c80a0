import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Runs the real `fleetscope forecast` with `input` on stdin. */
function run(input: string, ...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bin/fleetscope.ts', 'forecast', ...args], { cwd: ROOT, input, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Hourly rows from 2024-01-01: a ramp 100 + i with a daily wave; `iso` picks the timestamp style. */
function csv(n: number, iso = false): string {
  const rows = ['timestamp,value'];
  for (let i = 0; i < n; i++) {
    const t = new Date(Date.UTC(2024, 0, 1) + i * 3_600_000).toISOString().slice(0, 19);
    rows.push(`${iso ? `${t}Z` : t.replace('T', ' ')},${(100 + i + 10 * Math.sin((2 * Math.PI * i) / 24)).toFixed(3)}`);
  }
  return `${rows.join('\n')}\n`;
}

describe('fleetscope forecast', () => {
  it('writes a header and N rows after the last input time, in the input style', () => {
    const r = run(csv(24 * 7), '--horizon', '5', '--level', '0.9');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines[0]).toBe('timestamp,forecast,lower,upper');
    expect(lines).toHaveLength(6);
    expect(lines[1].split(',')[0]).toBe('2024-01-08 00:00:00');
    expect(lines[5].split(',')[0]).toBe('2024-01-08 04:00:00');
    const [, f, lo, hi] = lines[1].split(',').map(Number);
    expect(f).toBeGreaterThan(lo);
    expect(hi).toBeGreaterThan(f);
    expect(Math.abs(f - 268)).toBeLessThan(2); // 100 + 168, sin(0) = 0
    const iso = run(csv(24 * 7, true), '--horizon', '2');
    expect(iso.out.trim().split('\n')[2].split(',')[0]).toBe('2024-01-08T01:00:00Z');
  });

  it('fills a gap of whole steps as missing points', () => {
    const input = csv(60).split('\n').filter((_, k) => k !== 30).join('\n');
    const r = run(input, '--horizon', '1');
    expect(r.code).toBe(0);
    expect(r.out.trim().split('\n')[1].split(',')[0]).toBe('2024-01-03 12:00:00');
  });

  it.each([
    ['a bad value', csv(10).replace(/(2024-01-01 04:00:00,)[^\n]*/, '$1abc'), ['--horizon', '3'], /line 6 .*bad value "abc"/],
    ['a time going back', csv(10).replace('2024-01-01 05:00:00', '2024-01-01 03:00:00'), ['--horizon', '3'], /line 7 .*does not come after/],
    ['an irregular step', csv(10).replace('2024-01-01 05:00:00', '2024-01-01 05:30:00'), ['--horizon', '3'], /line 7 .*irregular step/],
    ['a wrong header', csv(10).replace('timestamp,value', 'time,v'), ['--horizon', '3'], /line 1 .*header/],
    ['a bad horizon', csv(10), ['--horizon', '0'], /--horizon/],
    ['a bad level', csv(10), ['--horizon', '3', '--level', '95'], /--level/],
  ])('exits 2 on %s, saying where', (_, input, args, message) => {
    const r = run(input, ...args);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(message);
  });
});
