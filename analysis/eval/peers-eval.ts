// Peer groups for the offline evaluation: hosts of one model carrying the same load (a shared daily
// pattern, small per-host differences, their own noise), one at a time straying from the others.
import { createAlertGate } from '../detectors/alert-gate.ts';
import { median } from '../detectors/online.ts';
import { scorePeerGroup } from '../detectors/peers.ts';
import { GRACE_POINTS, HOLD_INTERVALS } from './evaluate.ts';
import { createRandom } from './random.ts';

const STEP_MS = 60_000;
const DAY = 86_400_000;

/** What the peer detector did on generated groups. */
export interface PeerEvalResult {
  readonly groups: number;
  /** Host-points scored. */
  readonly points: number;
  readonly windows: number;
  readonly detected: number;
  readonly delays: number[];
  readonly falseAlerts: number;
}

interface Stray {
  host: number;
  start: number;
  end: number;
  /** Multiplier of the host's value while it strays. */
  factor: number;
}

/**
 * One group of `hosts` hosts over a day at 1-minute steps: load follows a daily pattern, each host has a
 * persistent offset of up to ±3 % and noise of 2–4 %; four times a host's value is multiplied by 1.25–2 (or
 * divided) for 5 to 60 minutes. Returns each step's values and the strays.
 */
export function generateGroup(hosts: number, seed: number): { values: number[][]; strays: Stray[] } {
  const rng = createRandom(seed);
  const steps = DAY / STEP_MS;
  const bias = Array.from({ length: hosts }, () => 1 + rng.uniform(-0.03, 0.03));
  const noise = Array.from({ length: hosts }, () => rng.uniform(0.02, 0.04));
  const strays: Stray[] = [];
  for (let k = 0; k < 4; k++) {
    const start = 120 + k * 330 + rng.int(0, 200);
    const factor = rng.uniform(1.25, 2) ** (rng.next() < 0.5 ? -1 : 1);
    strays.push({ host: rng.int(0, hosts - 1), start, end: start + rng.int(5, 60) - 1, factor });
  }
  const values: number[][] = [];
  for (let i = 0; i < steps; i++) {
    const load = 500 * (1 + 0.5 * Math.sin((2 * Math.PI * i) / steps));
    values.push(
      bias.map((b, h) => {
        const stray = strays.find((s) => s.host === h && i >= s.start && i <= s.end);
        return load * b * (1 + noise[h] * rng.normal()) * (stray ? stray.factor : 1);
      }),
    );
  }
  return { values, strays };
}

/** Scores generated groups of 8, 30 and 100 hosts (`seeds` of each) with {@link scorePeerGroup}. */
export function evaluatePeers(seeds: number): PeerEvalResult {
  let points = 0;
  let windows = 0;
  let detected = 0;
  let falseAlerts = 0;
  let groups = 0;
  const delays: number[] = [];
  for (const hosts of [8, 30, 100]) {
    for (let seed = 1; seed <= seeds; seed++) {
      const { values, strays } = generateGroup(hosts, seed * 7919 + hosts);
      const scores = values.map((row) => scorePeerGroup(row).map((s) => s.score));
      groups += 1;
      points += values.length * hosts;
      windows += strays.length;
      for (let h = 0; h < hosts; h++) {
        const mine = strays.filter((s) => s.host === h);
        const gate = createAlertGate({ holdMs: HOLD_INTERVALS * STEP_MS });
        scores.forEach((row, i) => {
          const opened = gate.update(i * STEP_MS, row[h]).opened;
          if (opened && !mine.some((s) => i >= s.start && i <= s.end + GRACE_POINTS)) falseAlerts += 1;
        });
        for (const s of mine) {
          const at = scores.findIndex((row, i) => i >= s.start && i <= s.end + GRACE_POINTS && row[h] >= 0.5);
          if (at >= 0) {
            detected += 1;
            delays.push(at - s.start);
          }
        }
      }
    }
  }
  return { groups, points, windows, detected, delays, falseAlerts };
}

/** Median delay of the peer evaluation, in steps. */
export function peerMedianDelay(r: PeerEvalResult): number {
  return r.delays.length ? median(r.delays) : NaN;
}
