// Throughput of the OTLP metrics parser, protobuf and JSON, on one export of a fleet of SDKs or
// collectors. Run with `npx vitest bench --project unit --run ingest/parsers/otlp`. Besides vitest's
// ops/s table, prints values/s and MB/s (one record per number data point).
import { describe } from 'vitest';
import { throughputBench } from '../bench-throughput.ts';
import { parseOtlpJson, parseOtlpProtobuf } from './parse.ts';
import { encodeRequest } from './request-builder.ts';

const HOSTS = 250;
const T0 = 1_795_303_190_000_000_000n;

const attr = (key: string, value: string) => ({ key, value: { stringValue: value } });

/**
 * One ExportMetricsServiceRequest of 250 resources (host.name, service.*), 12 number data points each:
 * 6 gauges and 6 cumulative sums (3 of them integer), each point with one or two attributes.
 */
function request(): Record<string, unknown> {
  const resourceMetrics = [];
  for (let h = 0; h < HOSTS; h++) {
    const time = String(T0 + BigInt(h) * 1_000_000n);
    const start = String(T0 - 3_600_000_000_000n);
    const v = (k: number) => ((h * 7919 + k * 104_729) % 10_000) / 100;
    const gauge = (name: string, k: number, attributes: object[]) => ({ name, unit: '1', gauge: { dataPoints: [{ timeUnixNano: time, asDouble: v(k), attributes }] } });
    const sum = (name: string, k: number, attributes: object[], int: boolean) => ({
      name,
      unit: int ? 'By' : 's',
      sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [{ startTimeUnixNano: start, timeUnixNano: time, ...(int ? { asInt: String(123_456_789 * (h + 1) + k) } : { asDouble: v(k) * 1000 }), attributes }] },
    });
    const metrics = [
      gauge('system.cpu.utilization', 1, [attr('cpu', '0'), attr('state', 'user')]),
      gauge('system.cpu.utilization', 2, [attr('cpu', '0'), attr('state', 'system')]),
      gauge('system.memory.utilization', 3, [attr('state', 'used')]),
      gauge('system.cpu.load_average.1m', 4, []),
      gauge('system.cpu.load_average.5m', 5, []),
      gauge('system.filesystem.utilization', 6, [attr('device', '/dev/sda1'), attr('mountpoint', '/')]),
      sum('system.cpu.time', 7, [attr('cpu', '0'), attr('state', 'user')], false),
      sum('system.cpu.time', 8, [attr('cpu', '0'), attr('state', 'idle')], false),
      sum('process.cpu.time', 9, [attr('state', 'user')], false),
      sum('system.network.io', 10, [attr('device', 'eth0'), attr('direction', 'receive')], true),
      sum('system.network.io', 11, [attr('device', 'eth0'), attr('direction', 'transmit')], true),
      sum('system.disk.io', 12, [attr('device', 'sda'), attr('direction', 'read')], true),
    ];
    const host = `web-${String(h).padStart(3, '0')}.example.net`;
    resourceMetrics.push({
      resource: { attributes: [attr('host.name', host), attr('service.name', 'api'), attr('service.instance.id', `${host}:8080`), attr('deployment.environment.name', 'prod'), attr('os.type', 'linux')] },
      scopeMetrics: [{ scope: { name: 'hostmetrics' }, metrics }],
    });
  }
  return { resourceMetrics };
}

const measured = throughputBench(HOSTS * 12);

const req = request();
const proto = encodeRequest(req);
const json = JSON.stringify(req);

describe(`OTLP metrics (${HOSTS} resources × 12 points)`, () => {
  measured(`protobuf (${(proto.length / 1e3).toFixed(0)} KB)`, proto.length, () => parseOtlpProtobuf(proto, { receivedAt: 0 }));
  measured(`JSON (${(json.length / 1e3).toFixed(0)} KB)`, json.length, () => parseOtlpJson(json, { receivedAt: 0 }));
});
