// Throughput of the OpenTSDB /api/put parser on a tcollector-shaped body. Run with
// `npx vitest bench --project unit --run ingest/parsers/opentsdb`.
import { bench, describe } from 'vitest';
import { parseOpenTsdb } from './parse.ts';

/** 5,000 points of 100 hosts, 50 metrics each, two tags besides host: about 0.6 MB. */
const body = Buffer.from(
  JSON.stringify(
    Array.from({ length: 5000 }, (_, i) => ({
      metric: `proc.stat.cpu.m${i % 50}`,
      timestamp: 1795303190 + Math.floor(i / 5000),
      value: (i * 7919) % 1000,
      tags: { host: `web-${Math.floor(i / 50)}`, type: 'user', cpu: String(i % 8) },
    })),
  ),
);

describe(`parseOpenTsdb (${(body.length / 1e6).toFixed(2)} MB, 5000 points)`, () => {
  bench('array body', () => {
    parseOpenTsdb(body);
  });
});
