// `fleetscope capacity-report`: fetches the capacity snapshot of a running fleetscope and writes the report files.
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { renderReport } from '../analysis/capacity/report.ts';
import type { CapacitySnapshot } from '../analysis/capacity/snapshot.ts';
import { defaultUrl } from './assets-command.ts';

/** Exit codes of `fleetscope capacity-report`, documented in docs/capacity.md. */
export const CAPACITY_REPORT_EXIT = {
  ok: 0,
  /** The server answered with an error other than 404, or a body that is not a snapshot. */
  serverError: 1,
  /** A bad option or configuration. */
  badInput: 2,
  /** The server could not be reached. */
  unreachable: 3,
  /** 404: no capacity snapshot has been computed yet. */
  notComputed: 4,
  /** The output directory or a file in it could not be written. */
  cannotWrite: 5,
} as const;

export interface CapacityReportOptions {
  readonly url: string;
  readonly outDir: string;
  readonly site?: string;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

function isSnapshot(b: unknown): b is CapacitySnapshot {
  const s = b as Partial<CapacitySnapshot> | null;
  return typeof s === 'object' && s !== null && typeof s.generatedAt === 'number' && [s.exhaustion, s.headroom, s.throughput, s.forecasts].every(Array.isArray);
}

/** Fetches `GET /api/v1/capacity`, renders the report and writes it into `outDir`; returns the exit code. */
export async function runCapacityReport(o: CapacityReportOptions): Promise<number> {
  const url = new URL('/api/v1/capacity', o.url);
  let res: Response;
  try {
    res = await fetch(url, { headers: { accept: 'application/json' } });
  } catch (e) {
    o.err(`fleetscope: cannot reach fleetscope at ${o.url}: ${(e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : (e as Error).message} (is "fleetscope serve" running? set --url or FLEETSCOPE_URL)`);
    return CAPACITY_REPORT_EXIT.unreachable;
  }
  const body = (await res.json().catch(() => undefined)) as { error?: { code?: string; message?: string } } | undefined;
  if (res.status === 404) {
    o.err(`fleetscope: cannot make the capacity report: no capacity snapshot computed yet at ${url.href}${body?.error?.message ? ` (${body.error.message})` : ''}; the analysis role computes it on its schedule`);
    return CAPACITY_REPORT_EXIT.notComputed;
  }
  if (res.status !== 200 || !isSnapshot(body)) {
    const why = res.status !== 200 ? `${body?.error?.code ?? `HTTP ${res.status}`}: ${body?.error?.message ?? res.statusText}` : 'the answer is not a capacity snapshot';
    o.err(`fleetscope: cannot make the capacity report from ${url.href}: ${why}`);
    return CAPACITY_REPORT_EXIT.serverError;
  }
  const report = renderReport(body, { site: o.site });
  if (o.site !== undefined && !body.exhaustion.some((r) => r.site === o.site) && !body.headroom.some((r) => r.site === o.site)) {
    o.err(`fleetscope: warning: site "${o.site}" has no exhaustion or headroom rows in this snapshot`);
  }
  const files: [string, string][] = [['report.html', report.html], ['report.json', report.json], ...Object.entries(report.csv)];
  const dir = resolve(o.outDir);
  try {
    await mkdir(dir, { recursive: true });
    for (const [name, text] of files) await writeFile(join(dir, name), text);
  } catch (e) {
    o.err(`fleetscope: cannot write the capacity report into ${dir}: ${(e as Error).message}`);
    return CAPACITY_REPORT_EXIT.cannotWrite;
  }
  for (const [name, text] of files) o.out(`wrote ${join(dir, name)} (${Buffer.byteLength(text)} bytes)`);
  return CAPACITY_REPORT_EXIT.ok;
}

/** The `capacity-report` command. `configFile` gives the global `--config` option, read only when no URL is given. */
export function capacityReportCommand(configFile: () => string | undefined): Command {
  return new Command('capacity-report')
    .description('fetch the capacity snapshot of a running fleetscope and write report.html, report.json and CSVs (docs/capacity.md)')
    .option('--site <site>', 'only this site, in every section')
    .option('--out <dir>', 'directory to write into (created when missing)', './capacity-report')
    .option('--url <url>', 'fleetscope to ask (default: FLEETSCOPE_URL, else the configured http.host and http.port)')
    .action(async (opts: { site?: string; out: string; url?: string }) => {
      const out = (line: string) => process.stdout.write(line + '\n');
      const err = (line: string) => process.stderr.write(line + '\n');
      let url: string;
      try {
        url = opts.url?.replace(/\/+$/, '') ?? defaultUrl(configFile(), process.env);
      } catch (e) {
        err(`fleetscope: ${(e as Error).message}`);
        process.exitCode = CAPACITY_REPORT_EXIT.badInput;
        return;
      }
      process.exitCode = await runCapacityReport({ url, outDir: opts.out, site: opts.site, out, err });
    });
}
