// Throughput of the collectd JSON parser on real-shaped bodies. Run with
// `npx vitest bench --project unit --run ingest/parsers/collectd-json`. Besides vitest's ops/s
// table, prints values/s and MB/s per case (one record per value).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, bench, describe } from 'vitest';
import { parseCollectdJson } from './parse.ts';
import { readBody } from './read-body.ts';

const testdata = (name: string) => fileURLToPath(new URL(`./testdata/${name}`, import.meta.url));
const captured = readFileSync(testdata('http-requests.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l !== '')
  .map((l) => JSON.parse(l) as { path: string; body: string });

/** The largest captured bodies of a path: collectd's 4 KiB buffer, full. */
function fullBody(path: string): string {
  return captured.filter((r) => r.path === path && r.body.startsWith('[{"values"')).sort((a, b) => b.body.length - a.body.length)[0].body;
}

/**
 * About 1 MiB of value lists of 2,000 hosts: the captured value lists of the cpu, load, memory and
 * interface plugins, host renamed, one host after the other (as an aggregating collectd with a
 * large BufferSize would send them).
 */
function fleetBody(): string {
  const objects = captured
    .filter((r) => r.path === '/json' && r.body.startsWith('[{"values"') && !r.body.includes('"meta":}'))
    .flatMap((r) => JSON.parse(r.body) as { host: string; plugin: string }[])
    .filter((o) => o.plugin !== 'example')
    .map((o) => JSON.stringify(o));
  const parts: string[] = [];
  let size = 2;
  for (let i = 0; size < 1 << 20; i++) {
    const host = `host${String(i % 2000).padStart(4, '0')}.example.net`;
    const o = objects[i % objects.length].replace('"host":"testhost"', `"host":"${host}"`);
    parts.push(o);
    size += o.length + 1;
  }
  return `[${parts.join(',')}]`;
}

const stats = new Map<string, { values: number; bytes: number; ms: number }>();

/** A bench that also counts values, bytes and time for the summary. */
function measured(name: string, body: string, parse: (body: string) => { records: unknown[] }): void {
  const s = { values: 0, bytes: 0, ms: 0 };
  stats.set(name, s);
  bench(name, () => {
    const t0 = performance.now();
    const n = parse(body).records.length;
    s.ms += performance.now() - t0;
    s.values += n;
    s.bytes += body.length;
  });
}

const small = fullBody('/json');
const smallRates = fullBody('/json-rates');
const fleet = fleetBody();

describe('collectd JSON', () => {
  measured(`4 KiB body (${small.length} B)`, small, (b) => parseCollectdJson(b, {}));
  measured(`4 KiB StoreRates body (${smallRates.length} B)`, smallRates, (b) => parseCollectdJson(b, { storeRates: true }));
  measured(`1 MiB body, 2000 hosts (${fleet.length} B)`, fleet, (b) => parseCollectdJson(b, {}));
  measured('1 MiB body, general path only', fleet, (b) => readBody(b, false, false));
  measured('1 MiB body, JSON.parse alone (reference, loses precision)', fleet, (b) => ({ records: (JSON.parse(b) as { values: unknown[] }[]).flatMap((o) => o.values) }));
});

afterAll(() => {
  for (const [name, s] of stats) {
    if (s.ms === 0) continue;
    console.log(`${name}: ${Math.round(s.values / s.ms)}k values/s, ${(s.bytes / s.ms / 1000).toFixed(1)} MB/s`);
  }
});
