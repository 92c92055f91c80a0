// What the pages report about themselves, for people debugging in the console and for the browser
// tests: `window.__fleetscope` holds whether the page has settled, and what each chart drew.

export interface DrawnSeries {
  readonly label: string;
  /** Points with a value (nulls and alignment gaps left out). */
  readonly points: number;
  readonly min: number | null;
  readonly max: number | null;
  /** Time of the maximum, epoch ms. */
  readonly maxAt: number | null;
}

export interface DrawnChart {
  readonly id: string;
  readonly title: string;
  readonly kind: string;
  readonly from: number;
  readonly to: number;
  /** The data series drawn (lines and group envelopes), not markers. */
  readonly series: DrawnSeries[];
  readonly markers: { t: number; v: number; text: string }[];
  readonly spans: { start: number; end?: number; text: string }[];
  readonly draws: number;
}

export interface Probe {
  /** True once the page's first load and every later refresh have finished. */
  ready: boolean;
  pending: number;
  /** How many data loads finished since the page opened. */
  loads: number;
  page: string;
  charts: Record<string, DrawnChart>;
  /** Data requests made, newest last (path and query), to check refetches. */
  requests: string[];
  errors: string[];
  /** performance.now() (ms since navigation) when the first chart with data finished drawing. */
  firstChartMs?: number;
}

declare global {
  interface Window {
    __fleetscope: Probe;
  }
}

export const probe: Probe = (window.__fleetscope = { ready: false, pending: 0, loads: 0, page: '', charts: {}, requests: [], errors: [] });

/** Runs a page load, keeping `ready` false until every running load is done. */
export async function track<T>(work: () => Promise<T>): Promise<T> {
  probe.pending++;
  probe.ready = false;
  try {
    return await work();
  } finally {
    probe.pending--;
    probe.loads++;
    probe.ready = probe.pending === 0;
  }
}

/**
 * Publishes something that is not a time chart (a table, bars) to the probe: one series per named list
 * of numbers, with how many are finite and their extremes.
 */
export function reportValues(id: string, title: string, kind: string, columns: Iterable<readonly [string, readonly number[]]>): void {
  const series: DrawnSeries[] = [];
  for (const [label, vs] of columns) {
    const fin = vs.filter(Number.isFinite);
    series.push({ label, points: fin.length, min: fin.length ? Math.min(...fin) : null, max: fin.length ? Math.max(...fin) : null, maxAt: null });
  }
  probe.charts[id] = { id, title, kind, from: 0, to: 0, series, markers: [], spans: [], draws: (probe.charts[id]?.draws ?? 0) + 1 };
}
