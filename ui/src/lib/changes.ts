// Change events (deploys, configuration runs, upgrades, asset changes) as chart annotations: one
// labelled vertical line per change, coloured by kind, read from GET /api/v1/changes.
import { api } from './api.ts';
import type { Span } from './chart.ts';

/** A change as GET /api/v1/changes answers it. */
export interface ChangeEvent {
  readonly id: string;
  readonly ts: number;
  readonly endTs?: number;
  readonly kind: string;
  readonly scope: 'host' | 'group' | 'fleet';
  readonly hosts: readonly string[];
  readonly description: string;
  readonly link: string;
  readonly source: string;
}

/** One colour per kind of change, apart from the series palette's first colours and the alert reds. */
export const CHANGE_COLORS: Readonly<Record<string, string>> = {
  deploy: '#0891b2',
  config: '#ca8a04',
  kernel: '#7c3aed',
  firmware: '#db2777',
  os: '#9333ea',
  hardware: '#7c2d12',
  role: '#0d9488',
  other: '#4b5563',
};

/** The annotation of one change: a line at its start (`ts`), "deploy: api 2.4.1". */
export function changeSpan(c: ChangeEvent): Span {
  return { start: c.ts, text: `${c.kind}: ${c.description}`, color: CHANGE_COLORS[c.kind] ?? CHANGE_COLORS.other };
}

/**
 * The changes in `[from, to)` as spans, for one host's chart when `host` is given (group and fleet
 * changes that reach it included). A failure to read them costs the annotations, not the chart.
 */
export async function fetchChangeSpans(q: { from: number; to: number; host?: string }, signal?: AbortSignal): Promise<Span[]> {
  try {
    const r = await api.get<{ changes: ChangeEvent[] }>('/api/v1/changes', { from: q.from, to: q.to, host: q.host, limit: 500 }, signal);
    return r.changes.map(changeSpan);
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    return [];
  }
}
