// Throughput of the InfluxDB line protocol parser on a Telegraf-shaped body. Run with
// `npx vitest bench --project unit --run ingest/parsers/influx`. Besides vitest's ops/s table,
// prints values/s and MB/s (one record per field).
import { afterAll, bench, describe } from 'vitest';
import { parseInflux } from './parse.ts';

const HOSTS = 250;
const T0 = 1_795_303_190_000_000_000n;

/**
 * One flush of 250 Telegraf agents, 12 fields each over three measurements (cpu with floats, mem and
 * net with integers), three tags per line, timestamps in ns: about 110 KB.
 */
function telegrafBody(): string {
  const lines: string[] = [];
  for (let h = 0; h < HOSTS; h++) {
    const tags = `host=web-${String(h).padStart(3, '0')},region=eu-west-${h % 3},rack=r${h % 20}`;
    const ts = T0 + BigInt(h) * 1_000_000n;
    const f = (k: number) => ((h * 7919 + k * 104_729) % 10_000) / 100;
    lines.push(`cpu,${tags},cpu=cpu-total usage_user=${f(1)},usage_system=${f(2)},usage_idle=${f(3)},usage_iowait=${f(4)},usage_steal=${f(5)},usage_irq=${f(6)} ${ts}`);
    lines.push(`mem,${tags} total=${16_777_216_000 + h}i,used=${8_000_000_000 + h * 1000}i,available=${8_777_216_000 - h * 1000}i,used_percent=${f(7)} ${ts}`);
    lines.push(`net,${tags},interface=eth0 bytes_recv=${123_456_789 * (h + 1)}i,bytes_sent=${98_765_432 * (h + 1)}i ${ts}`);
  }
  return `${lines.join('\n')}\n`;
}

const stats = new Map<string, { values: number; bytes: number; ms: number }>();

/** A bench that also counts values, bytes and time for the summary. */
function measured(name: string, bytes: number, parse: () => { records: unknown[]; rejected: unknown[] }): void {
  const check = parse();
  if (check.rejected.length !== 0 || check.records.length !== HOSTS * 12) throw new Error(`${name}: the body does not parse cleanly`);
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

const text = telegrafBody();
const buf = Buffer.from(text);

describe(`parseInflux (${(buf.length / 1e3).toFixed(0)} KB, ${HOSTS} hosts × 12 fields)`, () => {
  measured('Buffer body (as the HTTP route passes it)', buf.length, () => parseInflux(buf, { receivedAt: 0, precision: 'ns' }));
  measured('string body', buf.length, () => parseInflux(text, { receivedAt: 0, precision: 'ns' }));
});

afterAll(() => {
  for (const [name, s] of stats) {
    if (s.ms === 0) continue;
    console.log(`${name}: ${Math.round(s.values / s.ms)}k values/s, ${(s.bytes / s.ms / 1000).toFixed(1)} MB/s`);
  }
});
