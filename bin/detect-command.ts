import { Command } from 'commander';
import { DETECTOR_NAMES, DETECTOR_SUMMARIES, isDetectorName } from '../analysis/detectors/names.ts';
import { CsvInputError, scoreCsv } from './detect-csv.ts';

/** Exit codes of `fleetscope detect`. */
export const DETECT_EXIT = { ok: 0, badInput: 2 } as const;

const detectorHelp = DETECTOR_NAMES.map((n) => `  ${n.padEnd(12)} ${DETECTOR_SUMMARIES[n]}`).join('\n');

/**
 * `fleetscope detect`: scores a series given as CSV on standard input and writes every row back with its
 * anomaly score, in order, as it goes (bounded memory, so a file of millions of rows streams through).
 * Causal: the score of a row depends only on that row and the ones before it. Exit code 2 on bad input,
 * with the line number; rows before the bad one have been written.
 *
 * The detectors are loaded only when the command runs, so `fleetscope --help` stays quick.
 */
export function detectCommand(): Command {
  return new Command('detect')
    .description('score a series for anomalies: CSV "timestamp,value" on stdin, "timestamp,value,anomaly_score" on stdout')
    .option('-d, --detector <name>', `detector to run: ${DETECTOR_NAMES.join(', ')}`, 'default')
    .option('--details', 'also write the kind of anomaly and the expected band: kind,expected,low,high')
    .option('--no-seasonal', 'do not learn daily/weekly profiles')
    .addHelpText(
      'after',
      `
Detectors:
${detectorHelp}

Input: a header "timestamp,value" (more columns are ignored), then one row per point. Timestamps are
ISO 8601 or "YYYY-MM-DD HH:MM:SS" (UTC unless an offset is given), or epoch seconds/milliseconds.
An empty value, NaN or null is a missing point; it gets a score too (detector "missing").
Scores are in [0, 1]; 0.5 is the alert threshold (a tail probability of 1e-5). The first ~20 rows
score 0 while the detector learns; it is fully sensitive after ~400 rows, and daily profiles are
used after two days of data. Exit codes: 0 ok, 2 bad input or options.

Example:
  fleetscope detect < cpu.csv > cpu-scored.csv
  fleetscope detect --detector level-shift --details < traffic.csv`,
    )
    .action(async (o: { detector: string; details?: boolean; seasonal: boolean }) => {
      if (!isDetectorName(o.detector)) {
        process.stderr.write(`fleetscope: unknown detector "${o.detector}": use one of ${DETECTOR_NAMES.join(', ')}\n`);
        process.exitCode = DETECT_EXIT.badInput;
        return;
      }
      const { createDetector } = await import('../analysis/detectors/registry.ts');
      const detector = createDetector(o.detector, { seasonal: o.seasonal });
      process.stdout.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'EPIPE') process.exit(DETECT_EXIT.ok); // the reader went away (`| head`)
        throw err;
      });
      try {
        await scoreCsv(process.stdin, process.stdout, (t, v) => detector.update(t, v), o.details ?? false);
      } catch (err) {
        if (!(err instanceof CsvInputError)) throw err;
        process.stderr.write(`fleetscope: cannot read line ${err.line} of standard input: ${err.message}\n`);
        process.exitCode = DETECT_EXIT.badInput;
      }
    });
}
