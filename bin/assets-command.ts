import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { ConfigError } from '../lib/config-loader.ts';
import { ASSET_FILE_FORMATS, AssetImportError, detectAssetFormat, parseAssetFile, type AssetFileFormat, type ImportProblem } from '../query/assets-import.ts';
import { parseTime } from '../query/time-params.ts';
import { readConfig } from './config.ts';

/** Records per PUT: well under the server's 50,000 and its body limit. */
const CHUNK = 5000;
const SHOWN_PROBLEMS = 20;

/** Exit codes of `fleetscope assets import`. */
export const IMPORT_EXIT = { ok: 0, rejected: 1, badInput: 2, server: 3 } as const;

/** Options of {@link importAssetFile}, resolved from the command line. */
export interface ImportOptions {
  readonly file: string;
  readonly format?: AssetFileFormat;
  readonly url: string;
  readonly mode?: 'replace' | 'merge';
  /** Effective time of records without their own, ms; undefined: the server's time of each request. */
  readonly validFrom?: number;
  /** Summary and problems. */
  readonly out: (line: string) => void;
  /** Why the import could not run. */
  readonly err: (line: string) => void;
}

interface PutAnswer {
  received: number;
  changed: number;
  unchanged: number;
  rejected: number;
  errors: Array<{ index: number; host?: string; field?: string; message: string }>;
  error?: { code: string; message: string };
}

class ServerError extends Error {}

async function put(url: string, body: unknown): Promise<PutAnswer> {
  let res: Response;
  try {
    res = await fetch(`${url}/api/v1/assets`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new ServerError(`cannot reach fleetscope at ${url}: ${cause?.code ?? cause?.message ?? (err as Error).message} (is \`fleetscope serve\` running? give --url or FLEETSCOPE_URL)`);
  }
  const text = await res.text();
  let answer: PutAnswer;
  try {
    answer = JSON.parse(text) as PutAnswer;
  } catch {
    throw new ServerError(`cannot use the answer of ${url} (HTTP ${res.status}): ${text.slice(0, 200)}`);
  }
  // A 400 with counts means every record of that request was refused; the records say why.
  if (res.ok || (res.status === 400 && typeof answer.received === 'number')) return answer;
  throw new ServerError(`fleetscope at ${url} refused the records (HTTP ${res.status} ${answer.error?.code ?? ''}): ${answer.error?.message ?? text.slice(0, 200)}`);
}

/**
 * Reads an asset file, sends its records to a running fleetscope in chunks, and prints a summary and
 * the first problems. Resolves with the exit code ({@link IMPORT_EXIT}).
 */
export async function importAssetFile(opts: ImportOptions): Promise<number> {
  let text: string;
  try {
    text = readFileSync(opts.file, 'utf8');
  } catch (err) {
    opts.err(`fleetscope: cannot read ${opts.file}: ${(err as Error).message}`);
    return IMPORT_EXIT.badInput;
  }
  const format = opts.format ?? detectAssetFormat(opts.file, text);
  let parsed;
  try {
    parsed = parseAssetFile(text, format);
  } catch (err) {
    if (!(err instanceof AssetImportError)) throw err;
    opts.err(`fleetscope: cannot import ${opts.file} as ${format}: ${err.message}${err.line === undefined ? '' : ` (line ${err.line})`}`);
    return IMPORT_EXIT.badInput;
  }
  // NetBox data is partial (no kernel, no sizes): merge keeps what other sources said.
  const mode = opts.mode ?? (format === 'netbox' ? 'merge' : 'replace');
  const source = format;
  const problems: ImportProblem[] = [...parsed.problems];
  const totals = { received: parsed.problems.length, changed: 0, unchanged: 0, rejected: parsed.problems.length };
  try {
    for (let i = 0; i < parsed.records.length; i += CHUNK) {
      const chunk = parsed.records.slice(i, i + CHUNK);
      const answer = await put(opts.url, { assets: chunk.map((r) => r.record), mode, source, ...(opts.validFrom === undefined ? {} : { valid_from: opts.validFrom }) });
      totals.received += answer.received;
      totals.changed += answer.changed;
      totals.unchanged += answer.unchanged;
      totals.rejected += answer.rejected;
      for (const e of answer.errors) problems.push({ origin: chunk[e.index]?.origin ?? `record ${i + e.index}`, ...(e.host ? { host: e.host } : {}), message: e.message });
    }
  } catch (err) {
    if (!(err instanceof ServerError)) throw err;
    opts.err(`fleetscope: ${err.message}`);
    if (totals.changed + totals.unchanged > 0) opts.err(`before that: changed ${totals.changed}, unchanged ${totals.unchanged}; sending the file again is safe`);
    return IMPORT_EXIT.server;
  }
  opts.out(`imported ${opts.file} (${format}, mode ${mode}) into ${opts.url}`);
  opts.out(`received ${totals.received}, changed ${totals.changed}, unchanged ${totals.unchanged}, rejected ${totals.rejected}`);
  // File order: every origin names one position (line 7, results[3], index 2).
  const position = (p: ImportProblem) => Number(/\d+/.exec(p.origin)?.[0] ?? 0);
  problems.sort((a, b) => position(a) - position(b));
  for (const p of problems.slice(0, SHOWN_PROBLEMS)) opts.out(`  ${p.origin}${p.host ? ` (host ${p.host})` : ''}: ${p.message}`);
  if (problems.length > SHOWN_PROBLEMS) opts.out(`  … and ${problems.length - SHOWN_PROBLEMS} more problems`);
  return totals.rejected > 0 ? IMPORT_EXIT.rejected : IMPORT_EXIT.ok;
}

/** The server's base URL: FLEETSCOPE_URL, else the configured listen address. */
export function defaultUrl(configFile: string | undefined, env: NodeJS.ProcessEnv): string {
  if (env.FLEETSCOPE_URL) return env.FLEETSCOPE_URL.replace(/\/+$/, '');
  const { host, port } = readConfig(configFile, env).http;
  if (port === 0) throw new ConfigError('cannot tell where fleetscope listens: http.port is 0 (picked at start); give --url or FLEETSCOPE_URL');
  const h = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${h.includes(':') ? `[${h}]` : h}:${port}`;
}

/**
 * `fleetscope assets import FILE`: the `assets` command group. `configFile` gives the global
 * `--config` option, read only when no URL is given.
 */
export function assetsCommand(configFile: () => string | undefined): Command {
  const assets = new Command('assets').description('asset metadata: hardware model, site, role… kept with history (docs/assets.md)');
  assets
    .command('import')
    .description('send the hosts of a CSV file, a NetBox device export or JSON records to a running fleetscope')
    .argument('<file>', 'CSV with a header row, NetBox /api/dcim/devices/ JSON, or JSON records')
    .addOption(new Option('--format <format>', 'file format (default: from the name and content)').choices(ASSET_FILE_FORMATS))
    .option('--url <url>', 'fleetscope to send to (default: FLEETSCOPE_URL, else the configured http.host and http.port)')
    .addOption(new Option('--mode <mode>', 'replace: a record is the whole host record; merge: only its fields change (default: merge for netbox, else replace)').choices(['replace', 'merge']))
    .option('--valid-from <time>', 'when the records took effect, for records without valid_from: epoch ms, ISO 8601 or relative (-1d) (default: now)')
    .action(async (file: string, o: { format?: AssetFileFormat; url?: string; mode?: 'replace' | 'merge'; validFrom?: string }) => {
      const out = (line: string) => process.stdout.write(line + '\n');
      const err = (line: string) => process.stderr.write(line + '\n');
      let url: string;
      let validFrom: number | undefined;
      try {
        url = o.url?.replace(/\/+$/, '') ?? defaultUrl(configFile(), process.env);
        if (o.validFrom !== undefined) {
          validFrom = parseTime(o.validFrom, Date.now());
          if (validFrom === undefined) throw new ConfigError(`cannot read --valid-from "${o.validFrom}": use epoch milliseconds, ISO 8601 or a relative time such as -1d`);
        }
      } catch (e) {
        err(`fleetscope: ${(e as Error).message}`);
        process.exit(IMPORT_EXIT.badInput);
      }
      process.exitCode = await importAssetFile({ file, format: o.format, url, mode: o.mode, validFrom, out, err });
    });
  return assets;
}
