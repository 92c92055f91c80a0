import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** Raised when the configuration file or an environment variable is unusable. Start-up stops. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Environment variable name of a setting path: `FLEETSCOPE_` and the path's segments in upper snake
 * case (`storage.retention.samplesDays` → `FLEETSCOPE_STORAGE_RETENTION_SAMPLES_DAYS`).
 */
export function envName(path: readonly string[]): string {
  return 'FLEETSCOPE_' + path.map((p) => p.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('_');
}

/** Every leaf setting of an object schema, with its path, its description and its default. */
export interface SettingDoc {
  readonly path: readonly string[];
  readonly env: string;
  readonly description: string;
  readonly defaultValue: unknown;
  readonly type: string;
}

/** Lists the leaf settings of a zod object schema (for docs and the environment mapping). */
export function listSettings(schema: z.ZodType, path: string[] = []): SettingDoc[] {
  const inner = unwrap(schema);
  if (inner instanceof z.ZodObject) {
    return Object.entries(inner.shape as Record<string, z.ZodType>).flatMap(([k, v]) => listSettings(v, [...path, k]));
  }
  return [
    {
      path,
      env: envName(path),
      description: schema.description ?? inner.description ?? '',
      defaultValue: defaultOf(schema),
      type: typeName(inner),
    },
  ];
}

function unwrap(schema: z.ZodType): z.ZodType {
  let s: z.ZodType = schema;
  for (;;) {
    if (s instanceof z.ZodDefault || s instanceof z.ZodPrefault || s instanceof z.ZodOptional || s instanceof z.ZodNullable) s = s.unwrap() as z.ZodType;
    else return s;
  }
}

function defaultOf(schema: z.ZodType): unknown {
  const r = schema.safeParse(undefined);
  return r.success ? r.data : undefined;
}

function typeName(s: z.ZodType): string {
  if (s instanceof z.ZodNumber) return 'number';
  if (s instanceof z.ZodBoolean) return 'boolean';
  if (s instanceof z.ZodString) return 'string';
  if (s instanceof z.ZodEnum) return (s.options as string[]).map((o) => JSON.stringify(o)).join(' | ');
  if (s instanceof z.ZodArray) return 'JSON array';
  if (s instanceof z.ZodRecord) return 'JSON object';
  return 'value';
}

/** Turns an environment string into the JSON value the setting's schema expects. */
function fromEnv(doc: SettingDoc, text: string): unknown {
  if (doc.type === 'number') {
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n)) throw new ConfigError(`cannot read ${doc.env}: "${text}" is not a number`);
    return n;
  }
  if (doc.type === 'boolean') {
    if (/^(1|true|yes|on)$/i.test(text)) return true;
    if (/^(0|false|no|off)$/i.test(text)) return false;
    throw new ConfigError(`cannot read ${doc.env}: "${text}" is not a boolean (true or false)`);
  }
  if (doc.type.startsWith('JSON')) {
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new ConfigError(`cannot read ${doc.env}: not valid JSON (${(err as Error).message})`);
    }
  }
  if (text === '' && doc.defaultValue === null) return null;
  return text;
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]] = value;
}

/** Freezes an object graph in place. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * Reads the configuration once: the JSON file (if any), then environment variables on top, validated
 * by `schema` and frozen. `aliases` maps extra variable names (such as `CLICKHOUSE_URL`) to paths;
 * the `FLEETSCOPE_…` name wins when both are set.
 */
export function loadConfig<S extends z.ZodType>(
  schema: S,
  opts: { file?: string; env: NodeJS.ProcessEnv; aliases?: Record<string, readonly string[]> },
): z.output<S> {
  let input: Record<string, unknown> = {};
  if (opts.file) {
    let text: string;
    try {
      text = readFileSync(opts.file, 'utf8');
    } catch (err) {
      throw new ConfigError(`cannot read configuration file ${opts.file}: ${(err as Error).message}`);
    }
    try {
      input = JSON.parse(text) as Record<string, unknown>;
    } catch (err) {
      throw new ConfigError(`cannot parse configuration file ${opts.file}: ${(err as Error).message}`);
    }
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      throw new ConfigError(`cannot use configuration file ${opts.file}: the top level must be a JSON object`);
    }
  }
  const docs = listSettings(schema);
  for (const [alias, path] of Object.entries(opts.aliases ?? {})) {
    const doc = docs.find((d) => d.path.join('.') === path.join('.'));
    const text = opts.env[alias];
    if (doc && text !== undefined && opts.env[doc.env] === undefined) setPath(input, path, fromEnv(doc, text));
  }
  for (const doc of docs) {
    const text = opts.env[doc.env];
    if (text !== undefined) setPath(input, doc.path, fromEnv(doc, text));
  }
  const result = schema.safeParse(input);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const path = issue.path.map(String);
      return `  ${path.join('.') || '(top level)'} (${envName(path)}): ${issue.message}`;
    });
    throw new ConfigError(`invalid configuration${opts.file ? ` in ${opts.file} or the environment` : ''}:\n${lines.join('\n')}`);
  }
  return deepFreeze(result.data);
}
