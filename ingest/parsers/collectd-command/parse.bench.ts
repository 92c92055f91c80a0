// Throughput of the collectd command parser on real-shaped bodies. Run with
// `npx vitest bench --project unit --run ingest/parsers/collectd-command`. Besides vitest's ops/s
// table, prints values/s and MB/s per case (one record per value).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, bench, describe } from 'vitest';
import { builtinTypesDb } from '../collectd-common/types-db.ts';
import { parseCollectdCommand } from './parse.ts';

const testdata = (name: string) => fileURLToPath(new URL(`./testdata/${name}`, import.meta.url));
const commandBodies = readFileSync(testdata('http-requests.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l !== '')
  .map((l) => JSON.parse(l) as { path: string; body: string })
  .filter((r) => r.path === '/command' && r.body.startsWith('PUTVAL'))
  .map((r) => r.body);
const ctx = { typesDb: builtinTypesDb(), receivedAt: 1795303200000 };

/** About 1 MiB of PUTVAL lines of 2,000 hosts: the captured lines of testhost, host renamed. */
function fleetBody(): string {
  const lines = commandBodies.flatMap((b) => b.split('\r\n')).filter((l) => l.startsWith('PUTVAL testhost/') && !l.includes('/example'));
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < 1 << 20; i++) {
    const line = `${lines[i % lines.length].replace('testhost/', `host${String(i % 2000).padStart(4, '0')}.example.net/`)}\r\n`;
    parts.push(line);
    size += line.length;
  }
  return parts.join('');
}

const stats = new Map<string, { values: number; bytes: number; ms: number }>();

/** A bench that also counts values, bytes and time for the summary. */
function measured(name: string, body: string): void {
  const s = { values: 0, bytes: 0, ms: 0 };
  stats.set(name, s);
  bench(name, () => {
    const t0 = performance.now();
    const n = parseCollectdCommand(body, ctx).records.length;
    s.ms += performance.now() - t0;
    s.values += n;
    s.bytes += body.length;
  });
}

const small = [...commandBodies].sort((a, b) => b.length - a.length)[0];
const fleet = fleetBody();

describe('collectd command', () => {
  measured(`4 KiB body (${small.length} B)`, small);
  measured(`1 MiB body, 2000 hosts (${fleet.length} B)`, fleet);
});

afterAll(() => {
  for (const [name, s] of stats) {
    if (s.ms === 0) continue;
    console.log(`${name}: ${Math.round(s.values / s.ms)}k values/s, ${(s.bytes / s.ms / 1000).toFixed(1)} MB/s`);
  }
});
