import { bench, describe } from 'vitest';
import { builtinTypesDb } from '../collectd-common/types-db.ts';
import { captureUsers, hexLines } from './testdata.ts';
import { parseCollectdPacket, type BinaryParseContext } from './parse.ts';

// Decodes the 27 captured datagrams of each stream per operation. Run with
//   npx vitest bench --project unit --run ingest/parsers/collectd-binary/parse.bench.ts
// ops/s × the counts in each name give datagrams/s and values/s; each task also prints them, measured
// over its timed runs.


const typesDb = builtinTypesDb();
const lookupUser = captureUsers();

interface Stream {
  readonly name: string;
  readonly datagrams: readonly Buffer[];
  readonly ctx: BinaryParseContext;
}
const streams: Stream[] = [
  { name: 'plain', datagrams: hexLines('udp-plain.hex'), ctx: { typesDb, securityLevel: 'none' } },
  { name: 'signed', datagrams: hexLines('udp-sign.hex'), ctx: { typesDb, securityLevel: 'sign', lookupUser } },
  { name: 'encrypted', datagrams: hexLines('udp-encrypt.hex'), ctx: { typesDb, securityLevel: 'encrypt', lookupUser } },
];

/** Decodes every datagram of `s` once; returns the number of values (records). */
function decodeAll(s: Stream): number {
  let values = 0;
  for (const d of s.datagrams) values += parseCollectdPacket(d, s.ctx).records.length;
  return values;
}

/** Own measurement of the timed runs, printed when tinybench finishes a task. */
function measured(s: Stream, bytesPerOp: number): { fn: () => void; setup: () => void; report: () => void } {
  let rounds = 0;
  let values = 0;
  let ms = 0;
  return {
    setup: () => {
      rounds = values = ms = 0;
    },
    fn: () => {
      const started = performance.now();
      values += decodeAll(s);
      ms += performance.now() - started;
      rounds++;
    },
    report: () => {
      const rate = (n: number): string => Math.round((n * 1000) / ms).toLocaleString('en-US');
      const line = `${s.name}: ${rate(rounds * s.datagrams.length)} datagrams/s, ${rate(values)} values/s, ${rate(rounds * bytesPerOp)} bytes/s`;
      console.log(`collectd binary decode, one core, ${line}`);
    },
  };
}

describe('parseCollectdPacket on the captures', () => {
  for (const s of streams) {
    const values = decodeAll(s);
    const bytes = s.datagrams.reduce((n, d) => n + d.length, 0);
    const m = measured(s, bytes);
    bench(`${s.name}: ${s.datagrams.length} datagrams, ${values} values, ${bytes} bytes per op`, m.fn, {
      setup: (_task, mode) => {
        if (mode === 'run') m.setup();
      },
      teardown: (_task, mode) => {
        if (mode === 'run') m.report();
      },
    });
  }
});
