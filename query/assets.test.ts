import { describe, expect, it } from 'vitest';
import { readFieldValue, readValidFrom, validateAssetRecords, type AssetInput } from './assets.ts';

const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);
const GiB = 1024 ** 3;

function valid(raw: unknown): AssetInput {
  const r = validateAssetRecords([raw], NOW);
  expect(r.errors).toEqual([]);
  return r.valid[0].input;
}

describe('validateAssetRecords: accepted records', () => {
  it.each([
    ['host only', { host: 'web-01' }, { host: 'web-01', validFrom: undefined, fields: {}, attrs: {} }],
    ['host trimmed, case kept', { host: '  Web-01.example.com ' }, { host: 'Web-01.example.com', validFrom: undefined, fields: {}, attrs: {} }],
    [
      'well-known text fields',
      { host: 'h', hw_model: 'PowerEdge R650', site: 'fra1', rack: 12, status: 'active' },
      { host: 'h', validFrom: undefined, fields: { hw_model: 'PowerEdge R650', site: 'fra1', rack: '12', status: 'active' }, attrs: {} },
    ],
    [
      'numbers and sizes',
      { host: 'h', cpu_cores: '64', memory_bytes: '256GiB', disk_capacity_bytes: '3.84TB', nic_speed_bps: '25Gbps' },
      { host: 'h', validFrom: undefined, fields: { cpu_cores: 64, memory_bytes: 256 * GiB, disk_capacity_bytes: 3.84e12, nic_speed_bps: 25e9 }, attrs: {} },
    ],
    ['plain numbers', { host: 'h', cpu_cores: 32, memory_bytes: 68719476736 }, { host: 'h', validFrom: undefined, fields: { cpu_cores: 32, memory_bytes: 68719476736 }, attrs: {} }],
    [
      'null and empty text are "no value"',
      { host: 'h', rack: null, kernel: '  ', cpu_cores: null, memory_bytes: '' },
      { host: 'h', validFrom: undefined, fields: { rack: null, kernel: null, cpu_cores: null, memory_bytes: null }, attrs: {} },
    ],
    [
      'other keys are attributes, stringified',
      { host: 'h', serial: 'ABC123', uplinks: 2, pxe: true, 'attr.owner': 'team-a', attrs: { tags: 'edge,pci', gone: null } },
      { host: 'h', validFrom: undefined, fields: {}, attrs: { serial: 'ABC123', uplinks: '2', pxe: 'true', owner: 'team-a', tags: 'edge,pci', gone: null } },
    ],
    ['the same attribute twice with one value', { host: 'h', owner: 'a', attrs: { owner: 'a' } }, { host: 'h', validFrom: undefined, fields: {}, attrs: { owner: 'a' } }],
    ['valid_from in epoch ms', { host: 'h', valid_from: 1795262400000 }, { host: 'h', validFrom: 1795262400000, fields: {}, attrs: {} }],
    ['valid_from as ISO text', { host: 'h', valid_from: '2026-01-15T08:30:00Z' }, { host: 'h', validFrom: Date.UTC(2026, 0, 15, 8, 30), fields: {}, attrs: {} }],
    ['valid_from without zone is UTC', { host: 'h', valid_from: '2026-01-15 08:30:00' }, { host: 'h', validFrom: Date.UTC(2026, 0, 15, 8, 30), fields: {}, attrs: {} }],
    ['valid_from relative', { host: 'h', valid_from: '-1d' }, { host: 'h', validFrom: NOW - 86_400_000, fields: {}, attrs: {} }],
  ])('%s', (_name, raw, expected) => {
    expect(valid(raw)).toEqual(expected);
  });

  it('reads the same records twice alike', () => {
    const raws = [{ host: 'a', memory_bytes: '64G' }, { host: 'b', owner: 'x' }];
    expect(validateAssetRecords(raws, NOW)).toEqual(validateAssetRecords(raws, NOW));
  });
});

describe('validateAssetRecords: refused records', () => {
  it.each([
    ['not an object', 'web-01', undefined, undefined, /expected an object with a host, got string/],
    ['no host', { site: 'fra1' }, undefined, 'host', /host is required/],
    ['empty host', { host: '   ' }, '', 'host', /host is empty/],
    ['host not text', { host: 42 }, undefined, 'host', /expected text, got number 42/],
    ['host with a newline', { host: 'a\nb' }, 'a\nb', 'host', /control characters/],
    ['count not a number', { host: 'h', cpu_cores: 'many' }, 'h', 'cpu_cores', /cannot read cpu_cores "many": use a whole number/],
    ['memory without a unit we know', { host: 'h', memory_bytes: '64 gigs' }, 'h', 'memory_bytes', /64GiB/],
    ['NIC speed in bytes', { host: 'h', nic_speed_bps: '10GB/s' }, 'h', 'nic_speed_bps', /bits per second/],
    ['a well-known field as an object', { host: 'h', site: { name: 'fra1' } }, 'h', 'site', /cannot read site: expected text or a number, got an object/],
    ['a nested attribute', { host: 'h', location: { rack: 'r1' } }, 'h', 'location', /nested objects and lists are not accepted/],
    ['a list attribute', { host: 'h', attrs: { tags: ['a', 'b'] } }, 'h', 'attrs.tags', /got a list/],
    ['attrs not an object', { host: 'h', attrs: 'x' }, 'h', 'attrs', /expected an object of key → text/],
    ['a key fleetscope sets', { host: 'h', recorded_at: 1 }, 'h', 'recorded_at', /fleetscope sets it/],
    ['a well-known field inside attrs', { host: 'h', attrs: { hw_model: 'x' } }, 'h', 'attrs.hw_model', /well-known field; send it as hw_model/],
    ['one attribute with two values', { host: 'h', owner: 'a', attrs: { owner: 'b' } }, 'h', 'attrs.owner', /given twice/],
    ['valid_from in seconds', { host: 'h', valid_from: 1795262400 }, 'h', 'valid_from', /not seconds/],
    ['valid_from far ahead', { host: 'h', valid_from: '2031-01-01' }, 'h', 'valid_from', /more than a year ahead/],
    ['valid_from unreadable', { host: 'h', valid_from: 'yesterday' }, 'h', 'valid_from', /ISO 8601/],
  ])('%s', (_name, raw, host, field, message) => {
    const r = validateAssetRecords([{ host: 'good' }, raw], NOW);
    expect(r.valid.map((v) => v.index)).toEqual([0]);
    expect(r.rejected).toBe(1);
    expect(r.errors[0]).toMatchObject({ index: 1, ...(host !== undefined ? { host } : {}), ...(field ? { field } : {}) });
    if (host === undefined) expect(r.errors[0].host).toBeUndefined();
    expect(r.errors[0].message).toMatch(message);
    expect(r.errors[0].message).toMatch(/^cannot /);
  });

  it('lists every problem of a record and counts it once', () => {
    const r = validateAssetRecords([{ host: 'h', cpu_cores: 'x', memory_bytes: 'y' }], NOW);
    expect(r.rejected).toBe(1);
    expect(r.errors.map((e) => e.field)).toEqual(['cpu_cores', 'memory_bytes']);
  });
});

describe('readValidFrom', () => {
  it.each([
    [1795262400000, 1795262400000],
    ['1795262400000', 1795262400000],
    ['2026-11-21T10:00:00+01:00', Date.UTC(2026, 10, 21, 9)],
    ['now', NOW],
  ] as const)('%j', (input, ms) => expect(readValidFrom(input, NOW)).toEqual({ ms }));
  it.each([['soon'], [true], [1e9], [Number.POSITIVE_INFINITY]])('refuses %j', (input) => expect(readValidFrom(input, NOW)).toHaveProperty('error'));
});

describe('readFieldValue', () => {
  it.each([
    ['site', ' fra1 ', 'fra1'],
    ['site', '', null],
    ['memory_bytes', '64G', 64 * GiB],
    ['nic_speed_bps', '10G', 1e10],
    ['cpu_cores', '', null],
  ] as const)('%s=%j', (field, text, value) => expect(readFieldValue(field, text)).toEqual({ value }));
  it('refuses a number field it cannot read', () => expect(readFieldValue('cpu_cores', 'lots')).toEqual({ error: expect.stringMatching(/^cannot read cpu_cores "lots"/) }));
});
