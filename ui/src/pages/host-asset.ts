// The host page's asset parts: the current record as a card, the history as a table, and the history's
// changes as chart annotations ("kernel 5.10.0-28 → 6.1.0-18").
import type { Span } from '../lib/chart.ts';
import { h, notice, table } from '../lib/dom.ts';
import { formatBytes } from '../lib/format.ts';
import { formatTime } from '../lib/time.ts';

/** Well-known asset fields in the order a person reads them (docs/assets.md). */
export const ASSET_FIELDS = ['hw_model', 'manufacturer', 'site', 'rack', 'role', 'status', 'os', 'kernel', 'cpu_model', 'cpu_cores', 'memory_bytes', 'disk_capacity_bytes', 'nic_speed_bps'] as const;

export type AssetRecord = Record<string, unknown> & { host: string; attrs?: Record<string, string>; valid_from?: number; source?: string };

export interface AssetChange {
  readonly field: string;
  readonly from: unknown;
  readonly to: unknown;
}

export interface AssetVersion extends AssetRecord {
  readonly valid_to: number | null;
  readonly deleted: boolean;
  readonly recorded_at: number;
  readonly changes: readonly AssetChange[];
}

function bps(v: number): string {
  const units = ['bps', 'kbps', 'Mbps', 'Gbps', 'Tbps'];
  let i = 0;
  let x = v;
  while (x >= 1000 && i < units.length - 1) {
    x /= 1000;
    i++;
  }
  return `${+x.toPrecision(3)} ${units[i]}`;
}

/** A field's value as text: sizes in bytes or bits per second, null as a dash. */
export function fieldText(field: string, v: unknown): string {
  if (v === null || v === undefined || v === '') return '–';
  if (typeof v === 'number' && (field === 'memory_bytes' || field === 'attr.memory_bytes')) return formatBytes(v);
  if (typeof v === 'number' && field === 'disk_capacity_bytes') return `${+(v / 1e12).toPrecision(3)} TB`;
  if (typeof v === 'number' && field === 'nic_speed_bps') return bps(v);
  return String(v);
}

/** The current record: every well-known field, then the free-form attributes. */
export function assetCard(a: AssetRecord): HTMLElement {
  const rows: [string, string][] = ASSET_FIELDS.map((f) => [f, fieldText(f, a[f])]);
  for (const [k, v] of Object.entries(a.attrs ?? {})) rows.push([`attr.${k}`, v]);
  return h(
    'div#asset.card.asset',
    h(
      'dl',
      rows.map(([k, v]) => [h('dt', k), h('dd', { dataset: { field: k }, class: v === '–' ? 'muted' : undefined }, v)]),
    ),
    h('div.muted.small', `record valid from ${a.valid_from ? formatTime(a.valid_from, false) : '?'} · source ${a.source ?? '?'}`),
  );
}

/** "kernel 5.10.0-28-amd64 → 6.1.0-18-amd64; rack F01 → F02". */
export function changeText(changes: readonly AssetChange[]): string {
  return changes.map((c) => `${c.field} ${fieldText(c.field, c.from)} → ${fieldText(c.field, c.to)}`).join('; ');
}

/**
 * Annotations for when the record appeared and when the host was retired. The field changes between
 * versions ("kernel 5.10 → 6.1") come from GET /api/v1/changes with the other changes, not from here,
 * so that none is drawn twice.
 */
export function recordSpans(versions: readonly AssetVersion[]): Span[] {
  return versions
    .map((v, i): Span | undefined => (v.deleted ? { start: v.valid_from ?? 0, text: 'host retired', color: '#7c3aed' } : i === 0 ? { start: v.valid_from ?? 0, text: 'asset record created', color: '#7c3aed' } : undefined))
    .filter((sp): sp is Span => sp !== undefined);
}

/** Every version, newest first, with what changed. */
export function historyTable(versions: readonly AssetVersion[]): HTMLElement {
  if (versions.length === 0) return notice('info', 'No asset history for this host.');
  const rows = [...versions].reverse().map((v, j) => {
    const i = versions.length - 1 - j;
    return [
      formatTime(v.valid_from ?? 0, false),
      v.valid_to === null ? h('span.ok', 'current') : formatTime(v.valid_to, false),
      v.deleted ? h('span.bad', 'retired') : i === 0 ? h('span.muted', `first record (${v.changes.length} fields)`) : changeText(v.changes),
      v.source ?? '',
      formatTime(v.recorded_at, false),
    ];
  });
  const t = table(['valid from', 'valid to', 'changes', 'source', 'recorded'], rows);
  t.id = 'asset-history';
  return t;
}
