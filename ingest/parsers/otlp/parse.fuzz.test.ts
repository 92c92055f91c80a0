import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../lib/random.ts';
import { ParseError } from '../types.ts';
import { parseOtlpJson, parseOtlpProtobuf } from './parse.ts';
import { encodeRequest } from './request-builder.ts';

// Seeded truncations, bit flips and insertions of valid OTLP requests, protobuf and JSON text: nothing
// but ParseError may escape. Change SEED to explore; failures print the seed and iteration.
const SEED = 0x07e1_0001;
const ITERATIONS = 3000;
const T = '1700000000123000000';
const request = {
  resourceMetrics: [{
    resource: { attributes: [{ key: 'host.name', value: { stringValue: 'h' } }, { key: 'n', value: { intValue: '-5' } }] },
    scopeMetrics: [{ metrics: [
      { name: 'g', gauge: { dataPoints: [{ timeUnixNano: T, asDouble: 1.5, attributes: [{ key: 'b', value: { boolValue: true } }] }] } },
      { name: 'c', sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [{ timeUnixNano: T, asInt: '99' }] } },
      { name: 'h', histogram: { aggregationTemporality: 1, dataPoints: [{ timeUnixNano: T, count: '3', sum: 6, bucketCounts: ['1', '1', '1'], explicitBounds: [1, 2], min: 1, max: 3 }] } },
      { name: 's', summary: { dataPoints: [{ timeUnixNano: T, count: '2', sum: 3, quantileValues: [{ quantile: 0.5, value: 1 }] }] } },
    ] }],
  }],
};

describe('OTLP parse fuzz', () => {
  it(`survives ${ITERATIONS} mutated protobuf and JSON bodies (seed ${SEED})`, () => {
    const rand = mulberry32(SEED);
    const int = (n: number): number => Math.floor(rand() * n);
    const proto = encodeRequest(request);
    const json = Buffer.from(JSON.stringify(request));
    for (let i = 0; i < ITERATIONS; i++) {
      const c = Buffer.from(i % 2 === 0 ? proto : json);
      let b: Buffer;
      switch (int(3)) {
        case 0:
          for (let k = 1 + int(4); k > 0; k--) c[int(c.length)] ^= 1 + int(255);
          b = c;
          break;
        case 1:
          b = c.subarray(0, int(c.length + 1));
          break;
        default: {
          const at = int(c.length + 1);
          b = Buffer.concat([c.subarray(0, at), Buffer.from(Array.from({ length: 1 + int(8) }, () => int(256))), c.subarray(at)]);
        }
      }
      try {
        const r = i % 2 === 0 ? parseOtlpProtobuf(b, { receivedAt: 1 }) : parseOtlpJson(b.toString('utf8'), { receivedAt: 1 });
        for (const rec of r.records) expect(rec.metric.length, `seed ${SEED} iteration ${i}`).toBeGreaterThan(0);
      } catch (err) {
        if (!(err instanceof ParseError)) throw new Error(`seed ${SEED} iteration ${i}: ${String(err)}`, { cause: err });
      }
    }
  });
});
