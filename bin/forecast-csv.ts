// The CSV side of `fleetscope forecast`: a whole `timestamp,value` series read into a regular grid.
import { checkHeader, CsvInputError, parseRow } from './detect-csv.ts';

/** How output timestamps are written: like `2024-01-31 12:00:00`, or ISO 8601 `2024-01-31T12:00:00Z`. */
export type TimestampStyle = 'space' | 'iso';

/** A regular series: values at `stepMs` (null where missing or filled), the last time, the input's style. */
export interface RegularSeries {
  readonly values: (number | null)[];
  readonly stepMs: number;
  readonly lastT: number;
  readonly style: TimestampStyle;
}

/**
 * Reads CSV text (header `timestamp,value`, then rows) into a regular series. The step is the median
 * gap; gaps of k steps (±10 %) add k−1 missing points. Throws `CsvInputError` with the 1-based line for
 * a bad header or row, a timestamp that does not increase, a gap that is not a whole number of steps,
 * fewer than 3 rows, or more filled than real points.
 */
export function readSeriesCsv(text: string): RegularSeries {
  const lines = text.split(/\r?\n/);
  while (lines.length && lines[lines.length - 1].trim() === '') lines.pop();
  if (lines.length === 0) throw new CsvInputError('no header line: expected "timestamp,value" then one row per point', 1);
  checkHeader(lines[0]);
  const rows = lines.slice(1).map((l, k) => ({ ...parseRow(l, k + 2), line: k + 2 }));
  if (rows.length < 3) throw new CsvInputError(`need at least 3 rows to forecast, got ${rows.length}`, lines.length);
  for (let k = 1; k < rows.length; k++) {
    if (rows[k].t <= rows[k - 1].t) throw new CsvInputError(`timestamp ${rows[k].timestampText} does not come after ${rows[k - 1].timestampText}`, rows[k].line);
  }
  const gaps = rows.slice(1).map((r, k) => r.t - rows[k].t).sort((a, b) => a - b);
  const stepMs = gaps[gaps.length >> 1];
  const values: (number | null)[] = [rows[0].value];
  for (let k = 1; k < rows.length; k++) {
    const steps = (rows[k].t - rows[k - 1].t) / stepMs;
    const whole = Math.round(steps);
    if (whole < 1 || Math.abs(steps - whole) > 0.1) {
      throw new CsvInputError(`irregular step: ${rows[k].t - rows[k - 1].t} ms after the previous row, the series step is ${stepMs} ms`, rows[k].line);
    }
    for (let j = 1; j < whole; j++) values.push(null);
    values.push(rows[k].value);
  }
  if (values.length > 2 * rows.length) throw new CsvInputError(`too sparse: ${values.length - rows.length} missing steps for ${rows.length} rows`, lines.length);
  const lastText = rows[rows.length - 1].timestampText;
  return { values, stepMs, lastT: rows[rows.length - 1].t, style: /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(lastText) ? 'space' : 'iso' };
}

/** Writes epoch ms `t` in `style`, to the second (UTC). */
export function formatTimestamp(t: number, style: TimestampStyle): string {
  const iso = new Date(t).toISOString().slice(0, 19);
  return style === 'space' ? iso.replace('T', ' ') : `${iso}Z`;
}
