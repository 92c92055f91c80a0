import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AssetImportError, detectAssetFormat, parseAssetFile, type AssetFileFormat } from './assets-import.ts';

const FIXTURES = new URL('../test/fixtures/assets/', import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, FIXTURES), 'utf8');

function records(text: string, format: AssetFileFormat) {
  return parseAssetFile(text, format).records.map((r) => r.record);
}

describe('CSV', () => {
  it.each([
    ['aliases, case-insensitive headers', 'Hostname,MODEL,pop,Rack Unit\nweb-01,R650,fra1,x\n', [{ host: 'web-01', hw_model: 'R650', site: 'fra1', 'attr.rack_unit': 'x' }]],
    ['name means host, Data Center means site', 'name,Data Center\nweb-01,fra1\n', [{ host: 'web-01', site: 'fra1' }]],
    ['device means host, datacenter means site', 'device,datacenter\nweb-01,fra1\n', [{ host: 'web-01', site: 'fra1' }]],
    ['well-known names and units kept as text', 'host,cpu_cores,memory,nic_speed\nh,64,256GiB,25Gbps\n', [{ host: 'h', cpu_cores: '64', memory_bytes: '256GiB', nic_speed_bps: '25Gbps' }]],
    ['empty cells are absent', 'host,site,rack\nh,,R1\n', [{ host: 'h', rack: 'R1' }]],
    ['RFC 4180 quoting', 'host,owner,notes\nh,"cdn, edge","say ""hi""\nsecond line"\n', [{ host: 'h', 'attr.owner': 'cdn, edge', 'attr.notes': 'say "hi"\nsecond line' }]],
    ['CRLF, BOM, blank lines, trailing delimiter', '\uFEFFhost,site\r\n\r\nh1,fra1,\r\nh2,ams1\r\n', [{ host: 'h1', site: 'fra1' }, { host: 'h2', site: 'ams1' }]],
    ['attr., custom. and cf_ columns are attributes named as written', 'host,attr.Owner,custom.kernel_pin,cf_tier\nh,a,b,c\n', [{ host: 'h', 'attr.Owner': 'a', 'attr.kernel_pin': 'b', 'attr.tier': 'c' }]],
    ['valid_from column', 'host,valid_from\nh,2026-01-15T00:00:00Z\n', [{ host: 'h', valid_from: '2026-01-15T00:00:00Z' }]],
    ['semicolons when the header has no comma', 'host;site\nh;fra1\n', [{ host: 'h', site: 'fra1' }]],
    ['tabs', 'host\tsite\nh\tfra1\n', [{ host: 'h', site: 'fra1' }]],
    ['no final newline', 'host\nh', [{ host: 'h' }]],
  ])('%s', (_n, text, expected) => {
    const r = parseAssetFile(text, 'csv');
    expect(r.problems).toEqual([]);
    expect(r.records.map((x) => x.record)).toEqual(expected);
  });

  it('reads the fixture, with line numbers as origins', () => {
    const r = parseAssetFile(fixture('hosts.csv'), 'csv');
    expect(r.problems).toEqual([]);
    expect(r.records.map((x) => x.origin)).toEqual(['line 2', 'line 3', 'line 4', 'line 5']);
    expect(r.records[0].record).toEqual({
      host: 'edge-fra1-001', hw_model: 'PowerEdge R650', manufacturer: 'Dell', site: 'fra1', rack: 'R12', role: 'edge-cache', os: 'Debian 12',
      kernel: '6.1.0-18-amd64', cpu_cores: '64', memory_bytes: '256GiB', disk_capacity_bytes: '7.68TB', nic_speed_bps: '25Gbps', status: 'active',
      'attr.owner': 'cdn, edge team', 'attr.serial': 'CN7X1',
    });
    expect(r.records[3].record['attr.owner']).toBe('storage "core"');
  });

  it('reports bad rows with their line and keeps the others', () => {
    const r = parseAssetFile('host,site\nh1,fra1\n,ams1\nh3,fra1,extra\nh4\n"h5"x,fra1\nh6,ams1\n', 'csv');
    expect(r.records.map((x) => [x.origin, x.record.host])).toEqual([['line 2', 'h1'], ['line 7', 'h6']]);
    expect(r.problems).toEqual([
      { origin: 'line 3', message: 'cannot import the row: its host cell is empty' },
      { origin: 'line 4', host: 'h3', message: 'cannot read the row: 3 cells, the header has 2' },
      { origin: 'line 5', host: 'h4', message: 'cannot read the row: 1 cells, the header has 2' },
      { origin: 'line 6', host: 'h5', message: 'cannot read cell 1: text after its closing quote' },
    ]);
  });

  it('counts lines inside quoted cells', () => {
    const r = parseAssetFile('host,notes\nh1,"a\nb\nc"\n,x\n', 'csv');
    expect(r.problems[0].origin).toBe('line 5');
  });

  it.each([
    ['an empty file', '', /empty CSV file/, undefined],
    ['no host column', 'model,site\nR650,fra1\n', /no host column/, 1],
    ['two host columns', 'host,hostname\na,b\n', /columns 1 and 2 both give host/, 1],
    ['an unclosed quote', 'host,notes\nh,"abc\n', /quoted cell opened on line 2 is never closed/, 2],
  ])('refuses %s', (_n, text, message, line) => {
    let err: unknown;
    try {
      parseAssetFile(text, 'csv');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AssetImportError);
    expect((err as AssetImportError).message).toMatch(message);
    expect((err as AssetImportError).line).toBe(line);
  });

  it('reads the same text twice alike', () => {
    const text = fixture('hosts.csv');
    expect(parseAssetFile(text, 'csv')).toEqual(parseAssetFile(text, 'csv'));
  });
});

describe('NetBox device export', () => {
  it('maps a NetBox 4 page, reports the device without a name', () => {
    const r = parseAssetFile(fixture('netbox-devices.json'), 'netbox');
    expect(r.records.map((x) => x.origin)).toEqual(['results[0]', 'results[1]', 'results[2]']);
    expect(r.records[0].record).toEqual({
      host: 'edge-fra1-001',
      hw_model: 'PowerEdge R650',
      manufacturer: 'Dell',
      site: 'fra1',
      rack: 'R12',
      role: 'edge-cache',
      os: 'debian-12',
      status: 'active',
      kernel: '6.1.0-21-amd64',
      'attr.netbox_id': '101',
      'attr.serial': 'CN7X1',
      'attr.asset_tag': 'A-0101',
      'attr.tenant': null,
      'attr.location': null,
      'attr.primary_ip': '10.1.12.20/24',
      'attr.tags': 'edge,pci',
      'attr.nic_model': 'CX-6',
      'attr.uplink_gbps': '100',
      'attr.warranty_end': null,
    });
    // Null objects say "no value" (merge clears them); the site's name wins over its slug.
    expect(r.records[2].record).toMatchObject({ host: 'edge-ams1-002', site: 'Amsterdam 1', rack: null, os: null, status: 'planned', kernel: null, 'attr.tags': null });
    expect(r.problems).toEqual([{ origin: 'results[3]', message: 'cannot import device (id 250, serial J30B9, "SR630 V2 (J30B9)"): it has no name; name it in NetBox to track it here' }]);
  });

  it.each([
    ['older NetBox: device_role, status as text, site by slug', [{ name: 'h', device_role: { name: 'db' }, status: 'active', site: { slug: 'fra1' } }], { host: 'h', role: 'db', status: 'active', site: 'fra1' }],
    ['a brief export leaves out what it does not have', [{ id: 7, url: 'https://nb/api/dcim/devices/7/', display: 'h', name: 'h' }], { host: 'h', 'attr.netbox_id': '7' }],
    ['own fields win over custom fields of the same name', [{ name: 'h', platform: { name: 'debian-12' }, custom_fields: { os: 'Debian 12.5', cpu_cores: 64 } }], { host: 'h', os: 'debian-12', cpu_cores: '64' }],
    ['object and multi-select custom fields become text', [{ name: 'h', custom_fields: { owner: { id: 1, name: 'cdn' }, zones: ['a', 'b'] } }], { host: 'h', 'attr.owner': 'cdn', 'attr.zones': 'a,b' }],
  ])('%s', (_n, devices, expected) => {
    expect(records(JSON.stringify(devices), 'netbox')).toEqual([expected]);
  });

  it.each([
    ['not JSON', '{"results": [', /cannot parse JSON/],
    ['no device list', '{"count": 0}', /expected a page of \/api\/dcim\/devices\//],
  ])('refuses %s', (_n, text, message) => {
    expect(() => parseAssetFile(text, 'netbox')).toThrow(message);
  });
});

describe('plain JSON', () => {
  it.each([
    ['an array', '[{"host":"a","site":"fra1"},{"host":"b"}]'],
    ['an assets object', '{"assets":[{"host":"a","site":"fra1"},{"host":"b"}]}'],
  ])('reads %s', (_n, text) => {
    expect(records(text, 'json')).toEqual([{ host: 'a', site: 'fra1' }, { host: 'b' }]);
  });

  it('reports entries that are not objects', () => {
    const r = parseAssetFile('[{"host":"a"}, 3, ["b"]]', 'json');
    expect(r.records).toHaveLength(1);
    expect(r.problems.map((p) => p.origin)).toEqual(['index 1', 'index 2']);
  });

  it('refuses a document without records', () => expect(() => parseAssetFile('{"hosts": []}', 'json')).toThrow(/expected an array of records/));
});

describe('detectAssetFormat', () => {
  it.each([
    ['a .csv name whatever the text', 'hosts.csv', '[not json', 'csv'],
    ['a .tsv name', 'hosts.TSV', 'host\tsite', 'csv'],
    ['text that is not JSON', 'export', 'host,site\n', 'csv'],
    ['the NetBox fixture', 'devices.json', fixture('netbox-devices.json'), 'netbox'],
    ['devices with NetBox URLs', 'devices.json', '[{"name":"a","url":"https://nb/api/dcim/devices/1/"}]', 'netbox'],
    ['an assets object', 'assets.json', '{"assets": [{"host": "a"}]}', 'json'],
    ['an array after a BOM', '-', '\uFEFF  [{"host": "a"}]', 'json'],
  ] as const)('%s', (_n, name, text, format) => {
    expect(detectAssetFormat(name, text)).toBe(format);
  });
});
