// Asset records: what a request may send (validated with zod at the HTTP boundary), what a version of a
// host's record holds, and the pure decisions of an upsert: which records make a new version.
import { z } from 'zod';
import { ASSET_FIELDS, ASSET_FIELD_NAMES, type AssetField } from './assets-schema.ts';
import { parseBitRate, parseByteSize, parseCount } from './assets-units.ts';
import { parseTime } from './time-params.ts';

/** `replace`: a record is the host's whole record. `merge`: it changes only the fields it gives. */
export const ASSET_MODES = ['replace', 'merge'] as const;
export type AssetMode = (typeof ASSET_MODES)[number];

/**
 * One validated record of a request. A field left out is "not given" (merge keeps the old value);
 * `null` (also an empty string) is "no value" (merge removes the old value).
 */
export interface AssetInput {
  readonly host: string;
  /** When the record took effect, ms since the epoch; undefined: the request's time. */
  readonly validFrom: number | undefined;
  readonly fields: Readonly<Partial<Record<AssetField, string | number | null>>>;
  readonly attrs: Readonly<Record<string, string | null>>;
}

/** What a version of a host's record says: only the fields that have a value. */
export interface AssetContent {
  readonly fields: Readonly<Partial<Record<AssetField, string | number>>>;
  readonly attrs: Readonly<Record<string, string>>;
}

/** One row of `asset_history`: the host's record from `validFrom` until its next version. */
export interface AssetVersion {
  readonly host: string;
  readonly validFrom: number;
  /** The host was retired at `validFrom`; `content` is empty. */
  readonly deleted: boolean;
  readonly content: AssetContent;
  /** Who wrote it: `api`, `csv`, `netbox`… */
  readonly source: string;
  readonly recordedAt: number;
}

/** A problem with one record of a request: `index` in the request, `field` when known. */
export interface RecordError {
  readonly index: number;
  readonly host?: string;
  readonly field?: string;
  readonly message: string;
}

/** A field whose value differs between two versions; attributes are named `attr.<key>`. */
export interface AssetChange {
  readonly field: string;
  readonly from: string | number | null;
  readonly to: string | number | null;
}

export const EMPTY_CONTENT: AssetContent = Object.freeze({ fields: Object.freeze({}), attrs: Object.freeze({}) });

/** Keys fleetscope sets itself: a record that carries one is refused rather than silently trimmed. */
const KEYS_SET_BY_FLEETSCOPE = ['valid_to', 'recorded_at', 'deleted', 'source', 'changes'];
const MAX_TEXT = 1024;
const MAX_ATTR_KEY = 256;
const MAX_ATTR_VALUE = 8192;
const MAX_ATTRS = 1000;
/** Earliest `valid_from`: older times are nearly always seconds sent where milliseconds are expected. */
const EARLIEST_VALID_FROM = Date.UTC(2000, 0, 1);
const MAX_AHEAD_MS = 366 * 86_400_000;

type NumberField = { [K in AssetField]: (typeof ASSET_FIELDS)[K]['type'] extends 'number' ? K : never }[AssetField];

const QUANTITIES: Record<NumberField, { parse: (v: number | string) => number | undefined; hint: string }> = {
  cpu_cores: { parse: parseCount, hint: 'a whole number such as 32' },
  memory_bytes: { parse: (v) => parseByteSize(v, 'binary'), hint: 'bytes, or a size such as 64GiB, 64GB or 512M (powers of 1024 for memory)' },
  disk_capacity_bytes: { parse: (v) => parseByteSize(v, 'decimal'), hint: 'bytes, or a size such as 1.92TB or 960GiB (K/M/G/T without i are powers of 1000 for disks)' },
  nic_speed_bps: { parse: parseBitRate, hint: 'bits per second, or a speed such as 10G, 25Gbps or 100Gb/s' },
};

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`;
}

/**
 * Reads an effective time: epoch milliseconds (number or digits), ISO 8601 (UTC when no zone is
 * given), `now` or relative (`-1d`). Returns the time, or a message saying why it cannot be used.
 */
export function readValidFrom(input: unknown, now: number): { ms: number } | { error: string } {
  const ms = typeof input === 'number' ? (Number.isFinite(input) ? Math.round(input) : undefined) : typeof input === 'string' ? parseTime(input, now) : undefined;
  if (ms === undefined) return { error: `cannot read valid_from ${describe(input)}: use epoch milliseconds or ISO 8601 such as 2026-11-21T10:00:00Z` };
  if (ms < EARLIEST_VALID_FROM) return { error: `cannot use valid_from ${JSON.stringify(input)}: before 2000-01-01 (epoch milliseconds are expected, not seconds)` };
  if (ms > now + MAX_AHEAD_MS) return { error: `cannot use valid_from ${JSON.stringify(input)}: more than a year ahead` };
  return { ms };
}

/**
 * Reads one value of a well-known field as text from a query string or a file: numbers with units
 * for the number fields, trimmed text for the others; empty text is `null` (no value).
 */
export function readFieldValue(field: AssetField, text: string): { value: string | number | null } | { error: string } {
  const t = text.trim();
  if (t === '') return { value: null };
  if (ASSET_FIELDS[field].type === 'string') return { value: t };
  const { parse, hint } = QUANTITIES[field as NumberField];
  const n = parse(t);
  return n === undefined ? { error: `cannot read ${field} ${JSON.stringify(text)}: use ${hint}` } : { value: n };
}

function fail(ctx: z.RefinementCtx, input: unknown, message: string): never {
  ctx.addIssue({ code: 'custom', message, input });
  return z.NEVER;
}

/** Text, a number or a boolean; `what` names the field, or is `attribute` to name it by its key. */
const scalar = (what: string) =>
  z.union([z.string(), z.number(), z.boolean(), z.null()], {
    error: (iss) => {
      const name = what === 'attribute' ? `attribute ${String(iss.path?.at(-1) ?? '')}` : what;
      return `cannot read ${name}: expected text or a number, got ${describe(iss.input)} (nested objects and lists are not accepted; flatten them or send text)`;
    },
  });

function textSchema(what: string, max: number) {
  return scalar(what).transform((v, ctx) => {
    if (v === null) return null;
    const t = String(v).trim();
    if (t.length > max) return fail(ctx, v, `cannot read ${what}: longer than ${max} characters`);
    return t === '' ? null : t;
  });
}

function quantitySchema(field: NumberField) {
  const { parse, hint } = QUANTITIES[field];
  return z.union([z.number(), z.string(), z.null()], { error: (iss) => `cannot read ${field}: expected ${hint}, got ${describe(iss.input)}` }).transform((v, ctx) => {
    if (v === null || (typeof v === 'string' && v.trim() === '')) return null;
    const n = parse(v);
    return n === undefined ? fail(ctx, v, `cannot read ${field} ${JSON.stringify(v)}: use ${hint}`) : n;
  });
}

function recordSchema(now: number) {
  const shape: Record<string, z.ZodType> = {
    host: z
      .string({ error: (iss) => (iss.input === undefined ? 'cannot read the record: host is required' : `cannot read host: expected text, got ${describe(iss.input)}`) })
      .trim()
      .min(1, 'cannot read the record: host is empty')
      .max(255, 'cannot read host: longer than 255 characters')
      .regex(/^[^\x00-\x1f\x7f]*$/, 'cannot read host: it contains control characters'),
    valid_from: z
      .unknown()
      .transform((v, ctx) => {
        if (v === undefined || v === null || v === '') return undefined;
        const t = readValidFrom(v, now);
        return 'ms' in t ? t.ms : fail(ctx, v, t.error);
      })
      .optional(),
    attrs: z.record(z.string(), textSchema('attribute', MAX_ATTR_VALUE), { error: (iss) => `cannot read attrs: expected an object of key → text, got ${describe(iss.input)}` }).optional(),
  };
  for (const f of ASSET_FIELD_NAMES) shape[f] = (ASSET_FIELDS[f].type === 'number' ? quantitySchema(f as NumberField) : textSchema(f, MAX_TEXT)).optional();
  for (const k of KEYS_SET_BY_FLEETSCOPE) {
    shape[k] = z.unknown().superRefine((v, ctx) => {
      if (v !== undefined) ctx.addIssue({ code: 'custom', message: `cannot write ${k}: fleetscope sets it; leave it out` });
    }).optional();
  }
  return z.object(shape, { error: (iss) => `cannot read the record: expected an object with a host, got ${describe(iss.input)}` }).catchall(textSchema('attribute', MAX_ATTR_VALUE));
}

function attrKeyProblem(key: string): string | undefined {
  if (key === '' || key.length > MAX_ATTR_KEY || /[\x00-\x1f\x7f]/.test(key)) return `cannot store attribute ${JSON.stringify(key)}: keys are 1 to ${MAX_ATTR_KEY} characters without control characters`;
  if (key === 'host' || key === 'attrs' || key in ASSET_FIELDS) return `cannot store attribute ${key}: it is a well-known field; send it as ${key}, not as an attribute`;
  return undefined;
}

/** Turns a zod-checked record into an {@link AssetInput}, or the problems that refuse it. */
function toInput(data: Record<string, unknown>, index: number): { input: AssetInput } | { errors: RecordError[] } {
  const host = data.host as string;
  const fields: Partial<Record<AssetField, string | number | null>> = {};
  const attrs: Record<string, string | null> = {};
  const errors: RecordError[] = [];
  const addAttr = (key: string, value: string | null, field: string) => {
    const problem = attrKeyProblem(key);
    if (problem) errors.push({ index, host, field, message: problem });
    else if (key in attrs && attrs[key] !== value) errors.push({ index, host, field, message: `cannot store attribute ${key}: given twice with different values` });
    else attrs[key] = value;
  };
  for (const [k, v] of Object.entries(data)) {
    if (v === undefined || k === 'host' || k === 'valid_from' || k === 'attrs' || KEYS_SET_BY_FLEETSCOPE.includes(k)) continue;
    if (k in ASSET_FIELDS) fields[k as AssetField] = v as string | number | null;
    else addAttr(k.startsWith('attr.') ? k.slice(5) : k, v as string | null, k);
  }
  for (const [k, v] of Object.entries((data.attrs ?? {}) as Record<string, string | null>)) addAttr(k, v, `attrs.${k}`);
  if (Object.keys(attrs).length > MAX_ATTRS) errors.push({ index, host, field: 'attrs', message: `cannot store more than ${MAX_ATTRS} attributes per host` });
  if (errors.length > 0) return { errors };
  return { input: { host, validFrom: data.valid_from as number | undefined, fields, attrs } };
}

/** Records of a request, validated: the usable ones with their index, and the problems of the rest. */
export interface ValidatedRecords {
  readonly valid: ReadonlyArray<{ readonly index: number; readonly input: AssetInput }>;
  /** Every problem found; a record can have several. */
  readonly errors: readonly RecordError[];
  /** Records refused (each counted once). */
  readonly rejected: number;
}

/**
 * Validates the records of a request one by one: a bad record is refused with its index, host and
 * field, and never keeps the others out. `now` resolves relative times and bounds `valid_from`.
 */
export function validateAssetRecords(raws: readonly unknown[], now: number): ValidatedRecords {
  const schema = recordSchema(now);
  const valid: Array<{ index: number; input: AssetInput }> = [];
  const errors: RecordError[] = [];
  let rejected = 0;
  raws.forEach((raw, index) => {
    const r = schema.safeParse(raw);
    const out = r.success ? toInput(r.data as Record<string, unknown>, index) : undefined;
    if (out && 'input' in out) {
      valid.push({ index, input: out.input });
      return;
    }
    rejected++;
    if (out) {
      errors.push(...out.errors);
      return;
    }
    const rawHost = raw && typeof raw === 'object' ? (raw as Record<string, unknown>).host : undefined;
    for (const issue of r.error!.issues) {
      const field = issue.path.length > 0 ? issue.path.join('.') : undefined;
      errors.push({ index, ...(typeof rawHost === 'string' ? { host: rawHost.trim() } : {}), ...(field ? { field } : {}), message: issue.message });
    }
  });
  return { valid, errors, rejected };
}
