import { cdtime, numberPart, PART, stringPart, valuesPart, type WireValue } from '../ingest/parsers/collectd-binary/packet-builder.ts';

/** One value list of the synthetic fleet, the way a stock collectd agent reports it. */
export interface BenchValueList {
  plugin: string;
  pluginInstance: string;
  type: string;
  typeInstance: string;
  kinds: ('gauge' | 'derive')[];
  names: string[];
  values: number[];
}

/** The value lists of one host: load, 2 CPUs, memory, one interface, one disk, one file system (42 values). */
export function hostValueLists(host: number): BenchValueList[] {
  const out: BenchValueList[] = [];
  const g = (plugin: string, pi: string, type: string, ti: string, names: string[], values: number[]) =>
    out.push({ plugin, pluginInstance: pi, type, typeInstance: ti, kinds: names.map(() => 'gauge'), names, values });
  const d = (plugin: string, pi: string, type: string, ti: string, names: string[], values: number[]) =>
    out.push({ plugin, pluginInstance: pi, type, typeInstance: ti, kinds: names.map(() => 'derive'), names, values });
  g('load', '', 'load', '', ['shortterm', 'midterm', 'longterm'], [0.5 + (host % 7) / 10, 0.4, 0.3]);
  for (const cpu of ['0', '1']) {
    for (const [i, state] of ['user', 'system', 'idle', 'wait', 'nice', 'interrupt', 'softirq', 'steal'].entries()) d('cpu', cpu, 'cpu', state, ['value'], [100000 * (i + 1) + host]);
  }
  for (const [i, m] of ['used', 'buffered', 'cached', 'free', 'slab_recl', 'slab_unrecl'].entries()) g('memory', '', 'memory', m, ['value'], [1e9 + i * 1e7 + host]);
  for (const t of ['if_octets', 'if_packets', 'if_errors', 'if_dropped']) d('interface', 'eth0', t, '', ['rx', 'tx'], [123456789 + host, 987654321 + host]);
  for (const t of ['disk_octets', 'disk_ops', 'disk_time']) d('disk', 'sda', t, '', ['read', 'write'], [5555 + host, 7777 + host]);
  for (const t of ['used', 'free', 'reserved']) g('df', 'root', 'df_complex', t, ['value'], [5e10 + host]);
  return out;
}

export const VALUES_PER_HOST = hostValueLists(0).reduce((n, vl) => n + vl.values.length, 0);

/** JSON text of a host's value lists with the time left as the token `@T@`, as collectd's write_http prints it. */
export function hostJsonTemplate(host: number): string[] {
  const name = `bench-${String(host).padStart(5, '0')}`;
  return hostValueLists(host).map(
    (vl) =>
      `{"values":[${vl.values.join(',')}],"dstypes":[${vl.kinds.map((k) => `"${k}"`).join(',')}],"dsnames":[${vl.names.map((n) => `"${n}"`).join(',')}],` +
      `"time":@T@,"interval":1.000,"host":"${name}","plugin":"${vl.plugin}","plugin_instance":"${vl.pluginInstance}","type":"${vl.type}","type_instance":"${vl.typeInstance}"}`,
  );
}

/**
 * Datagrams of a host range, each at most `maxBytes`, built the way collectd fills them (HOST and
 * TIME_HR once at the start, then only changed fields). Returns the datagrams, the offsets of their
 * TIME_HR payloads (to set the time per round) and their value counts.
 */
export function buildDatagrams(hosts: number, maxBytes = 1346): { datagrams: Buffer[]; timeOffsets: number[]; values: number[] } {
  const datagrams: Buffer[] = [];
  const timeOffsets: number[] = [];
  const values: number[] = [];
  for (let h = 0; h < hosts; h++) {
    const name = `bench-${String(h).padStart(5, '0')}`;
    let parts: Buffer[] = [];
    let size = 0;
    let count = 0;
    let prev: Partial<BenchValueList> = {};
    const start = () => {
      parts = [stringPart(PART.HOST, name), numberPart(PART.TIME_HR, cdtime(0)), numberPart(PART.INTERVAL_HR, cdtime(1))];
      size = parts.reduce((n, p) => n + p.length, 0);
      count = 0;
      prev = {};
    };
    const finish = () => {
      if (count === 0) return;
      datagrams.push(Buffer.concat(parts));
      timeOffsets.push(parts[0].length + 4);
      values.push(count);
    };
    start();
    for (const vl of hostValueLists(h)) {
      const add: Buffer[] = [];
      if (vl.plugin !== prev.plugin) add.push(stringPart(PART.PLUGIN, vl.plugin));
      if (vl.pluginInstance !== (prev.pluginInstance ?? '')) add.push(stringPart(PART.PLUGIN_INSTANCE, vl.pluginInstance));
      if (vl.type !== prev.type) add.push(stringPart(PART.TYPE, vl.type));
      if (vl.typeInstance !== (prev.typeInstance ?? '')) add.push(stringPart(PART.TYPE_INSTANCE, vl.typeInstance));
      add.push(valuesPart(vl.values.map((v, i): WireValue => (vl.kinds[i] === 'gauge' ? [1, v] : [2, BigInt(v)]))));
      const n = add.reduce((s, p) => s + p.length, 0);
      if (size + n > maxBytes) {
        finish();
        start();
        const again = [stringPart(PART.PLUGIN, vl.plugin)];
        if (vl.pluginInstance) again.push(stringPart(PART.PLUGIN_INSTANCE, vl.pluginInstance));
        again.push(stringPart(PART.TYPE, vl.type));
        if (vl.typeInstance) again.push(stringPart(PART.TYPE_INSTANCE, vl.typeInstance));
        again.push(add[add.length - 1]);
        parts.push(...again);
        size += again.reduce((s, p) => s + p.length, 0);
      } else {
        parts.push(...add);
        size += n;
      }
      count += vl.values.length;
      prev = vl;
    }
    finish();
  }
  return { datagrams, timeOffsets, values };
}
