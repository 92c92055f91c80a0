import { Command } from 'commander';

/** Exit codes of `fleetscope forecast`. */
export const FORECAST_EXIT = { ok: 0, badInput: 2 } as const;

/**
 * `fleetscope forecast`: reads a regular series as CSV `timestamp,value` on standard input and writes the
 * N steps after its last row as `timestamp,forecast,lower,upper`. The step is the median gap between rows;
 * a gap that is a whole number of steps (±10 %) is filled with missing points, any other gap, a timestamp
 * that does not increase, or more filled than real points is bad input: exit code 2 with the line number.
 * Output timestamps follow the style of the last input timestamp: `YYYY-MM-DD HH:MM:SS`, otherwise ISO
 * 8601 `YYYY-MM-DDTHH:MM:SSZ` (UTC). The forecaster is loaded only when the command runs.
 */
export function forecastCommand(): Command {
  return new Command('forecast')
    .description('forecast a series: CSV "timestamp,value" on stdin, "timestamp,forecast,lower,upper" for the next N steps on stdout')
    .requiredOption('-n, --horizon <steps>', 'number of steps to forecast')
    .option('-l, --level <p>', 'prediction interval level, in (0, 1)', '0.8')
    .addHelpText(
      'after',
      `
Model: robust trend (Theil–Sen) + daily/weekly seasonal profiles, fitted after the latest level shift;
intervals from the series' own backtest errors. See docs/capacity.md.

Example:
  fleetscope forecast --horizon 288 --level 0.95 < traffic.csv > traffic-forecast.csv`,
    )
    .action(async (o: { horizon: string; level: string }) => {
      const horizon = Number(o.horizon);
      const level = Number(o.level);
      if (!Number.isInteger(horizon) || horizon < 1 || horizon > 1_000_000) return fail(`--horizon must be an integer from 1 to 1000000, not "${o.horizon}"`);
      if (!(level > 0 && level < 1)) return fail(`--level must be in (0, 1), not "${o.level}"`);
      const { readSeriesCsv, formatTimestamp } = await import('./forecast-csv.ts');
      const { CsvInputError } = await import('./detect-csv.ts');
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      let series;
      try {
        series = readSeriesCsv(Buffer.concat(chunks).toString('utf8'));
      } catch (err) {
        if (!(err instanceof CsvInputError)) throw err;
        return fail(`cannot read line ${err.line} of standard input: ${err.message}`);
      }
      const { forecast } = await import('../analysis/capacity/forecast.ts');
      let f;
      try {
        f = forecast(series.values, series.stepMs, horizon, level);
      } catch (err) {
        return fail((err as Error).message);
      }
      const num = (x: number): string => String(Number(x.toPrecision(10)));
      const rows = ['timestamp,forecast,lower,upper'];
      for (let h = 1; h <= horizon; h++) {
        rows.push(`${formatTimestamp(series.lastT + h * series.stepMs, series.style)},${num(f.forecast[h - 1])},${num(f.lower[h - 1])},${num(f.upper[h - 1])}`);
      }
      process.stdout.write(`${rows.join('\n')}\n`);
    });
}

function fail(message: string): void {
  process.stderr.write(`fleetscope: ${message}\n`);
  process.exitCode = FORECAST_EXIT.badInput;
}
