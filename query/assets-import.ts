// Pure parsers from asset files (CSV, NetBox device export, plain JSON) to records as
// `PUT /api/v1/assets` takes them. Values stay as the file has them; the API validates and converts.
import { ASSET_FIELDS, type AssetField } from './assets-schema.ts';

export const ASSET_FILE_FORMATS = ['csv', 'netbox', 'json'] as const;
export type AssetFileFormat = (typeof ASSET_FILE_FORMATS)[number];

/** A record of the file as the API takes it, and where it came from: `line 7`, `results[3]`, `index 2`. */
export interface ImportedRecord {
  readonly record: Record<string, unknown>;
  readonly origin: string;
}

/** An entry of the file that could not become a record; the others are still imported. */
export interface ImportProblem {
  readonly origin: string;
  readonly host?: string;
  readonly message: string;
}

/** What a file holds: its records in file order, and the entries left out with why. */
export interface ImportedAssets {
  readonly format: AssetFileFormat;
  readonly records: ImportedRecord[];
  readonly problems: ImportProblem[];
}

/** The whole file cannot be read (not JSON, no host column…); `line` when known. */
export class AssetImportError extends Error {
  override readonly name = 'AssetImportError';
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(message);
  }
}

/**
 * Picks the format of a file: `.csv`/`.tsv`/`.txt` are CSV; otherwise JSON text that names
 * `device_type` or NetBox's device URLs is a NetBox export, other JSON is plain records, and the rest
 * is CSV.
 */
export function detectAssetFormat(fileName: string, text: string): AssetFileFormat {
  if (/\.(csv|tsv|txt)$/i.test(fileName)) return 'csv';
  const head = text.replace(/^\uFEFF/, '').trimStart();
  if (!head.startsWith('{') && !head.startsWith('[')) return 'csv';
  return /"device_type"\s*:|\/api\/dcim\/devices\//.test(text.slice(0, 200_000)) ? 'netbox' : 'json';
}

/** Parses an asset file of the given format. Throws {@link AssetImportError} when nothing of it is usable. */
export function parseAssetFile(text: string, format: AssetFileFormat): ImportedAssets {
  const body = text.replace(/^\uFEFF/, '');
  switch (format) {
    case 'csv':
      return parseCsv(body);
    case 'netbox':
      return parseNetbox(body);
    case 'json':
      return parseJsonRecords(body);
  }
}

// ---- CSV (RFC 4180) ----

/** Header names (lower case, spaces and dashes as `_`) that mean a well-known key. */
const CSV_ALIASES: Record<string, string> = {
  host: 'host', hostname: 'host', name: 'host', host_name: 'host', device: 'host', fqdn: 'host',
  model: 'hw_model', hw_model: 'hw_model', hardware_model: 'hw_model', device_type: 'hw_model', productname: 'hw_model',
  manufacturer: 'manufacturer', vendor: 'manufacturer',
  site: 'site', pop: 'site', datacenter: 'site', data_center: 'site', dc: 'site',
  rack: 'rack', role: 'role', device_role: 'role',
  os: 'os', platform: 'os', operating_system: 'os',
  kernel: 'kernel', kernel_version: 'kernel', kernelrelease: 'kernel',
  cpu_model: 'cpu_model', cpu: 'cpu_model',
  cpu_cores: 'cpu_cores', cores: 'cpu_cores', cpus: 'cpu_cores', num_cpus: 'cpu_cores', vcpus: 'cpu_cores',
  memory_bytes: 'memory_bytes', memory: 'memory_bytes', mem: 'memory_bytes', ram: 'memory_bytes',
  disk_capacity_bytes: 'disk_capacity_bytes', disk_capacity: 'disk_capacity_bytes', disk: 'disk_capacity_bytes',
  nic_speed_bps: 'nic_speed_bps', nic_speed: 'nic_speed_bps', link_speed: 'nic_speed_bps',
  status: 'status', valid_from: 'valid_from', effective: 'valid_from',
};

interface CsvRow {
  readonly line: number;
  readonly cells: string[];
  readonly problem?: string;
}

function delimiterOf(text: string): string {
  const first = text.slice(0, text.search(/\r?\n|$/));
  if (first.includes(',')) return ',';
  return first.includes('\t') ? '\t' : first.includes(';') ? ';' : ',';
}

/** Splits CSV text into rows of cells, each with the line it starts on; quoted cells may span lines. */
function csvRows(text: string, sep: string): CsvRow[] {
  const rows: CsvRow[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const start = line;
    const cells: string[] = [];
    let problem: string | undefined;
    for (;;) {
      let cell = '';
      if (text[i] === '"') {
        const open = line;
        i++;
        for (;;) {
          if (i >= text.length) throw new AssetImportError(`cannot parse CSV: the quoted cell opened on line ${open} is never closed`, open);
          const c = text[i++];
          if (c === '"' && text[i] === '"') (cell += '"'), i++;
          else if (c === '"') break;
          else {
            if (c === '\n') line++;
            cell += c;
          }
        }
        while (i < text.length && text[i] !== sep && text[i] !== '\n' && text[i] !== '\r') {
          if (!/\s/.test(text[i])) problem ??= `cannot read cell ${cells.length + 1}: text after its closing quote`;
          i++;
        }
      } else {
        while (i < text.length && text[i] !== sep && text[i] !== '\n' && text[i] !== '\r') cell += text[i++];
      }
      cells.push(cell);
      if (text[i] === sep) {
        i++;
        continue;
      }
      if (text[i] === '\r') i++;
      if (text[i] === '\n') i++;
      line++;
      break;
    }
    if (cells.length > 1 || cells[0].trim() !== '') rows.push({ line: start, cells, ...(problem ? { problem } : {}) });
  }
  return rows;
}

/** Maps each header cell to a record key: a well-known field, `host`, `valid_from`, or an attribute. */
function csvKeys(header: CsvRow): Array<string | undefined> {
  const seen = new Map<string, number>();
  const keys = header.cells.map((raw, col) => {
    const name = raw.trim();
    if (name === '') return undefined;
    const norm = name.toLowerCase().replace(/[\s-]+/g, '_');
    const attr = /^(?:attrs?|custom|cf)[._](.+)$/i.exec(name);
    // Other columns become attributes named like identifiers (`Rack Unit` → rack_unit), so queries can say `by rack_unit`.
    const key = attr ? `attr.${attr[1]}` : (CSV_ALIASES[norm] ?? (norm in ASSET_FIELDS ? norm : `attr.${norm}`));
    const before = seen.get(key);
    if (before !== undefined) throw new AssetImportError(`cannot read the CSV header: columns ${before + 1} and ${col + 1} both give ${key}`, header.line);
    seen.set(key, col);
    return key;
  });
  if (!seen.has('host')) throw new AssetImportError('cannot read the CSV header: it has no host column (host, hostname or name)', header.line);
  return keys;
}

function parseCsv(text: string): ImportedAssets {
  const rows = csvRows(text, delimiterOf(text));
  if (rows.length === 0) throw new AssetImportError('cannot import an empty CSV file: it needs a header row');
  const keys = csvKeys(rows[0]);
  const records: ImportedRecord[] = [];
  const problems: ImportProblem[] = [];
  for (const row of rows.slice(1)) {
    const origin = `line ${row.line}`;
    const record: Record<string, unknown> = {};
    let problem = row.problem;
    // Empty cells past the header's last column (trailing delimiters) are harmless; anything else is not.
    const extra = row.cells.slice(keys.length).some((c) => c.trim() !== '');
    if (row.cells.length < keys.length || extra) problem = `cannot read the row: ${row.cells.length} cells, the header has ${keys.length}`;
    row.cells.forEach((cell, col) => {
      const value = cell.trim();
      if (value === '' || col >= keys.length) return;
      const key = keys[col];
      if (key === undefined) problem ??= `cannot read cell ${col + 1}: its column has no name in the header`;
      else record[key] = value;
    });
    const host = typeof record.host === 'string' ? record.host : undefined;
    if (!problem && host === undefined) problem = 'cannot import the row: its host cell is empty';
    if (problem) problems.push({ origin, ...(host ? { host } : {}), message: problem });
    else records.push({ record, origin });
  }
  return { format: 'csv', records, problems };
}

// ---- JSON ----

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new AssetImportError(`cannot parse JSON: ${(err as Error).message}`);
  }
}

function parseJsonRecords(text: string): ImportedAssets {
  const doc = parseJson(text);
  const list = Array.isArray(doc) ? doc : doc && typeof doc === 'object' && Array.isArray((doc as { assets?: unknown }).assets) ? (doc as { assets: unknown[] }).assets : undefined;
  if (!list) throw new AssetImportError('cannot import JSON: expected an array of records or {"assets": [...]}');
  const records: ImportedRecord[] = [];
  const problems: ImportProblem[] = [];
  list.forEach((r, i) => {
    if (r && typeof r === 'object' && !Array.isArray(r)) records.push({ record: r as Record<string, unknown>, origin: `index ${i}` });
    else problems.push({ origin: `index ${i}`, message: 'cannot import the entry: it is not an object' });
  });
  return { format: 'json', records, problems };
}

// ---- NetBox device export ----

type Obj = Record<string, unknown>;

function obj(v: unknown): Obj | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;
}

/** A NetBox value as text: nested objects by their name (or display, label, value, slug), lists joined. */
function netboxText(v: unknown): string | null {
  if (v === null || v === undefined || v === '') return null;
  if (Array.isArray(v)) {
    const parts = v.map(netboxText).filter((p): p is string => p !== null);
    return parts.length > 0 ? parts.join(',') : null;
  }
  const o = obj(v);
  if (!o) return String(v);
  for (const k of ['name', 'display', 'label', 'value', 'slug']) if (typeof o[k] === 'string' || typeof o[k] === 'number') return String(o[k]);
  return JSON.stringify(o);
}

/**
 * Sets `key` from a device's nested object when the device has the object at all: a partial export
 * leaves the key out (merge keeps the old value), a null object says "no value".
 */
function fromNested(record: Obj, key: string, device: Obj, path: string[], fallback?: string[]): void {
  if (!(path[0] in device)) return;
  let v: unknown = device;
  for (const p of path) v = obj(v)?.[p];
  if ((v === undefined || v === null || v === '') && fallback) {
    v = device;
    for (const p of fallback) v = obj(v)?.[p];
  }
  record[key] = typeof v === 'string' || typeof v === 'number' ? String(v) : null;
}

function deviceRecord(d: Obj): Obj {
  const r: Obj = { host: (d.name as string).trim() };
  fromNested(r, 'hw_model', d, ['device_type', 'model']);
  fromNested(r, 'manufacturer', d, ['device_type', 'manufacturer', 'name']);
  fromNested(r, 'site', d, ['site', 'name'], ['site', 'slug']);
  fromNested(r, 'rack', d, ['rack', 'name']);
  if ('role' in d) fromNested(r, 'role', d, ['role', 'name']);
  else fromNested(r, 'role', d, ['device_role', 'name']);
  fromNested(r, 'os', d, ['platform', 'name'], ['platform', 'slug']);
  if ('status' in d) r.status = typeof d.status === 'string' ? d.status : (obj(d.status)?.value ?? null);
  if ('id' in d) r['attr.netbox_id'] = netboxText(d.id);
  if ('serial' in d) r['attr.serial'] = netboxText(d.serial);
  if ('asset_tag' in d) r['attr.asset_tag'] = netboxText(d.asset_tag);
  if ('tenant' in d) r['attr.tenant'] = netboxText(d.tenant);
  if ('location' in d) r['attr.location'] = netboxText(d.location);
  if ('primary_ip' in d) r['attr.primary_ip'] = netboxText(obj(d.primary_ip)?.address ?? null);
  if ('tags' in d) r['attr.tags'] = Array.isArray(d.tags) ? netboxText(d.tags.map((t) => obj(t)?.slug ?? obj(t)?.name ?? t).sort()) : null;
  for (const [k, v] of Object.entries(obj(d.custom_fields) ?? {})) {
    // A custom field named like a well-known field (kernel, cpu_cores…) fills it unless NetBox's own field did.
    if (k in ASSET_FIELDS && !(r[k as AssetField] !== undefined && r[k as AssetField] !== null)) r[k] = netboxText(v);
    else if (!(k in ASSET_FIELDS) && k !== 'host' && !(`attr.${k}` in r)) r[`attr.${k}`] = netboxText(v);
  }
  return r;
}

function parseNetbox(text: string): ImportedAssets {
  const doc = parseJson(text);
  const page = obj(doc);
  const devices = Array.isArray(doc) ? doc : Array.isArray(page?.results) ? (page.results as unknown[]) : undefined;
  if (!devices) throw new AssetImportError('cannot import a NetBox export: expected a page of /api/dcim/devices/ ({"count", "next", "results": [...]}) or an array of devices');
  const records: ImportedRecord[] = [];
  const problems: ImportProblem[] = [];
  devices.forEach((raw, i) => {
    const origin = `results[${i}]`;
    const d = obj(raw);
    if (!d) return problems.push({ origin, message: 'cannot import the entry: it is not a device object' });
    if (typeof d.name !== 'string' || d.name.trim() === '') {
      const who = [d.id !== undefined ? `id ${d.id}` : '', typeof d.serial === 'string' && d.serial ? `serial ${d.serial}` : '', typeof d.display === 'string' ? `"${d.display}"` : '']
        .filter(Boolean)
        .join(', ');
      return problems.push({ origin, message: `cannot import device${who ? ` (${who})` : ''}: it has no name; name it in NetBox to track it here` });
    }
    records.push({ record: deviceRecord(d), origin });
  });
  return { format: 'netbox', records, problems };
}
