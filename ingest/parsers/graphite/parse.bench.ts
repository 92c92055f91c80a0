// Throughput of the Graphite plaintext parser on a collectd write_graphite-shaped body. Run with
// `npx vitest bench --project unit --run ingest/parsers/graphite`. Besides vitest's ops/s table,
// prints values/s and MB/s (one record per line).
import { describe } from 'vitest';
import { throughputBench } from '../bench-throughput.ts';
import { parseGraphite } from './parse.ts';

const HOSTS = 250;
const METRICS = ['cpu.user', 'cpu.system', 'cpu.idle', 'cpu.wait', 'load.shortterm', 'load.midterm', 'load.longterm', 'memory.used', 'memory.free', 'interface-eth0.if_octets.rx', 'interface-eth0.if_octets.tx', 'df-root.percent_bytes-used'];
const T0 = 1_795_303_190;

const value = (h: number, m: number) => (m >= 7 && m <= 10 ? String(123_456_789 * (h + 1) + m) : (((h * 7919 + m * 104_729) % 10_000) / 100).toFixed(6));

/** A batch of 250 hosts × 12 metrics, one line each, host in the path (collectd's write_graphite): about 200 KB. */
function plainBody(): string {
  const lines: string[] = [];
  for (let h = 0; h < HOSTS; h++) {
    const host = `web-${String(h).padStart(3, '0')}_example_net`;
    METRICS.forEach((m, i) => lines.push(`collectd.${host}.${m} ${value(h, i)} ${T0 + (h % 10)}`));
  }
  return `${lines.join('\n')}\n`;
}

/** The same values with Graphite tags (`path;host=…;dc=…`), as a tag-aware sender writes them. */
function taggedBody(): string {
  const lines: string[] = [];
  for (let h = 0; h < HOSTS; h++) {
    const host = `web-${String(h).padStart(3, '0')}.example.net`;
    METRICS.forEach((m, i) => lines.push(`${m};host=${host};dc=eu-west-${h % 3};role=web ${value(h, i)} ${T0 + (h % 10)}`));
  }
  return `${lines.join('\n')}\n`;
}

const measured = throughputBench(HOSTS * METRICS.length);

const plain = plainBody();
const tagged = taggedBody();

describe(`parseGraphite (${HOSTS} hosts × ${METRICS.length} metrics)`, () => {
  measured(`plain paths (${(plain.length / 1e3).toFixed(0)} KB)`, plain.length, () => parseGraphite(plain, { receivedAt: 0 }));
  measured(`tagged paths (${(tagged.length / 1e3).toFixed(0)} KB)`, tagged.length, () => parseGraphite(tagged, { receivedAt: 0 }));
});
