import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createRandom } from '../analysis/eval/random.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Runs the real `fleetscope detect` with `input` on stdin. */
function detect(input: string, ...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bin/fleetscope.ts', 'detect', ...args], { cwd: ROOT, input, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A minute series of `n` rows, noise around 100, with a spike of +60 at row `spikeAt`. */
function csv(n: number, spikeAt = -1): string {
  const rng = createRandom(5);
  const t0 = Date.UTC(2024, 0, 1);
  const rows = ['timestamp,value'];
  for (let i = 0; i < n; i++) {
    const ts = new Date(t0 + i * 60_000).toISOString().replace('T', ' ').slice(0, 19);
    rows.push(`${ts},${(100 + 2 * rng.normal() + (i === spikeAt ? 60 : 0)).toFixed(3)}`);
  }
  return `${rows.join('\n')}\n`;
}

describe('fleetscope detect', () => {
  it('echoes every row in order with a score in [0, 1], missing values included', () => {
    const input = csv(600, 500).replace('2024-01-01 01:00:00,', '2024-01-01 01:00:00,NaN,').replace(/(2024-01-01 02:00:00,)[^\n]*/, '$1');
    const r = detect(input.replaceAll('\n', '\r\n'));
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const inLines = input.trim().split('\n');
    const outLines = r.out.trim().split('\n');
    expect(outLines[0]).toBe('timestamp,value,anomaly_score');
    expect(outLines).toHaveLength(inLines.length);
    for (let i = 1; i < inLines.length; i++) {
      const [ts, v, score] = outLines[i].split(',');
      const [ts0, v0] = inLines[i].split(',');
      expect([ts, v]).toEqual([ts0, v0]);
      expect(Number(score)).toBeGreaterThanOrEqual(0);
      expect(Number(score)).toBeLessThanOrEqual(1);
    }
    expect(outLines[61]).toMatch(/^2024-01-01 01:00:00,NaN,/);
    expect(outLines[121]).toMatch(/^2024-01-01 02:00:00,,/);
    expect(Number(outLines[501].split(',')[2])).toBeGreaterThan(0.9); // the spike
    expect(Math.max(...outLines.slice(100, 500).map((l) => Number(l.split(',')[2])))).toBeLessThan(0.5);
  });

  it('is causal: the first rows score the same whether or not later rows follow', () => {
    const full = csv(2000, 1500);
    const head = `${full.split('\n').slice(0, 1201).join('\n')}\n`;
    const a = detect(full);
    const b = detect(head);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    expect(b.out.trim().split('\n')).toEqual(a.out.trim().split('\n').slice(0, 1201));
  });

  it('stops at a bad row with its line number and exit code 2, after answering the rows before it', () => {
    const input = csv(5).replace('2024-01-01 00:03:00', '2024-01-01 24:03:00');
    const r = detect(input);
    expect(r.code).toBe(2);
    expect(r.err).toBe('fleetscope: cannot read line 5 of standard input: bad timestamp "2024-01-01 24:03:00": use ISO 8601 (2024-01-31T12:00:00Z) or YYYY-MM-DD HH:MM:SS (UTC)\n');
    expect(r.out.trim().split('\n')).toHaveLength(4); // header and the three good rows
  });

  it.each<[string, string, string]>([
    ['a missing header', '2024-01-01 00:00:00,1\n', 'cannot read line 1 of standard input: expected the header "timestamp,value"'],
    ['no input', '', 'cannot read line 1 of standard input: no header line'],
  ])('refuses %s', (_name, input, message) => {
    const r = detect(input);
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
  });

  it('names the detectors in its help and when one is unknown', () => {
    const help = detect('', '--help');
    expect(help.code).toBe(0);
    for (const name of ['default', 'spike', 'level-shift', 'trend', 'variance', 'seasonality', 'flatline', 'missing']) expect(help.out).toContain(name);
    const bad = detect(csv(3), '--detector', 'magic');
    expect(bad.code).toBe(2);
    expect(bad.err).toBe('fleetscope: unknown detector "magic": use one of default, spike, level-shift, trend, variance, seasonality, flatline, missing\n');
  });

  it('runs a single detector and writes details on request', () => {
    const r = detect(csv(300, 250), '--detector', 'spike', '--details');
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines[0]).toBe('timestamp,value,anomaly_score,kind,expected,low,high');
    const [, , score, kind, expected, low, high] = lines[251].split(',');
    expect(Number(score)).toBeGreaterThan(0.9);
    expect(kind).toBe('spike');
    expect(Number(low)).toBeLessThan(Number(expected));
    expect(Number(high)).toBeGreaterThan(Number(expected));
  });
});
