// Parser benchmarks that report throughput: each `measured` bench checks once that its body parses
// cleanly into the expected number of values, then counts values, bytes and time, and the summary
// prints values/s and MB/s after the run (vitest bench reports only operations per second).
import { afterAll, bench } from 'vitest';

/** Returns `measured(name, bytes, parse)` for one bench file, `expectedValues` per parse. */
export function throughputBench(expectedValues: number): (name: string, bytes: number, parse: () => { records: unknown[]; rejected?: unknown[] }) => void {
  const stats = new Map<string, { values: number; bytes: number; ms: number }>();
  afterAll(() => {
    for (const [name, s] of stats) {
      if (s.ms === 0) continue;
      console.log(`${name}: ${Math.round(s.values / s.ms)}k values/s, ${(s.bytes / s.ms / 1000).toFixed(1)} MB/s`);
    }
  });
  return (name, bytes, parse) => {
    const check = parse();
    if ((check.rejected?.length ?? 0) !== 0 || check.records.length !== expectedValues) throw new Error(`${name}: the body does not parse cleanly`);
    const s = { values: 0, bytes: 0, ms: 0 };
    stats.set(name, s);
    bench(name, () => {
      const t0 = performance.now();
      const n = parse().records.length;
      s.ms += performance.now() - t0;
      s.values += n;
      s.bytes += bytes;
    });
  };
}
