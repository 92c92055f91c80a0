// The change API over HTTP against the real engine: posting one change or many, re-posting an id,
// refusing bad changes with where they are wrong, withdrawing, listing by host with group changes
// resolved to their hosts, and asset changes appearing once an asset record changes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../bin/config.ts';
import { parseRoles } from '../bin/roles.ts';
import { buildServer, type Server } from '../bin/serve.ts';

const H = 3_600_000;
// Whole seconds in the past, so that times read back exactly.
const T0 = Math.floor((Date.now() - 10 * 86_400_000) / 1000) * 1000;
let server: Server;
let dir: string;

async function api(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await server.app.inject({ method, url, ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, payload: typeof body === 'string' ? body : JSON.stringify(body) }) });
  return { status: res.statusCode, body: res.json() };
}

const ids = (r: { body: { changes: { id: string }[] } }) => r.body.changes.map((c) => c.id);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fleetscope-changes-'));
  const config = readConfig(undefined, { FLEETSCOPE_HTTP_PORT: '0', FLEETSCOPE_HTTP_HOST: '127.0.0.1', FLEETSCOPE_STORAGE_DATA_DIR: dir, FLEETSCOPE_COLLECTD_UDP_PORT: '0' });
  server = await buildServer(config, pino({ level: process.env.TEST_LOG ?? 'silent' }), parseRoles('all'));
  const put = await api('PUT', '/api/v1/assets', {
    valid_from: T0,
    assets: [
      { host: 'web-01', role: 'web', kernel: '6.1.0-17', hw_model: 'R640' },
      { host: 'web-02', role: 'web', kernel: '6.1.0-17', hw_model: 'R640' },
      { host: 'db-01', role: 'db', kernel: '6.1.0-17', hw_model: 'R640' },
    ],
  });
  expect(put.status).toBe(200);
}, 120_000);

afterAll(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('POST /api/v1/changes', () => {
  it('stores one change and answers 201 with its generated id and hosts', async () => {
    const r = await api('POST', '/api/v1/changes', { ts: T0 + 1 * H, kind: 'deploy', host: 'web-01', description: 'api 2.4.1', link: 'https://ci.example/builds/981' });
    expect(r.status).toBe(201);
    const [c] = r.body.changes;
    expect(c.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(c).toMatchObject({ ts: T0 + H, kind: 'deploy', scope: 'host', hosts: ['web-01'], description: 'api 2.4.1', link: 'https://ci.example/builds/981', source: 'api', attrs: {} });
    expect((await api('GET', `/api/v1/changes/${c.id}`)).body).toEqual(c);
  });

  it('stores an array with every scope; ISO times; a group resolves to its hosts, the fleet to *', async () => {
    const r = await api('POST', '/api/v1/changes', [
      { id: 'salt-77', ts: new Date(T0 + 2 * H).toISOString(), kind: 'config', group: { field: 'role', value: 'web' }, description: 'salt highstate', attrs: { run: '77' } },
      { id: 'cdn-1', ts: T0 + 3 * H, kind: 'other', fleet: true, description: 'CDN switch' },
      { id: 'fw-db', ts: T0 + 4 * H, endTs: T0 + 5 * H, kind: 'firmware', hosts: ['db-01'], description: 'BIOS 2.19' },
    ]);
    expect(r.status).toBe(201);
    expect(r.body.changes.map((c: { id: string; hosts: string[] }) => [c.id, c.hosts])).toEqual([
      ['salt-77', ['web-01', 'web-02']],
      ['cdn-1', ['*']],
      ['fw-db', ['db-01']],
    ]);
    expect(r.body.changes[0]).toMatchObject({ ts: T0 + 2 * H, scope: 'group', group: { field: 'role', value: 'web' }, attrs: { run: '77' } });
    expect(r.body.changes[2].endTs).toBe(T0 + 5 * H);
  });

  it('replaces a change re-posted with the same id', async () => {
    const first = await api('POST', '/api/v1/changes', { id: 'deploy-9', ts: T0 + 6 * H, kind: 'deploy', host: 'web-02', description: 'api 2.5.0' });
    expect(first.status).toBe(201);
    const again = await api('POST', '/api/v1/changes', { id: 'deploy-9', ts: T0 + 6 * H, kind: 'deploy', host: 'web-02', description: 'api 2.5.0 (retried)' });
    expect(again.status).toBe(201);
    const listed = await api('GET', `/api/v1/changes?from=${T0}&to=${T0 + 7 * H}&source=api`);
    expect(listed.body.changes.filter((c: { id: string }) => c.id === 'deploy-9').map((c: { description: string }) => c.description)).toEqual(['api 2.5.0 (retried)']);
  });

  it.each([
    ['no scope', { kind: 'deploy', description: 'x' }, 0, 'host'],
    ['two scopes', { kind: 'deploy', description: 'x', host: 'a', fleet: true }, 0, 'fleet'],
    ['an unknown kind', { kind: 'reboot', host: 'a', description: 'x' }, 0, 'kind'],
    ['an empty description', { kind: 'deploy', host: 'a', description: '' }, 0, 'description'],
    ['a link that is not http', { kind: 'deploy', host: 'a', description: 'x', link: 'javascript:alert(1)' }, 0, 'link'],
    ['a bad time', { kind: 'deploy', host: 'a', description: 'x', ts: 'yesterday' }, 0, 'ts'],
    ['an unknown key', { kind: 'deploy', host: 'a', description: 'x', team: 'web' }, 0, ''],
    ['a reserved id', { id: 'asset:web-01:1:kernel', kind: 'deploy', host: 'a', description: 'x' }, 0, 'id'],
    ['a bad second change', [{ kind: 'deploy', host: 'a', description: 'ok' }, { kind: 'deploy', hosts: [], description: 'x' }], 1, 'hosts'],
  ])('refuses %s with 400 CHANGE_ERR_INVALID and where', async (_name, body, index, path) => {
    const r = await api('POST', '/api/v1/changes', body);
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('CHANGE_ERR_INVALID');
    expect(r.body.error.where).toEqual({ index, path });
  });

  it('stores nothing of a request with an invalid change, and refuses JSON it cannot parse or too many changes', async () => {
    await api('POST', '/api/v1/changes', [{ id: 'never', ts: T0, kind: 'deploy', host: 'a', description: 'ok' }, { kind: 'nope' }]);
    expect((await api('GET', '/api/v1/changes/never')).status).toBe(404);
    const bad = await api('POST', '/api/v1/changes', '{"kind": ');
    expect([bad.status, bad.body.error.code]).toEqual([400, 'CHANGE_ERR_INVALID']);
    const many = await api('POST', '/api/v1/changes', Array.from({ length: 1001 }, () => ({ kind: 'deploy', host: 'a', description: 'x' })));
    expect([many.status, many.body.error.code, many.body.error.where]).toEqual([413, 'CHANGE_ERR_TOO_MANY', { received: 1001, max: 1000 }]);
  });
});

describe('GET and DELETE /api/v1/changes', () => {
  it('filters by host, resolving group and fleet changes, and by kind', async () => {
    const range = `from=${T0}&to=${T0 + 7 * H}`;
    const web2 = await api('GET', `/api/v1/changes?${range}&host=web-02`);
    expect(ids(web2)).toEqual(['deploy-9', 'cdn-1', 'salt-77']);
    expect(web2.body.changes.find((c: { id: string }) => c.id === 'salt-77').hosts).toEqual(['web-01', 'web-02']);
    const db = await api('GET', `/api/v1/changes?${range}&host=db-01`);
    expect(ids(db)).toEqual(['fw-db', 'cdn-1']);
    const configs = await api('GET', `/api/v1/changes?${range}&kind=config,firmware`);
    expect(ids(configs)).toEqual(['fw-db', 'salt-77']);
    expect((await api('GET', `/api/v1/changes?${range}&kind=reboot`)).body.error).toMatchObject({ code: 'API_ERR_BAD_PARAM', where: { param: 'kind' } });
    expect((await api('GET', `/api/v1/changes?${range}&colour=red`)).status).toBe(400);
  });

  it('withdraws a change: it is gone from reads and a second withdrawal is 404', async () => {
    expect(await api('DELETE', '/api/v1/changes/cdn-1')).toEqual({ status: 200, body: { id: 'cdn-1', withdrawn: true } });
    expect((await api('GET', '/api/v1/changes/cdn-1')).body.error.code).toBe('CHANGE_ERR_NOT_FOUND');
    expect(ids(await api('GET', `/api/v1/changes?from=${T0}&to=${T0 + 7 * H}&host=db-01`))).toEqual(['fw-db']);
    expect((await api('DELETE', '/api/v1/changes/cdn-1')).status).toBe(404);
  });

  it('lists the changes derived from asset history once PUT /api/v1/assets changes a record', async () => {
    const at = T0 + 8 * H;
    const range = `from=${T0}&to=${T0 + 9 * H}`;
    expect(ids(await api('GET', `/api/v1/changes?${range}&source=asset_history`))).toEqual([]);
    const put = await api('PUT', '/api/v1/assets', { valid_from: at, mode: 'merge', assets: [{ host: 'web-01', kernel: '6.1.0-18' }] });
    expect(put.body.changed).toBe(1);
    const derived = await api('GET', `/api/v1/changes?${range}&source=asset_history`);
    const id = `asset:web-01:${at}:kernel`;
    expect(derived.body.changes).toEqual([
      { id, ts: at, kind: 'kernel', scope: 'host', hosts: ['web-01'], description: 'kernel 6.1.0-17 → 6.1.0-18', link: '/hosts/web-01', source: 'asset_history', attrs: { field: 'kernel', from: '6.1.0-17', to: '6.1.0-18' } },
    ]);
    expect(ids(await api('GET', `/api/v1/changes?${range}&host=web-01`))[0]).toBe(id);
    expect(ids(await api('GET', `/api/v1/changes?${range}&host=web-02`))).not.toContain(id);
    expect((await api('GET', `/api/v1/changes/${encodeURIComponent(id)}`)).body.description).toBe('kernel 6.1.0-17 → 6.1.0-18');
    expect((await api('DELETE', `/api/v1/changes/${encodeURIComponent(id)}`)).body.error.code).toBe('CHANGE_ERR_INVALID');
  });
});
