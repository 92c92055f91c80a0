// Throughput of the remote write 1.0 parser (snappy + protobuf) on a node_exporter-shaped request.
// Run with `npx vitest bench --project unit --run ingest/parsers/prometheus`. Besides vitest's ops/s
// table, prints values/s and MB/s of the compressed body (one record per sample).
import { describe } from 'vitest';
import { throughputBench } from '../bench-throughput.ts';
import { parsePrometheusRemoteWrite } from './parse.ts';
import { snappyUncompress } from './snappy.ts';
import { snappy, writeRequest, type SeriesSpec } from './write-request-builder.ts';

const HOSTS = 250;
const T0 = 1_795_303_190_000;
const MAX_BYTES = 64 << 20;

/** 12 series per host: node_exporter metrics with their usual labels. */
const SERIES: readonly [name: string, labels: Record<string, string>][] = [
  ...['user', 'system', 'idle', 'iowait'].map((mode) => ['node_cpu_seconds_total', { cpu: '0', mode }] as [string, Record<string, string>]),
  ['node_load1', {}],
  ['node_load5', {}],
  ['node_load15', {}],
  ['node_memory_MemAvailable_bytes', {}],
  ['node_memory_MemTotal_bytes', {}],
  ['node_network_receive_bytes_total', { device: 'eth0' }],
  ['node_network_transmit_bytes_total', { device: 'eth0' }],
  ['node_filesystem_avail_bytes', { device: '/dev/sda1', fstype: 'ext4', mountpoint: '/' }],
];

/** One remote write request of 250 targets × 12 series, one sample each: about 400 KB of protobuf, 50 KB snappy. */
function series(): SeriesSpec[] {
  const out: SeriesSpec[] = [];
  for (let h = 0; h < HOSTS; h++) {
    SERIES.forEach(([name, labels], i) => {
      out.push({
        labels: { __name__: name, ...labels, instance: `web-${String(h).padStart(3, '0')}.example.net:9100`, job: 'node', env: 'prod' },
        samples: [[((h * 7919 + i * 104_729) % 1_000_000) / 7, T0 + h]],
      });
    });
  }
  return out;
}

const measured = throughputBench(HOSTS * SERIES.length);

const raw = writeRequest(series(), { metadata: true });
const body = snappy(raw);

describe(`parsePrometheusRemoteWrite (${(body.length / 1e3).toFixed(0)} KB snappy, ${(raw.length / 1e3).toFixed(0)} KB protobuf, ${HOSTS} hosts × ${SERIES.length} series)`, () => {
  measured('snappy WriteRequest', body.length, () => parsePrometheusRemoteWrite(body, { maxBytes: MAX_BYTES }));
  // The decompression alone, to tell its share (reference; one "value" per sample for comparison).
  measured('snappy decompression alone (reference)', body.length, () => {
    snappyUncompress(body, MAX_BYTES);
    return { records: new Array<unknown>(HOSTS * SERIES.length) };
  });
});
