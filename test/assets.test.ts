import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAssetStore } from '../query/assets-store.ts';
import { assetHistorySql, currentAssetsSql } from '../query/assets-schema.ts';
import { startFleetscope, type FleetscopeHandle } from './helpers/fleetscope.ts';
import { openTestStorage } from './helpers/storage.ts';

const ROOT = resolve(import.meta.dirname, '..');
const DAY = 86_400_000;
const GiB = 1024 ** 3;
const START = Date.now();
// Whole seconds well in the past, so that they read back exactly and sort before anything sent "now".
const T0 = Math.floor((START - 60 * DAY) / 1000) * 1000;
const T1 = T0 + 20 * DAY;
const T2 = T0 + 40 * DAY;

let fs: FleetscopeHandle;

beforeAll(async () => {
  fs = await startFleetscope();
});

afterAll(async () => {
  await fs?.stop();
});

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${fs.baseUrl}${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: res.status, body: await res.json() };
}

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/fleetscope.ts', 'assets', 'import', ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((res) => child.once('exit', (code) => res({ code, stdout, stderr })));
}

describe('PUT and GET /api/v1/assets', () => {
  it('stores a bulk upsert and reads it back by host, with filters and pages', async () => {
    const put = await api('PUT', '/api/v1/assets', {
      assets: [
        { host: 'bulk-c', hw_model: 'PowerEdge R650', site: 'fra1', cpu_cores: 64, memory_bytes: '256GiB', nic_speed_bps: '25Gbps', owner: 'cdn', valid_from: T0 },
        { host: 'bulk-a', hw_model: 'PowerEdge R650', site: 'fra1', cpu_cores: '64', memory_bytes: 274877906944, owner: 'cdn', valid_from: new Date(T0).toISOString() },
        { host: 'bulk-b', hw_model: 'ProLiant DL360', site: 'ams1', disk_capacity_bytes: '3.84TB', owner: 'web', valid_from: T0 },
      ],
    });
    expect(put).toEqual({ status: 200, body: { received: 3, changed: 3, unchanged: 0, rejected: 0, mode: 'replace', errors: [] } });

    const all = await api('GET', '/api/v1/assets?host=bulk-*');
    expect(all.body.total).toBe(3);
    expect(all.body.assets.map((a: { host: string }) => a.host)).toEqual(['bulk-a', 'bulk-b', 'bulk-c']);
    expect(all.body.assets[2]).toEqual({
      host: 'bulk-c', hw_model: 'PowerEdge R650', manufacturer: null, site: 'fra1', rack: null, role: null, os: null, kernel: null, cpu_model: null,
      cpu_cores: 64, memory_bytes: 256 * GiB, disk_capacity_bytes: null, nic_speed_bps: 25e9, status: null, attrs: { owner: 'cdn' }, valid_from: T0, source: 'api',
    });
    expect(all.body.assets[1]).toMatchObject({ disk_capacity_bytes: 3.84e12, valid_from: T0 });

    const hosts = async (q: string) => (await api('GET', `/api/v1/assets?${q}`)).body.assets.map((a: { host: string }) => a.host);
    expect(await hosts('host=bulk-*&site=fra1')).toEqual(['bulk-a', 'bulk-c']);
    expect(await hosts('host=bulk-*&attr.owner=web')).toEqual(['bulk-b']);
    expect(await hosts('host=bulk-*&site=fra1&site=ams1&memory_bytes=256GiB')).toEqual(['bulk-a', 'bulk-c']);
    expect(await hosts('host=bulk-*&nic_speed_bps=')).toEqual(['bulk-a', 'bulk-b']);
    expect(await hosts('host=bulk-?')).toEqual(['bulk-a', 'bulk-b', 'bulk-c']);
    const page = await api('GET', '/api/v1/assets?host=bulk-*&limit=1&offset=1');
    expect(page.body).toMatchObject({ total: 3, limit: 1, offset: 1, assets: [{ host: 'bulk-b' }] });
    expect((await api('GET', '/api/v1/assets/bulk-a')).body).toMatchObject({ host: 'bulk-a', cpu_cores: 64, memory_bytes: 256 * GiB, attrs: { owner: 'cdn' } });
  });

  it('answers unknown filters and hosts with clear errors', async () => {
    expect(await api('GET', '/api/v1/assets?model=R650')).toMatchObject({ status: 400, body: { error: { code: 'API_ERR_BAD_PARAM', where: { param: 'model' } } } });
    expect(await api('GET', '/api/v1/assets?cpu_cores=many')).toMatchObject({ status: 400, body: { error: { code: 'API_ERR_BAD_PARAM', where: { param: 'cpu_cores' } } } });
    expect(await api('GET', '/api/v1/assets/nobody')).toMatchObject({ status: 404, body: { error: { code: 'ASSET_ERR_NOT_FOUND' } } });
    expect(await api('GET', '/api/v1/assets/nobody/history')).toMatchObject({ status: 404, body: { error: { code: 'ASSET_ERR_NOT_FOUND' } } });
  });
});

describe('history', () => {
  it('makes a new version for a change: both are in history with valid_from and valid_to', async () => {
    expect((await api('PUT', '/api/v1/assets', [{ host: 'hist-1', hw_model: 'R640', kernel: '5.10', valid_from: T0 }])).body.changed).toBe(1);
    expect((await api('PUT', '/api/v1/assets', [{ host: 'hist-1', hw_model: 'R640', kernel: '6.1', valid_from: T2 }])).body).toMatchObject({ changed: 1, unchanged: 0 });
    const h = await api('GET', '/api/v1/assets/hist-1/history');
    expect(h.status).toBe(200);
    expect(h.body.versions.map((v: { valid_from: number; valid_to: number | null; kernel: string }) => [v.valid_from, v.valid_to, v.kernel])).toEqual([
      [T0, T2, '5.10'],
      [T2, null, '6.1'],
    ]);
    expect(h.body.versions[1]).toMatchObject({ deleted: false, source: 'api', changes: [{ field: 'kernel', from: '5.10', to: '6.1' }] });
    expect((await api('GET', '/api/v1/assets/hist-1')).body).toMatchObject({ kernel: '6.1', valid_from: T2 });
  });

  it('makes no version for a record sent again unchanged', async () => {
    expect((await api('PUT', '/api/v1/assets', [{ host: 'hist-1', hw_model: 'R640', kernel: '6.1' }])).body).toMatchObject({ received: 1, changed: 0, unchanged: 1 });
    expect((await api('PUT', '/api/v1/assets', { mode: 'merge', assets: [{ host: 'hist-1', kernel: '6.1' }] })).body).toMatchObject({ changed: 0, unchanged: 1 });
    expect((await api('GET', '/api/v1/assets/hist-1/history')).body.versions).toHaveLength(2);
  });

  it('puts a change with a past effective time in its place, and reads the record as of a time', async () => {
    expect((await api('PUT', '/api/v1/assets', { valid_from: T1, assets: [{ host: 'hist-1', hw_model: 'R640', kernel: '5.15' }] })).body.changed).toBe(1);
    const h = await api('GET', '/api/v1/assets/hist-1/history');
    expect(h.body.versions.map((v: { valid_from: number; valid_to: number | null; kernel: string }) => [v.valid_from, v.valid_to, v.kernel])).toEqual([
      [T0, T1, '5.10'],
      [T1, T2, '5.15'],
      [T2, null, '6.1'],
    ]);
    expect((await api('GET', '/api/v1/assets/hist-1')).body.kernel).toBe('6.1');
    expect((await api('GET', `/api/v1/assets/hist-1?at=${T1 + 1000}`)).body.kernel).toBe('5.15');
    expect((await api('GET', `/api/v1/assets/hist-1?at=${new Date(T1 - 1000).toISOString()}`)).body.kernel).toBe('5.10');
    expect((await api('GET', `/api/v1/assets?host=hist-1&kernel=5.15&at=${T1}`)).body.total).toBe(1);
    expect((await api('GET', `/api/v1/assets/hist-1?at=${T0 - 1000}`)).status).toBe(404);
  });

  it('merges only the given fields, and clears a field given as null', async () => {
    await api('PUT', '/api/v1/assets', [{ host: 'merge-1', hw_model: 'R650', site: 'fra1', rack: 'R1', owner: 'cdn', valid_from: T0 }]);
    const r = await api('PUT', '/api/v1/assets', { mode: 'merge', valid_from: T1, assets: [{ host: 'merge-1', rack: null, kernel: '6.1', attrs: { owner: null, tier: 'gold' } }] });
    expect(r.body).toMatchObject({ changed: 1, mode: 'merge' });
    expect((await api('GET', '/api/v1/assets/merge-1')).body).toMatchObject({ hw_model: 'R650', site: 'fra1', rack: null, kernel: '6.1', attrs: { tier: 'gold' } });
  });
});

describe('bad records', () => {
  it('refuses bad records with their index and field, and stores the good ones of the same request', async () => {
    const r = await api('PUT', '/api/v1/assets', [
      { host: 'good-1', site: 'fra1' },
      { host: 'bad-1', cpu_cores: 'many' },
      { site: 'ams1' },
      { host: 'bad-3', location: { rack: 'R1' } },
      { host: 'good-2', memory_bytes: '64G' },
    ]);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ received: 5, changed: 2, unchanged: 0, rejected: 3 });
    expect(r.body.errors).toEqual([
      { index: 1, host: 'bad-1', field: 'cpu_cores', message: expect.stringMatching(/^cannot read cpu_cores "many"/) },
      { index: 2, field: 'host', message: 'cannot read the record: host is required' },
      { index: 3, host: 'bad-3', field: 'location', message: expect.stringMatching(/^cannot read attribute location: expected text or a number, got an object/) },
    ]);
    expect((await api('GET', '/api/v1/assets/good-1')).status).toBe(200);
    expect((await api('GET', '/api/v1/assets/good-2')).body.memory_bytes).toBe(64 * GiB);
    expect((await api('GET', '/api/v1/assets/bad-1')).status).toBe(404);
  });

  it.each([
    ['only bad records', [{ host: 'x', cpu_cores: 'many' }], 400, 'ASSET_ERR_INVALID'],
    ['a body that is not JSON', '{"assets": [', 400, 'ASSET_ERR_INVALID'],
    ['an unknown mode', { mode: 'upsert', assets: [] }, 400, 'ASSET_ERR_INVALID'],
    ['an unknown body key', { asset: [] }, 400, 'ASSET_ERR_INVALID'],
    ['more than 50,000 records', Array.from({ length: 50_001 }, (_, i) => ({ host: `h${i}` })), 413, 'ASSET_ERR_TOO_MANY'],
  ])('answers %s with a clear error', async (_n, body, status, code) => {
    const r = await api('PUT', '/api/v1/assets', body);
    expect(r.status).toBe(status);
    expect(r.body.error.code).toBe(code);
    expect(r.body.error.message).toMatch(/^cannot /);
  });
});

describe('DELETE /api/v1/assets/:host', () => {
  it('retires a host: gone from current records, kept in history, and it can come back', async () => {
    await api('PUT', '/api/v1/assets', [{ host: 'ret-1', hw_model: 'R640', valid_from: T0 }, { host: 'ret-2', hw_model: 'R640', valid_from: T0 }]);
    const before = Date.now();
    const del = await api('DELETE', '/api/v1/assets/ret-1');
    expect(del.status).toBe(200);
    expect(del.body).toMatchObject({ host: 'ret-1', retired: true });
    expect(del.body.valid_from).toBeGreaterThanOrEqual(before);
    expect((await api('GET', '/api/v1/assets/ret-1')).status).toBe(404);
    expect((await api('GET', '/api/v1/assets?host=ret-*')).body.assets.map((a: { host: string }) => a.host)).toEqual(['ret-2']);
    const h = (await api('GET', '/api/v1/assets/ret-1/history')).body.versions;
    expect(h.map((v: { valid_to: number | null; deleted: boolean; hw_model: string | null }) => [v.valid_to, v.deleted, v.hw_model])).toEqual([
      [del.body.valid_from, false, 'R640'],
      [null, true, null],
    ]);
    expect((await api('DELETE', '/api/v1/assets/ret-1')).body.error.code).toBe('ASSET_ERR_NOT_FOUND');
    expect((await api('DELETE', '/api/v1/assets/nobody')).status).toBe(404);

    expect((await api('DELETE', `/api/v1/assets/ret-2?valid_from=${T1}`)).body.valid_from).toBe(T1);
    expect((await api('GET', `/api/v1/assets/ret-2?at=${T1 - 1000}`)).status).toBe(200);
    expect((await api('PUT', '/api/v1/assets', [{ host: 'ret-1', hw_model: 'R650' }])).body.changed).toBe(1);
    expect((await api('GET', '/api/v1/assets/ret-1')).body.hw_model).toBe('R650');
  });
});

describe('fleetscope assets import', () => {
  it('imports CSV through the CLI, and a second import changes nothing', async () => {
    const first = await cli(['test/fixtures/assets/hosts.csv', '--url', fs.baseUrl, '--valid-from', new Date(T1).toISOString()]);
    expect(first.stderr).toBe('');
    expect(first.stdout).toContain(`imported test/fixtures/assets/hosts.csv (csv, mode replace) into ${fs.baseUrl}`);
    expect(first.stdout).toContain('received 4, changed 4, unchanged 0, rejected 0');
    expect(first.code).toBe(0);
    expect((await api('GET', '/api/v1/assets/edge-fra1-001')).body).toEqual({
      host: 'edge-fra1-001', hw_model: 'PowerEdge R650', manufacturer: 'Dell', site: 'fra1', rack: 'R12', role: 'edge-cache', os: 'Debian 12',
      kernel: '6.1.0-18-amd64', cpu_model: null, cpu_cores: 64, memory_bytes: 256 * GiB, disk_capacity_bytes: 7.68e12, nic_speed_bps: 25e9, status: 'active',
      attrs: { owner: 'cdn, edge team', serial: 'CN7X1' }, valid_from: T1, source: 'csv',
    });
    expect((await api('GET', '/api/v1/assets/db-fra1-001')).body).toMatchObject({ memory_bytes: 1024 * GiB, nic_speed_bps: 100e9, attrs: { owner: 'storage "core"' } });

    // The URL from FLEETSCOPE_URL this time.
    const again = await cli(['test/fixtures/assets/hosts.csv'], { FLEETSCOPE_URL: fs.baseUrl });
    expect(again.stdout).toContain('received 4, changed 0, unchanged 4, rejected 0');
    expect(again.code).toBe(0);
  });

  it('reports bad CSV rows with their line, stores the others and exits 1', async () => {
    const r = await cli(['test/fixtures/assets/hosts-bad.csv', '--url', fs.baseUrl]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('received 4, changed 2, unchanged 0, rejected 2');
    expect(r.stdout).toContain('  line 4: cannot import the row: its host cell is empty');
    expect(r.stdout).toMatch(/ {2}line 3 \(host web-fra1-002\): cannot read memory_bytes "lots"/);
    expect((await api('GET', '/api/v1/assets?host=web-fra1-*')).body.assets.map((a: { host: string }) => a.host)).toEqual(['web-fra1-001', 'web-fra1-004']);
  });

  it('imports a NetBox export by merge, reports the device without a name and exits 1', async () => {
    const r = await cli(['test/fixtures/assets/netbox-devices.json', '--url', fs.baseUrl]);
    expect(r.stdout).toContain('(netbox, mode merge)');
    expect(r.stdout).toContain('received 4, changed 3, unchanged 0, rejected 1');
    expect(r.stdout).toContain('  results[3]: cannot import device (id 250, serial J30B9, "SR630 V2 (J30B9)"): it has no name');
    expect(r.code).toBe(1);
    // NetBox's fields and custom fields over what the CSV said; what NetBox does not know is kept.
    expect((await api('GET', '/api/v1/assets/edge-fra1-001')).body).toMatchObject({
      hw_model: 'PowerEdge R650', os: 'debian-12', kernel: '6.1.0-21-amd64', cpu_cores: 64, memory_bytes: 256 * GiB, source: 'netbox',
      attrs: { owner: 'cdn, edge team', serial: 'CN7X1', netbox_id: '101', asset_tag: 'A-0101', tags: 'edge,pci', nic_model: 'CX-6', uplink_gbps: '100', primary_ip: '10.1.12.20/24' },
    });
    expect((await api('GET', '/api/v1/assets/edge-ams1-002')).body).toMatchObject({ site: 'Amsterdam 1', rack: null, os: null, status: 'planned', attrs: { tenant: 'CDN', netbox_id: '202', serial: 'J30A2' } });
    const h = (await api('GET', '/api/v1/assets/edge-fra1-001/history')).body.versions;
    expect(h.map((v: { source: string }) => v.source)).toEqual(['csv', 'netbox']);
    expect(h[1].changes).toContainEqual({ field: 'kernel', from: '6.1.0-18-amd64', to: '6.1.0-21-amd64' });
    expect((await api('GET', '/api/v1/assets?attr.tags=edge')).body.assets.map((a: { host: string }) => a.host)).toEqual(['edge-ams1-001']);
  });

  it('says so and exits 3 when the server cannot be reached', async () => {
    // A port that was free a moment ago: nothing listens on it.
    const port = await new Promise<number>((res) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as AddressInfo).port;
        s.close(() => res(p));
      });
    });
    const r = await cli(['test/fixtures/assets/hosts.csv', '--url', `http://127.0.0.1:${port}`]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`fleetscope: cannot reach fleetscope at http://127.0.0.1:${port}: ECONNREFUSED`);
  });

  it('exits 2 on a file it cannot read', async () => {
    const r = await cli(['test/fixtures/assets/netbox-devices.json', '--url', fs.baseUrl, '--format', 'csv']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot import .* as csv: cannot read the CSV header: it has no host column/);
  });
});

describe('the SQL the query compiler joins', () => {
  it('sees what the asset store wrote: current records without retired or future ones, every version in history', async () => {
    const t = await openTestStorage();
    try {
      const store = createAssetStore(t.storage);
      const now = Date.now();
      await store.upsert([{ host: 'a', hw_model: 'R640', valid_from: T0 }, { host: 'a', hw_model: 'R650', valid_from: T1 }, { host: 'b', hw_model: 'R640', valid_from: T0 }], { mode: 'replace', source: 'api' });
      await store.upsert([{ host: 'a', hw_model: 'R750', valid_from: now + 10 * DAY }], { mode: 'replace', source: 'api' });
      await store.retire('b', { at: T2, source: 'api' });
      const current = await t.storage.query<{ host: string; hw_model: string }>(`SELECT host, hw_model FROM (${currentAssetsSql(t.storage.database)}) ORDER BY host`);
      expect(current).toEqual([{ host: 'a', hw_model: 'R650' }]);
      const history = await t.storage.query<{ host: string; hw_model: string; deleted: number }>(`SELECT host, hw_model, deleted FROM (${assetHistorySql(t.storage.database)}) ORDER BY host, valid_from`);
      expect(history.map((r) => [r.host, r.hw_model, Number(r.deleted)])).toEqual([
        ['a', 'R640', 0],
        ['a', 'R650', 0],
        ['a', 'R750', 0],
        ['b', 'R640', 0],
        ['b', '', 1],
      ]);
    } finally {
      await t.cleanup();
    }
  });
});
