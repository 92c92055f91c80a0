// Labelled series for the offline evaluation: a profile's realistic series with anomalies of one kind
// injected at known rows. Deterministic: the same profile, kind and seed give the same series.
import { median } from '../detectors/online.ts';
import { PROFILES, type EvalKind, type Profile } from './profiles.ts';
import { createRandom, type Random } from './random.ts';

/** Monday 2 March 2026, 00:00 UTC: where every generated series starts. */
const T0 = Date.UTC(2026, 2, 2);
const HOUR = 3_600_000;

/** Rows [start, end] (inclusive, indices into the series' arrays) where an injected anomaly is. */
export interface LabelWindow {
  readonly kind: EvalKind;
  readonly start: number;
  readonly end: number;
  /** How it was made, for reports: "+7.3σ ×2 points", "flat day", … */
  readonly note: string;
}

/** A generated series and its labels. `v[i]` null: the row has no value. */
export interface LabelledSeries {
  readonly id: string;
  readonly profile: string;
  readonly kind: EvalKind | 'clean';
  readonly intervalMs: number;
  readonly t: number[];
  readonly v: (number | null)[];
  readonly windows: LabelWindow[];
}

/** Anomalies injected per series, spread over its second half. */
const PER_SERIES = 3;

/** Robust σ of the observation noise in the 120 points before `at` (MAD of observed minus noise-free values). */
function localSigma(obs: readonly number[], clean: readonly number[], at: number): number {
  const from = Math.max(0, at - 120);
  const d = obs.slice(from, at).map((o, i) => o - clean[from + i]);
  const m = median(d);
  return Math.max(1.4826 * median(d.map((x) => Math.abs(x - m))), 1e-9);
}

/** Points in `ms` at the profile's interval, at least `min`. */
function pts(p: Profile, ms: number, min: number): number {
  return Math.max(min, Math.round(ms / p.intervalMs));
}

interface Slot {
  start: number;
  len: number;
}

/** Non-overlapping places for `count` anomalies of `len(i)` points in [0.45 n, 0.95 n). */
function places(rng: Random, n: number, count: number, len: (i: number) => number): Slot[] {
  const lo = Math.floor(0.45 * n);
  const seg = Math.floor((0.95 * n - lo) / count);
  const out: Slot[] = [];
  for (let i = 0; i < count; i++) {
    const l = Math.min(len(i), Math.floor(seg / 2));
    const start = lo + i * seg + rng.int(0, Math.max(0, seg - l - 1));
    out.push({ start, len: l });
  }
  return out;
}

/**
 * Generates one series of `profile` with `PER_SERIES` anomalies of `kind` ('clean': none).
 * Throws when the kind does not apply to the profile (see {@link Profile.kinds}).
 */
export function generateSeries(profileName: string, kind: EvalKind | 'clean', seed: number): LabelledSeries {
  const p = PROFILES.find((x) => x.name === profileName);
  if (!p) throw new Error(`unknown profile "${profileName}"`);
  if (kind !== 'clean' && !p.kinds.includes(kind)) throw new Error(`kind ${kind} does not apply to profile ${p.name}`);
  const rng = createRandom(seed);
  const obsRng = createRandom(seed ^ 0x5bd1e995);
  const n = Math.round((p.days * 86_400_000) / p.intervalMs);
  const t = Array.from({ length: n }, (_, i) => T0 + i * p.intervalMs + Math.round(rng.uniform(-0.02, 0.02) * p.intervalMs));
  const c = p.components(rng, t);
  const windows: LabelWindow[] = [];
  const slots = kind === 'clean' ? [] : places(rng, n, PER_SERIES, () => lengthOf(p, kind, rng));

  if (kind === 'seasonality') {
    for (const s of slots) {
      const variant = rng.pick(['flat', 'shift'] as const);
      const shiftPts = pts(p, 6 * HOUR, 1);
      const orig = Float64Array.from(c.season);
      for (let i = s.start; i < s.start + s.len; i++) c.season[i] = variant === 'flat' ? 0 : orig[Math.max(0, i - shiftPts)];
      windows.push({ kind, start: s.start, end: s.start + s.len - 1, note: variant === 'flat' ? 'daily pattern flat' : 'pattern 6 h late' });
    }
  }
  const clean = Array.from({ length: n }, (_, i) => p.mean(c.level[i] + c.season[i]));
  const obs = Array.from({ length: n }, (_, i) => p.observe(obsRng, c.level[i] + c.season[i] + c.noise[i]));
  const v: (number | null)[] = obs.slice();
  if (kind !== 'clean' && kind !== 'seasonality') {
    // Sizes are in units of the noise just before each anomaly: rates and sizes are noisier at their peak.
    for (const s of slots) windows.push(inject(rng, kind, s, v, clean, localSigma(obs, clean, s.start), p));
  }
  for (let i = 0; i < n; i++) if (v[i] !== null) v[i] = p.finish(v[i] as number);
  for (const w of windows) {
    if (w.kind !== 'flatline') continue;
    for (let i = w.start; i <= w.end; i++) v[i] = v[w.start - 1];
  }
  const series = { id: `${p.name}/${kind}/${seed}`, profile: p.name, kind, intervalMs: p.intervalMs, t, v, windows };
  return kind === 'missing' ? dropGaps(series) : series;
}

function lengthOf(p: Profile, kind: EvalKind, rng: Random): number {
  switch (kind) {
    case 'spike':
    case 'dip':
      return rng.pick([1, 1, 1, 2, 3]);
    case 'level_shift':
      return pts(p, rng.uniform(2, 12) * HOUR, 20);
    case 'trend':
      return pts(p, rng.uniform(3, 12) * HOUR, 30);
    case 'variance':
      return pts(p, rng.uniform(1, 6) * HOUR, 30);
    case 'seasonality':
      return pts(p, rng.pick([12, 24]) * HOUR, 12);
    case 'flatline':
      return Math.min(200, pts(p, rng.uniform(0.5, 4) * HOUR, 10));
    case 'missing':
      return rng.int(3, 30);
  }
}

/** Injects one anomaly into the observed values `v` and returns its label. */
function inject(rng: Random, kind: EvalKind, s: Slot, v: (number | null)[], clean: number[], sigma: number, p: Profile): LabelWindow {
  const end = s.start + s.len - 1;
  const add = (i: number, d: number): void => {
    v[i] = (v[i] as number) + d;
  };
  switch (kind) {
    case 'spike':
    case 'dip': {
      const k = rng.uniform(6, 12) * (kind === 'dip' ? -1 : 1);
      for (let i = s.start; i <= end; i++) add(i, k * sigma);
      return { kind, start: s.start, end, note: `${k.toFixed(1)}σ × ${s.len}` };
    }
    case 'level_shift': {
      let k = rng.uniform(3, 6) * (rng.next() < 0.5 ? -1 : 1);
      if (clean[s.start] + k * sigma < 0.2 * clean[s.start]) k = -k; // a rate cannot drop below zero
      const permanent = rng.next() < 0.4;
      const until = permanent ? v.length - 1 : end;
      for (let i = s.start; i <= until; i++) add(i, k * sigma);
      return { kind, start: s.start, end: permanent ? Math.min(end, s.start + 60) : end, note: `${k.toFixed(1)}σ ${permanent ? 'for good' : `for ${s.len} points`}` };
    }
    case 'trend': {
      const k = rng.uniform(5, 10) * (rng.next() < 0.7 ? 1 : -1);
      for (let i = s.start; i < v.length; i++) add(i, (k * sigma * Math.min(i - s.start + 1, s.len)) / s.len);
      return { kind, start: s.start, end, note: `ramp of ${k.toFixed(1)}σ over ${s.len} points, then flat` };
    }
    case 'variance': {
      const f = rng.uniform(3, 5);
      for (let i = s.start; i <= end; i++) v[i] = clean[i] + f * ((v[i] as number) - clean[i]);
      return { kind, start: s.start, end, note: `noise × ${f.toFixed(1)} for ${s.len} points` };
    }
    case 'flatline':
      return { kind, start: s.start, end, note: `stuck for ${s.len} points` };
    case 'missing': {
      const gap = rng.next() < 0.5;
      for (let i = s.start; i <= end; i++) v[i] = gap ? Number.NaN : null;
      return { kind, start: s.start, end, note: gap ? `${s.len} rows absent` : `${s.len} empty values` };
    }
    case 'seasonality':
      throw new Error(`inject ${kind} into components, not values (${p.name})`);
  }
}

/** Removes rows marked NaN (gaps in time) and moves each gap's label to the first row after it. */
function dropGaps(s: LabelledSeries): LabelledSeries {
  const newIndex: number[] = [];
  const t: number[] = [];
  const v: (number | null)[] = [];
  for (let i = 0; i < s.t.length; i++) {
    newIndex.push(t.length);
    if (typeof s.v[i] === 'number' && Number.isNaN(s.v[i])) continue;
    t.push(s.t[i]);
    v.push(s.v[i]);
  }
  const windows = s.windows.map((w) => {
    if (!w.note.includes('absent')) return { ...w, start: newIndex[w.start], end: newIndex[w.end] };
    const after = newIndex[w.end + 1] ?? t.length - 1;
    return { ...w, start: after, end: after };
  });
  return { ...s, t, v, windows };
}

/** Profiles to which `kind` applies. */
export function profilesFor(kind: EvalKind | 'clean'): string[] {
  return PROFILES.filter((p) => kind === 'clean' || p.kinds.includes(kind)).map((p) => p.name);
}
