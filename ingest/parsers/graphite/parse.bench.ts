// Throughput of the Graphite plaintext parser on a collectd write_graphite-shaped body. Run with
// `npx vitest bench --project unit --run ingest/parsers/graphite`. Besides vitest's ops/s table,
// prints values/s and MB/s (one record per line).
import { afterAll, bench, describe } from 'vitest';
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

const stats = new Map<string, { values: number; bytes: number; ms: number }>();

/** A bench that also counts values, bytes and time for the summary. */
function measured(name: string, bytes: number, parse: () => { records: unknown[]; rejected: unknown[] }): void {
  const check = parse();
  if (check.rejected.length !== 0 || check.records.length !== HOSTS * METRICS.length) throw new Error(`${name}: the body does not parse cleanly`);
  const s = { values: 0, bytes: 0, ms: 0 };
  stats.set(name, s);
  bench(name, () => {
    const t0 = performance.now();
    const n = parse().records.length;
    s.ms += performance.now() - t0;
    s.values += n;
    s.bytes += bytes;
  });
}

const plain = plainBody();
const tagged = taggedBody();

describe(`parseGraphite (${HOSTS} hosts × ${METRICS.length} metrics)`, () => {
  measured(`plain paths (${(plain.length / 1e3).toFixed(0)} KB)`, plain.length, () => parseGraphite(plain, { receivedAt: 0 }));
  measured(`tagged paths (${(tagged.length / 1e3).toFixed(0)} KB)`, tagged.length, () => parseGraphite(tagged, { receivedAt: 0 }));
});

afterAll(() => {
  for (const [name, s] of stats) {
    if (s.ms === 0) continue;
    console.log(`${name}: ${Math.round(s.values / s.ms)}k values/s, ${(s.bytes / s.ms / 1000).toFixed(1)} MB/s`);
  }
});
