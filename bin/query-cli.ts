// `fleetscope query '…'`: sends a query to a running server and prints the answer as a table, JSON or CSV.
import type { QueryResult } from '../query/result.ts';

export interface QueryCliOptions {
  readonly url: string;
  readonly format: 'table' | 'json' | 'csv';
  readonly explain: boolean;
  readonly now?: string;
}

function cell(v: unknown, type: string): string {
  if (v === null || v === undefined) return '';
  if (type === 'time') return new Date(Number(v)).toISOString().replace('.000Z', 'Z');
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** A plain-text table: numbers right-aligned, text left-aligned. */
export function renderTable(r: Pick<QueryResult, 'columns' | 'rows'>): string {
  const head = r.columns.map((c) => c.name);
  const body = r.rows.map((row) => r.columns.map((c, i) => cell(row[i], c.type)));
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((x, i) => (r.columns[i].type === 'number' ? x.padStart(widths[i]) : x.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

function csvField(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function renderCsv(r: Pick<QueryResult, 'columns' | 'rows'>): string {
  const lines = [r.columns.map((c) => csvField(c.name)).join(',')];
  for (const row of r.rows) lines.push(r.columns.map((c, i) => csvField(cell(row[i], c.type))).join(','));
  return lines.join('\n');
}

/** Runs the command; returns the process exit code. */
export async function queryCommand(text: string, o: QueryCliOptions, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const path = o.explain ? '/api/v1/query/explain' : '/api/v1/query';
  let res: Response;
  try {
    res = await fetch(new URL(path, o.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: text, ...(o.now ? { now: o.now } : {}) }),
    });
  } catch (e) {
    err(`cannot reach fleetscope at ${o.url}: ${(e as Error).message} (is "fleetscope serve" running? set --url or FLEETSCOPE_URL)`);
    return 2;
  }
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (res.status !== 200) {
    const e = (body.error ?? {}) as { code?: string; message?: string; where?: { excerpt?: string } };
    err(`${e.code ?? `HTTP ${res.status}`}: ${e.where?.excerpt ?? e.message ?? JSON.stringify(body)}`);
    return 1;
  }
  if (o.format === 'json') {
    out(JSON.stringify(body, null, 2));
    return 0;
  }
  if ('estimate' in body || o.explain) {
    const x = body as { sql: string; params: Record<string, unknown>; estimate: { table: string; rows: number; parts: number; marks: number }[]; stages: { stage: string; runs: string; note: string }[]; source: string; warnings: string[] };
    out(`-- reads ${x.source}\n${x.sql}\n`);
    out(`parameters: ${JSON.stringify(x.params)}`);
    out(`estimate: ${x.estimate.map((e) => `${e.table}: ${e.rows} rows in ${e.parts} parts, ${e.marks} marks`).join('; ') || 'nothing to read'}`);
    out('stages:');
    for (const s of x.stages) out(`  ${s.stage.padEnd(24)} ${s.runs.padEnd(10)} ${s.note}`);
    for (const w of x.warnings) out(`warning: ${w}`);
    return 0;
  }
  const r = body as unknown as QueryResult;
  out(o.format === 'csv' ? renderCsv(r) : renderTable(r));
  if (o.format === 'table') {
    out(`(${r.rows.length} row${r.rows.length === 1 ? '' : 's'}, ${r.elapsedMs} ms, from ${r.source})`);
    const d = r.details as Record<string, { verdict?: string; best?: unknown; strata?: { stratum: string; verdict: string }[] }> | undefined;
    if (d?.compare?.verdict) out(d.compare.verdict);
    for (const s of d?.compare?.strata ?? []) out(`${s.stratum}: ${s.verdict}`);
    if (d?.correlate?.best) out(`best lag: ${JSON.stringify(d.correlate.best)}`);
  }
  for (const w of r.warnings) err(`warning: ${w}`);
  return 0;
}
