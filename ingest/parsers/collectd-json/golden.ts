// Golden files for parser tests (STYLE §8): results as readable JSON, rewritten on request.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { ParseResult } from '../types.ts';

/**
 * JSON text of a parse result that keeps what JSON cannot hold: bigints as `"123n"`, NaN as
 * `"NaN"`, -0 as `"-0"`, ±Infinity as `"Infinity"`/`"-Infinity"`.
 */
export function goldenText(result: ParseResult): string {
  const text = JSON.stringify(
    result,
    (_key, v: unknown) => {
      if (typeof v === 'bigint') return `${v}n`;
      if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
      if (Object.is(v, -0)) return '-0';
      return v;
    },
    2,
  );
  return `${text}\n`;
}

/**
 * Returns the golden text of `result` and the content of the golden file `path` ('' when missing)
 * for the test to compare. With `UPDATE_GOLDEN=1` in the environment (`npm run
 * test:update-golden`) the file is rewritten first, for a person to review the diff.
 */
export function golden(path: string, result: ParseResult): { actual: string; expected: string } {
  const actual = goldenText(result);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(path, actual);
  return { actual, expected: existsSync(path) ? readFileSync(path, 'utf8') : '' };
}
