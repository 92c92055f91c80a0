// What a capacity run produces, as the API serves it and the report draws it. Times are epoch ms.

/** A resource that fills up: a disk, memory, a link. */
export interface ExhaustionRow {
  readonly host: string;
  readonly site: string;
  readonly hwModel: string;
  readonly metric: string;
  readonly labels: Readonly<Record<string, string>>;
  /** What runs out: `disk`, `memory`, `link`… */
  readonly resource: string;
  readonly unit: string;
  readonly capacity: number;
  readonly used: number;
  /** Days until the trend reaches the capacity, with its range; null when not growing (see `reason`). */
  readonly daysToFull: number | null;
  readonly daysLow: number | null;
  readonly daysHigh: number | null;
  readonly fullAt: number | null;
  readonly slopePerDay: number | null;
  /** Why there is no date: flat, shrinking, too-little-data. */
  readonly reason?: string;
}

/** Load against capacity of the hosts of one site and hardware model. */
export interface HeadroomRow {
  readonly site: string;
  readonly hwModel: string;
  readonly hosts: number;
  /** Peak load of the group over the window (e.g. requests/s), and what its hosts can carry at the target. */
  readonly load: number;
  readonly capacity: number;
  /** 1 − load / capacity; negative when over capacity. */
  readonly headroom: number;
  readonly unit: string;
}

/** What one host of a hardware model carries at the target (utilisation or latency), from a fitted curve. */
export interface ThroughputRow {
  readonly hwModel: string;
  readonly hosts: number;
  readonly perHost: number;
  readonly low: number;
  readonly high: number;
  readonly unit: string;
  /** The target the capacity is read at, in words: "70% of peak", "latency ≤ 200 ms". */
  readonly target: string;
  /** Observed (x, y) points and the fitted curve, for the chart. */
  readonly points: readonly (readonly [number, number])[];
  readonly curve: readonly (readonly [number, number])[];
  readonly xLabel: string;
  readonly yLabel: string;
}

/** A forecast of a series or a group aggregate. */
export interface ForecastRow {
  readonly key: string;
  readonly title: string;
  readonly unit: string;
  readonly stepMs: number;
  readonly level: number;
  readonly history: readonly (readonly [number, number | null])[];
  /** [t, forecast, lower, upper] */
  readonly forecast: readonly (readonly [number, number, number, number])[];
  /** The capacity line to draw, when known. */
  readonly capacity?: number;
}

export interface CapacitySnapshot {
  readonly generatedAt: number;
  /** Window of data the models read. */
  readonly from: number;
  readonly to: number;
  readonly exhaustion: readonly ExhaustionRow[];
  readonly headroom: readonly HeadroomRow[];
  readonly throughput: readonly ThroughputRow[];
  readonly forecasts: readonly ForecastRow[];
  readonly warnings: readonly string[];
}
