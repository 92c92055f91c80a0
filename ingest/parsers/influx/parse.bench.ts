// Throughput of the InfluxDB line protocol parser on a Telegraf-shaped body. Run with
// `npx vitest bench --project unit --run ingest/parsers/influx`. Besides vitest's ops/s table,
// prints values/s and MB/s (one record per field).
import { describe } from 'vitest';
import { throughputBench } from '../bench-throughput.ts';
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

const measured = throughputBench(HOSTS * 12);

const text = telegrafBody();
const buf = Buffer.from(text);

describe(`parseInflux (${(buf.length / 1e3).toFixed(0)} KB, ${HOSTS} hosts × 12 fields)`, () => {
  measured('Buffer body (as the HTTP route passes it)', buf.length, () => parseInflux(buf, { receivedAt: 0, precision: 'ns' }));
  measured('string body', buf.length, () => parseInflux(text, { receivedAt: 0, precision: 'ns' }));
});
