import type { MetricKind, MetricRecord } from '../../../lib/record.ts';

/**
 * A collectd value list as every collectd format carries it, after decoding. Values are doubles for
 * gauges and exact integers for the other kinds.
 */
export interface ValueList {
  readonly host: string;
  readonly plugin: string;
  readonly pluginInstance: string;
  readonly type: string;
  readonly typeInstance: string;
  /** Milliseconds since the epoch, UTC. */
  readonly time: number;
  /** Milliseconds. */
  readonly interval: number;
  readonly dsNames: readonly string[];
  readonly kinds: readonly MetricKind[];
  readonly values: readonly (number | bigint)[];
}

/**
 * Metric name of one data source: `<plugin>.<type>.<ds>`, the type left out when it equals the plugin,
 * `.<ds>` left out when the data source is called `value` (`load.shortterm`, `interface.if_octets.rx`,
 * `cpu.percent`, `memory`).
 */
export function metricName(plugin: string, type: string, ds: string): string {
  let name = plugin;
  if (type !== plugin) name += '.' + type;
  if (ds !== 'value') name += '.' + ds;
  return name;
}

/** Appends one record per data source of `vl` to `out`. */
export function pushValueList(vl: ValueList, out: MetricRecord[]): void {
  for (let i = 0; i < vl.values.length; i++) {
    const ds = vl.dsNames[i];
    const labels: Record<string, string> = { plugin: vl.plugin, type: vl.type, ds };
    if (vl.pluginInstance !== '') labels.plugin_instance = vl.pluginInstance;
    if (vl.typeInstance !== '') labels.type_instance = vl.typeInstance;
    const v = vl.values[i];
    const kind = vl.kinds[i];
    out.push(
      typeof v === 'bigint'
        ? { metric: metricName(vl.plugin, vl.type, ds), host: vl.host, labels, kind, ts: vl.time, value: Number(v), raw: v, interval: vl.interval }
        : { metric: metricName(vl.plugin, vl.type, ds), host: vl.host, labels, kind, ts: vl.time, value: v, interval: vl.interval },
    );
  }
}

/** collectd's time unit is 2^-30 s; converts a cdtime_t to whole milliseconds (rounded). */
export function cdtimeToMs(t: bigint): number {
  const seconds = t >> 30n;
  const frac = t & 0x3fffffffn;
  return Number(seconds) * 1000 + Math.round(Number(frac * 1000n) / 1073741824);
}

/** Severity code (1, 2, 4) or name to the event severity word. */
export function severityName(code: number | string): string {
  switch (typeof code === 'string' ? code.toLowerCase() : code) {
    case 1:
    case 'failure':
      return 'failure';
    case 2:
    case 'warning':
      return 'warning';
    case 4:
    case 'okay':
      return 'okay';
    default:
      return 'unknown';
  }
}
