import { describe, expect, it } from 'vitest';
import type { EventRecord, MetricRecord } from './record.ts';
import { seriesId } from './series-id.ts';
import { blockToken, decodeRecords, encodeRecords, parsePendingMetadata, partitionOfHost, partitionOfSeries, pendingMetadata, TopicDecodeError } from './topic.ts';

const records: MetricRecord[] = [
  { metric: 'load.shortterm', host: 'web-1', labels: {}, kind: 'gauge', ts: 1_700_000_000_123, value: 0.25, interval: 10_000 },
  { metric: 'interface.if_octets.rx', host: 'web-1', labels: { plugin_instance: 'eth0' }, kind: 'counter', ts: 1_700_000_000_123, value: 18446744073709552000, raw: 18446744073709551615n, interval: 10_000 },
  { metric: 'cpu.derive', host: 'web-2', labels: {}, kind: 'derive', ts: 1, value: -5, raw: -5n, interval: 0 },
  { metric: 'g', host: 'h', labels: {}, kind: 'gauge', ts: 2, value: NaN, interval: 0 },
  { metric: 'g', host: 'h', labels: {}, kind: 'gauge', ts: 3, value: Infinity, interval: 0 },
  { metric: 'g', host: 'h', labels: {}, kind: 'gauge', ts: 4, value: -Infinity, interval: 0 },
];
const events: EventRecord[] = [{ ts: 5, host: 'web-1', severity: 'failure', source: 'collectd', message: 'disk full', attrs: { plugin: 'df' } }];

describe('records topic contract', () => {
  it('round-trips records and events exactly, 64-bit integers and non-finite values included', () => {
    const back = decodeRecords(encodeRecords('collectd_json', records, events));
    expect(back.format).toBe('collectd_json');
    expect(back.events).toEqual(events);
    expect(back.records).toHaveLength(records.length);
    for (let i = 0; i < records.length; i++) {
      expect(back.records[i]).toEqual(records[i]);
      expect(Object.is(back.records[i].value, records[i].value)).toBe(true);
    }
    expect(back.records[1].raw).toBe(18446744073709551615n);
  });

  it('leaves events out when there are none', () => {
    expect(JSON.parse(encodeRecords('f', records.slice(0, 1), []).toString())).not.toHaveProperty('e');
    expect(decodeRecords(encodeRecords('f', records.slice(0, 1), [])).events).toEqual([]);
  });

  it.each([
    ['empty message', null],
    ['not JSON', Buffer.from('{"v":1,')],
    ['record version 2, expected 1', Buffer.from('{"v":2,"f":"x","m":[]}')],
    ['format "f" missing', Buffer.from('{"v":1,"m":[]}')],
    ['metric records "m" missing', Buffer.from('{"v":1,"f":"x"}')],
    ['metric record is not an array of 8 (entry 0)', Buffer.from('{"v":1,"f":"x","m":[["a","h",{},"gauge",1,1,null]]}')],
    ['kind is not gauge, counter, derive or absolute (entry 1)', Buffer.from('{"v":1,"f":"x","m":[["a","h",{},"gauge",1,1,null,0],["a","h",{},"rate",1,1,null,0]]}')],
    ['labels are not an object of strings (entry 0)', Buffer.from('{"v":1,"f":"x","m":[["a","h",{"k":1},"gauge",1,1,null,0]]}')],
    ['time is not an integer of milliseconds (entry 0)', Buffer.from('{"v":1,"f":"x","m":[["a","h",{},"gauge",1.5,1,null,0]]}')],
    ['value is neither a number nor nan/inf/-inf (entry 0)', Buffer.from('{"v":1,"f":"x","m":[["a","h",{},"gauge",1,"1",null,0]]}')],
    ['raw is not a decimal integer string (entry 0)', Buffer.from('{"v":1,"f":"x","m":[["a","h",{},"counter",1,1,"0x10",0]]}')],
    ['event is not an array of 6 (entry 0)', Buffer.from('{"v":1,"f":"x","m":[],"e":[[1,"h"]]}')],
  ])('refuses a message that breaks the contract: %s', (message, value) => {
    expect(() => decodeRecords(value)).toThrow(TopicDecodeError);
    expect(() => decodeRecords(value)).toThrow(message);
  });

  it('puts a series on one partition, spreading series over all of them', () => {
    const id = seriesId('load.shortterm', 'web-1', {});
    expect(partitionOfSeries(id, 6)).toBe(Number(BigInt(id) % 6n));
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) seen.add(partitionOfSeries(seriesId('m', `host-${i}`, {}), 6));
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    const hosts = new Set<number>();
    for (let i = 0; i < 200; i++) hosts.add(partitionOfHost(`host-${i}`, 4));
    expect([...hosts].sort()).toEqual([0, 1, 2, 3]);
    expect(partitionOfHost('web-1', 4)).toBe(partitionOfHost('web-1', 4));
  });

  it('names a block by topic, partition and offset range, and reads intents back', () => {
    expect(blockToken('fleetscope.records.v1', 3, 100, 250)).toBe('fleetscope.records.v1:3:100-250');
    expect(() => blockToken("x'; DROP", 0, 0, 0)).toThrow('characters Kafka does not allow');
    expect(parsePendingMetadata(pendingMetadata(250))).toBe(250);
    expect(parsePendingMetadata('')).toBeUndefined();
    expect(parsePendingMetadata(null)).toBeUndefined();
    expect(parsePendingMetadata('pending:x')).toBeUndefined();
  });
});
