// The pure decisions behind asset history: which record makes a new version, what a retirement
// writes, and how versions read as a timeline (valid_to, what changed).
import { ASSET_FIELD_NAMES } from './assets-schema.ts';
import { EMPTY_CONTENT, type AssetChange, type AssetContent, type AssetInput, type AssetMode, type AssetVersion } from './assets.ts';

/**
 * The version in effect at `t`: the last one with `validFrom ≤ t` (possibly a retirement), or
 * undefined before the first. `history` is sorted by `validFrom`.
 */
export function versionAt(history: readonly AssetVersion[], t: number): AssetVersion | undefined {
  for (let i = history.length - 1; i >= 0; i--) if (history[i].validFrom <= t) return history[i];
  return undefined;
}

/** The record a host has after `input`: `replace` starts from nothing, `merge` from `base`. */
export function applyInput(base: AssetContent, input: AssetInput, mode: AssetMode): AssetContent {
  const fields: Record<string, string | number> = mode === 'merge' ? { ...base.fields } : {};
  const attrs: Record<string, string> = mode === 'merge' ? { ...base.attrs } : {};
  for (const [k, v] of Object.entries(input.fields)) {
    if (v === null || v === undefined) delete fields[k];
    else fields[k] = v;
  }
  for (const [k, v] of Object.entries(input.attrs)) {
    if (v === null) delete attrs[k];
    else attrs[k] = v;
  }
  return { fields, attrs };
}

/** The fields that differ from `a` to `b`, well-known fields first (column order), then attributes by key. */
export function diffContent(a: AssetContent, b: AssetContent): AssetChange[] {
  const out: AssetChange[] = [];
  for (const f of ASSET_FIELD_NAMES) {
    const from = a.fields[f] ?? null;
    const to = b.fields[f] ?? null;
    if (from !== to) out.push({ field: f, from, to });
  }
  const keys = [...new Set([...Object.keys(a.attrs), ...Object.keys(b.attrs)])].sort();
  for (const k of keys) {
    const from = a.attrs[k] ?? null;
    const to = b.attrs[k] ?? null;
    if (from !== to) out.push({ field: `attr.${k}`, from, to });
  }
  return out;
}

/** Options of {@link planUpsert}. */
export interface UpsertOptions {
  readonly mode: AssetMode;
  readonly source: string;
  /** Effective time of records without their own `validFrom`. */
  readonly validFrom: number;
  readonly recordedAt: number;
}

/** What an upsert writes: the new versions (one per host and time), and which records changed. */
export interface UpsertPlan {
  readonly rows: AssetVersion[];
  /** Indexes (as given) of the records that made or replaced a version. */
  readonly changed: number[];
  /** Indexes of the records equal to the version in effect at their time. */
  readonly unchanged: number[];
}

/** Puts `v` into a sorted history, replacing a version with the same `validFrom` (as storage does). */
function put(history: AssetVersion[], v: AssetVersion): void {
  let i = history.length;
  while (i > 0 && history[i - 1].validFrom > v.validFrom) i--;
  if (i > 0 && history[i - 1].validFrom === v.validFrom) history[i - 1] = v;
  else history.splice(i, 0, v);
}

/**
 * Decides, record by record and in order, which records make a new version: each is compared with
 * the host's version in effect at its time (a retired host has none), and makes a version only when
 * the result differs. Later records of the same request see the versions of earlier ones. A version
 * is a full snapshot: a record dated in the past fills the span up to the host's next version and
 * does not change later versions. `histories` (sorted by `validFrom`) is not modified.
 */
export function planUpsert(
  histories: ReadonlyMap<string, readonly AssetVersion[]>,
  records: ReadonlyArray<{ readonly index: number; readonly input: AssetInput }>,
  opts: UpsertOptions,
): UpsertPlan {
  const local = new Map<string, AssetVersion[]>();
  const rows = new Map<string, AssetVersion>();
  const changed: number[] = [];
  const unchanged: number[] = [];
  for (const { index, input } of records) {
    let history = local.get(input.host);
    if (!history) local.set(input.host, (history = [...(histories.get(input.host) ?? [])]));
    const validFrom = input.validFrom ?? opts.validFrom;
    const prev = versionAt(history, validFrom);
    const live = prev && !prev.deleted ? prev : undefined;
    const content = applyInput(live?.content ?? EMPTY_CONTENT, input, opts.mode);
    if (live && diffContent(live.content, content).length === 0) {
      unchanged.push(index);
      continue;
    }
    const version: AssetVersion = { host: input.host, validFrom, deleted: false, content, source: opts.source, recordedAt: opts.recordedAt };
    put(history, version);
    rows.set(`${input.host}\u0000${validFrom}`, version);
    changed.push(index);
  }
  return { rows: [...rows.values()], changed, unchanged };
}

/**
 * The version that retires `host` at `at`, or undefined when the host has no record in effect then
 * (never known, or already retired).
 */
export function planRetire(history: readonly AssetVersion[], host: string, at: number, source: string, recordedAt: number): AssetVersion | undefined {
  const prev = versionAt(history, at);
  if (!prev || prev.deleted) return undefined;
  return { host, validFrom: at, deleted: true, content: EMPTY_CONTENT, source, recordedAt };
}

/** One version as a timeline entry: until when it held, and what it changed from the one before. */
export interface TimelineEntry {
  readonly version: AssetVersion;
  /** `validFrom` of the next version, or null while it is the newest. */
  readonly validTo: number | null;
  readonly changes: AssetChange[];
}

/** Reads a sorted history as a timeline: the first version's changes list every field it sets. */
export function timeline(history: readonly AssetVersion[]): TimelineEntry[] {
  return history.map((version, i) => ({
    version,
    validTo: i + 1 < history.length ? history[i + 1].validFrom : null,
    changes: diffContent(i > 0 ? history[i - 1].content : EMPTY_CONTENT, version.content),
  }));
}
