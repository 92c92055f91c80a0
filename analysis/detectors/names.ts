// Detector names and one-line descriptions, apart from the detectors so the `detect` command can list
// them in its help without loading any detector code.

/** Every detector `createDetector` knows, `default` (the ensemble) first. */
export const DETECTOR_NAMES = ['default', 'spike', 'level-shift', 'trend', 'variance', 'seasonality', 'flatline', 'missing'] as const;
export type DetectorName = (typeof DETECTOR_NAMES)[number];

/** What each detector looks for, for help texts. */
export const DETECTOR_SUMMARIES: Readonly<Record<DetectorName, string>> = {
  default: 'all of the below, one calibrated score (recommended)',
  spike: 'spikes and dips against a one-step forecast',
  'level-shift': 'sustained moves of the level',
  trend: 'changes of slope',
  variance: 'noise growing or shrinking',
  seasonality: 'daily/weekly pattern broken (flattened, shifted, amplified)',
  flatline: 'stuck values (runs of identical values)',
  missing: 'empty values and gaps in time',
};

/** True when `name` is a detector name. */
export function isDetectorName(name: string): name is DetectorName {
  return (DETECTOR_NAMES as readonly string[]).includes(name);
}
