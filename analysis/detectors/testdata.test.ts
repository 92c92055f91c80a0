// Golden series: analysis/testdata/*.csv scored by the default detector must raise alerts exactly where
// *.expected.json says (an alert gate at 0.5 with a 10-minute hold). UPDATE_GOLDEN=1 rewrites the
// expected files (`npm run test:update-golden`); review the diff.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createAlertGate } from './alert-gate.ts';
import { createDetector } from './registry.ts';

const DIR = fileURLToPath(new URL('../testdata/', import.meta.url));

interface Expected {
  /** What the series contains, for the reader. */
  readonly about: string;
  /** Timestamps (as written in the CSV) where an alert opens, with the kind named there. */
  readonly alerts: readonly { readonly at: string; readonly kind: string }[];
}

function alertsOf(csv: string): { at: string; kind: string }[] {
  const d = createDetector('default');
  const gate = createAlertGate({ holdMs: 10 * 60_000 });
  const out: { at: string; kind: string }[] = [];
  for (const line of csv.trim().split('\n').slice(1)) {
    const [ts, v] = line.split(',');
    const t = Date.parse(`${ts.replace(' ', 'T')}Z`);
    const o = d.update(t, v === '' ? null : Number(v));
    if (gate.update(t, o.score).opened) out.push({ at: ts, kind: o.kind ?? '' });
  }
  return out;
}

describe('golden series', () => {
  it.each(readdirSync(DIR).filter((f) => f.endsWith('.csv')))('%s', (file) => {
    const alerts = alertsOf(readFileSync(DIR + file, 'utf8'));
    const expectedFile = DIR + file.replace(/\.csv$/, '.expected.json');
    const expected = JSON.parse(readFileSync(expectedFile, 'utf8')) as Expected;
    if (process.env.UPDATE_GOLDEN) writeFileSync(expectedFile, `${JSON.stringify({ ...expected, alerts }, null, 2)}\n`);
    else expect(alerts).toEqual(expected.alerts);
  });
});
