// `npm run eval:anomaly`: scores the labelled evaluation set (analysis/eval/) with a detector and prints,
// per kind of anomaly, the detection rate, false alerts per 10,000 points and the median detection delay,
// as markdown. Deterministic: the same options print the same numbers.
//
//   npm run eval:anomaly -- [--seeds 5] [--detector default] [--profiles]
import { parseArgs } from 'node:util';
import { isDetectorName, DETECTOR_NAMES } from '../analysis/detectors/names.ts';
import { evaluate, GRACE_POINTS, HOLD_INTERVALS, medianDelay, scoreSeries, judge, type EvalResult } from '../analysis/eval/evaluate.ts';
import { generateSeries, profilesFor, type LabelledSeries } from '../analysis/eval/generate.ts';
import { evaluatePeers, peerMedianDelay } from '../analysis/eval/peers-eval.ts';
import { EVAL_KINDS, PROFILES, type EvalKind } from '../analysis/eval/profiles.ts';

const THRESHOLDS = [0.5, 0.9] as const;

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '5' },
    detector: { type: 'string', default: 'default' },
    profiles: { type: 'boolean', default: false },
  },
});
const seeds = Number(values.seeds);
const detector = values.detector as string;
if (!Number.isInteger(seeds) || seeds < 1) fail(`--seeds must be a positive integer, not ${values.seeds}`);
if (!isDetectorName(detector)) fail(`unknown detector "${detector}": use one of ${DETECTOR_NAMES.join(', ')}`);

function fail(message: string): never {
  process.stderr.write(`eval-anomaly: ${message}\n`);
  process.exit(2);
}

/** Series of one kind: every profile it applies to, `seeds` seeds each. */
function seriesOf(kind: EvalKind | 'clean'): LabelledSeries[] {
  const out: LabelledSeries[] = [];
  for (const p of profilesFor(kind)) {
    const index = PROFILES.findIndex((x) => x.name === p);
    for (let k = 1; k <= seeds; k++) out.push(generateSeries(p, kind, 1000 * k + index));
  }
  return out;
}

const pct = (a: number, b: number): string => (b === 0 ? '–' : `${((100 * a) / b).toFixed(0)} %`);
const per10k = (n: number, points: number): string => ((1e4 * n) / points).toFixed(2);
function delay(r: EvalResult): string {
  const d = medianDelay(r);
  if (Number.isNaN(d.points)) return '–';
  const min = d.ms / 60_000;
  return `${d.points} (${min < 120 ? `${min.toFixed(0)} min` : `${(min / 60).toFixed(1)} h`})`;
}

const started = Date.now();
const out: string[] = [];
out.push(`Detector \`${detector}\`, ${seeds} seed(s) per profile; an anomaly counts as detected when the score reaches the`);
out.push(`threshold within its window or ${GRACE_POINTS} points after; a false alert is an alert (a gate that opens at the`);
out.push(`threshold and closes after ${HOLD_INTERVALS} calm intervals) opening outside every window and its grace.`);
out.push('');
out.push('| kind | series | anomalies | detected @0.5 | false alerts /10k points @0.5 | median delay, points (time) @0.5 | detected @0.9 | false alerts /10k @0.9 |');
out.push('|---|---:|---:|---:|---:|---:|---:|---:|');
const byProfile = new Map<string, { points: number; fa: number }>();
for (const kind of [...EVAL_KINDS, 'clean'] as const) {
  const series = seriesOf(kind);
  const [r5, r9] = evaluate(series, detector, THRESHOLDS);
  if (kind === 'clean') {
    for (const s of series) {
      const fa = judge(s, scoreSeries(s, detector), THRESHOLDS[0]).falseAlerts;
      const e = byProfile.get(s.profile) ?? { points: 0, fa: 0 };
      byProfile.set(s.profile, { points: e.points + s.t.length, fa: e.fa + fa });
    }
    out.push(`| clean (no anomaly) | ${r5.series} | – | – | ${per10k(r5.falseAlerts, r5.points)} (${r5.seriesWithFalseAlerts} of ${r5.series} series with any) | – | – | ${per10k(r9.falseAlerts, r9.points)} |`);
  } else {
    out.push(`| ${kind} | ${r5.series} | ${r5.windows} | ${pct(r5.detected, r5.windows)} | ${per10k(r5.falseAlerts, r5.points)} | ${delay(r5)} | ${pct(r9.detected, r9.windows)} | ${per10k(r9.falseAlerts, r9.points)} |`);
  }
}
const peers = evaluatePeers(seeds);
out.push(`| peer (cross-section) | ${peers.groups} groups | ${peers.windows} | ${pct(peers.detected, peers.windows)} | ${per10k(peers.falseAlerts, peers.points)} per 10k host-points | ${peerMedianDelay(peers)} | – | – |`);
if (values.profiles) {
  out.push('');
  out.push('False alerts on clean series, by profile, @0.5:');
  out.push('');
  out.push('| profile | interval | points | false alerts /10k points |');
  out.push('|---|---:|---:|---:|');
  for (const p of PROFILES) {
    const e = byProfile.get(p.name);
    if (e) out.push(`| ${p.name} | ${p.intervalMs / 1000} s | ${e.points} | ${per10k(e.fa, e.points)} |`);
  }
}
out.push('');
out.push(`(${((Date.now() - started) / 1000).toFixed(1)} s)`);
process.stdout.write(`${out.join('\n')}\n`);
