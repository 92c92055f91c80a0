/**
 * A small Prometheus text-format registry: counters and gauges with labels, and histograms with fixed
 * buckets. Each metric keeps one entry per label set, so label values must come from small, fixed
 * sets (format, reason, table), never from data.
 */
export interface Registry {
  counter(name: string, help: string): Counter;
  gauge(name: string, help: string): Gauge;
  histogram(name: string, help: string, buckets: readonly number[]): Histogram;
  /** Adds a gauge whose values are read when /metrics is rendered. */
  collect(name: string, help: string, read: () => ReadonlyArray<readonly [Labels, number]>): void;
  render(): string;
}

export type Labels = Readonly<Record<string, string>>;

export interface Counter {
  inc(labels?: Labels, by?: number): void;
  get(labels?: Labels): number;
}
export interface Gauge {
  set(labels: Labels, value: number): void;
  get(labels?: Labels): number;
}
export interface Histogram {
  observe(labels: Labels, value: number): void;
}

function labelKey(labels: Labels | undefined): string {
  if (!labels) return '';
  const keys = Object.keys(labels).sort();
  return keys.map((k) => `${k}="${String(labels[k]).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',');
}

function fmt(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}

/** Creates an empty registry. */
export function createRegistry(): Registry {
  const blocks: Array<() => string> = [];

  function scalar(name: string, help: string, type: 'counter' | 'gauge') {
    const values = new Map<string, number>();
    blocks.push(() => {
      let out = `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n`;
      for (const [k, v] of values) out += `${name}${k ? `{${k}}` : ''} ${fmt(v)}\n`;
      return out;
    });
    return values;
  }

  return {
    counter(name, help) {
      const values = scalar(name, help, 'counter');
      return {
        inc(labels, by = 1) {
          const k = labelKey(labels);
          values.set(k, (values.get(k) ?? 0) + by);
        },
        get: (labels) => values.get(labelKey(labels)) ?? 0,
      };
    },
    gauge(name, help) {
      const values = scalar(name, help, 'gauge');
      return {
        set: (labels, value) => void values.set(labelKey(labels), value),
        get: (labels) => values.get(labelKey(labels)) ?? 0,
      };
    },
    histogram(name, help, buckets) {
      const series = new Map<string, { counts: number[]; sum: number; count: number }>();
      blocks.push(() => {
        let out = `# HELP ${name} ${help}\n# TYPE ${name} histogram\n`;
        for (const [k, s] of series) {
          const sep = k ? ',' : '';
          let cum = 0;
          buckets.forEach((b, i) => {
            cum += s.counts[i];
            out += `${name}_bucket{${k}${sep}le="${fmt(b)}"} ${cum}\n`;
          });
          out += `${name}_bucket{${k}${sep}le="+Inf"} ${s.count}\n`;
          out += `${name}_sum${k ? `{${k}}` : ''} ${fmt(s.sum)}\n${name}_count${k ? `{${k}}` : ''} ${s.count}\n`;
        }
        return out;
      });
      return {
        observe(labels, value) {
          const k = labelKey(labels);
          let s = series.get(k);
          if (!s) series.set(k, (s = { counts: buckets.map(() => 0), sum: 0, count: 0 }));
          const i = buckets.findIndex((b) => value <= b);
          if (i >= 0) s.counts[i]++;
          s.sum += value;
          s.count++;
        },
      };
    },
    collect(name, help, read) {
      blocks.push(() => {
        let out = `# HELP ${name} ${help}\n# TYPE ${name} gauge\n`;
        for (const [labels, v] of read()) {
          const k = labelKey(labels);
          out += `${name}${k ? `{${k}}` : ''} ${fmt(v)}\n`;
        }
        return out;
      });
    },
    render: () => blocks.map((b) => b()).join(''),
  };
}
