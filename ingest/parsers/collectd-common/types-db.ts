import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { MetricKind } from '../../../lib/record.ts';

/** One data source of a collectd type, as declared in types.db. */
export interface DataSource {
  readonly name: string;
  readonly kind: MetricKind;
  readonly min: number;
  readonly max: number;
}

/** Type name → its data sources in order. Read-only after construction. */
export type TypesDb = ReadonlyMap<string, readonly DataSource[]>;

const KINDS: Record<string, MetricKind> = {
  GAUGE: 'gauge',
  COUNTER: 'counter',
  DERIVE: 'derive',
  ABSOLUTE: 'absolute',
};

/**
 * Parses types.db text (collectd's format: `name ds:KIND:min:max[, ds:…]`, `#` comments). Lines that
 * do not follow the format are reported through `onBadLine` and skipped.
 */
export function parseTypesDb(text: string, onBadLine?: (line: number, why: string) => void): Map<string, DataSource[]> {
  const out = new Map<string, DataSource[]>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/#.*/, '').trim();
    if (line === '') continue;
    const m = /^(\S+)\s+(.+)$/.exec(line);
    if (!m) {
      onBadLine?.(i + 1, 'no data sources');
      continue;
    }
    const sources: DataSource[] = [];
    let bad = '';
    for (const spec of m[2].split(/[,\s]+/).filter(Boolean)) {
      const parts = spec.split(':');
      const kind = KINDS[(parts[1] ?? '').toUpperCase()];
      if (parts.length !== 4 || !kind) {
        bad = `bad data source "${spec}"`;
        break;
      }
      sources.push({ name: parts[0], kind, min: bound(parts[2], -Infinity), max: bound(parts[3], Infinity) });
    }
    if (bad) onBadLine?.(i + 1, bad);
    else out.set(m[1], sources);
  }
  return out;
}

function bound(text: string, unknown: number): number {
  if (text === 'U') return unknown;
  const n = Number(text);
  return Number.isFinite(n) ? n : unknown;
}

let builtin: Map<string, DataSource[]> | undefined;

/** The types.db of collectd 5.12 shipped with fleetscope (identical to Debian's). */
export function builtinTypesDb(): TypesDb {
  builtin ??= parseTypesDb(readFileSync(fileURLToPath(new URL('./types.db', import.meta.url)), 'utf8'));
  return builtin;
}

/**
 * The built-in types plus those of extra files (later files override earlier definitions, as in
 * collectd when several TypesDB lines are given).
 */
export function loadTypesDb(files: readonly string[]): TypesDb {
  const merged = new Map(builtinTypesDb());
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const [name, ds] of parseTypesDb(text, (line, why) => {
      throw new Error(`cannot read types.db ${file}:${line}: ${why}`);
    })) {
      merged.set(name, ds);
    }
  }
  return merged;
}
