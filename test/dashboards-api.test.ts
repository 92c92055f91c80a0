// Saved dashboards through a real server on the embedded engine: create, list, read, save with a
// version check, conflicts, delete, refused bodies, and the JSON export imported again.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../bin/config.ts';
import { parseRoles } from '../bin/roles.ts';
import { buildServer, type Server } from '../bin/serve.ts';
import type { DashboardSpec } from '../query/dashboards-api.ts';

let server: Server;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fleetscope-dashboards-'));
  const config = readConfig(undefined, { FLEETSCOPE_HTTP_PORT: '0', FLEETSCOPE_STORAGE_DATA_DIR: dir });
  server = await buildServer(config, pino({ level: process.env.TEST_LOG ?? 'silent' }), parseRoles('dashboards'));
}, 120_000);

afterAll(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function api(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown) {
  const res = await server.app.inject({ method, url, ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json' } }) });
  return { status: res.statusCode, headers: res.headers, text: res.body, body: res.body ? (res.json() as any) : undefined };
}

const spec = (name: string, panels = 2) => ({
  name,
  description: 'latency of the web fleet',
  time: { from: 'now-6h', to: 'now', refresh: '1m' },
  panels: Array.from({ length: panels }, (_, i) => ({ id: `p${i}`, title: `Panel ${i}`, query: `metric "http.response_time_ms" last 6h | stats avg_ms = avg(value) by host`, view: 'timechart' as const })),
});

describe('saved dashboards', () => {
  it('creates, lists by name, reads, and saves with a version check', async () => {
    const a = await api('POST', '/api/v1/dashboards', spec('Web latency', 3));
    expect(a.status).toBe(201);
    const id = a.body.dashboard.id as string;
    expect(id).toMatch(/^[a-z0-9]{10}$/);
    // Panel sizes default to 6 × 4.
    expect(a.body.dashboard).toMatchObject({ id, name: 'Web latency', version: 1, panels: spec('x', 3).panels.map((p) => ({ ...p, w: 6, h: 4 })) });
    const b = await api('POST', '/api/v1/dashboards', { name: 'Disks', panels: [{ id: 'notes', title: 'Notes', view: 'markdown', markdown: '# Disks' }] });
    expect(b.status).toBe(201);
    expect(b.body.dashboard.id).not.toBe(id);

    const list = await api('GET', '/api/v1/dashboards');
    expect(list.status).toBe(200);
    const mine = list.body.dashboards.filter((d: { id: string }) => [id, b.body.dashboard.id].includes(d.id));
    expect(mine.map((d: { name: string; panels: number }) => [d.name, d.panels])).toEqual([
      ['Disks', 1],
      ['Web latency', 3],
    ]);
    expect(typeof mine[0].updatedAt).toBe('number');

    const got = await api('GET', `/api/v1/dashboards/${id}`);
    expect(got.status).toBe(200);
    expect(got.body.dashboard).toEqual(a.body.dashboard);

    // What was read can be sent back as it is, version included.
    const edited = { ...got.body.dashboard, name: 'Web latency (p99)' };
    const put = await api('PUT', `/api/v1/dashboards/${id}`, edited);
    expect(put.status).toBe(200);
    expect(put.body.dashboard).toMatchObject({ id, name: 'Web latency (p99)', version: 2 });
    expect((await api('GET', `/api/v1/dashboards/${id}`)).body.dashboard.name).toBe('Web latency (p99)');

    // A second save from the same version is refused, and says which version is current.
    const stale = await api('PUT', `/api/v1/dashboards/${id}`, { ...spec('Web latency (old tab)'), version: 1 });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('DASHBOARD_ERR_CONFLICT');
    expect(stale.body.error.message).toContain('current version is 2');
    expect(stale.body.error.where).toMatchObject({ id, version: 1, current: 2 });
    expect((await api('GET', `/api/v1/dashboards/${id}`)).body.dashboard).toMatchObject({ name: 'Web latency (p99)', version: 2 });

    // Without a version, a save always goes through.
    const forced = await api('PUT', `/api/v1/dashboards/${id}`, spec('Web latency'));
    expect(forced.body.dashboard.version).toBe(3);
  });

  it('PUT creates a dashboard under a new id; DELETE removes it; both answer 404 for one that is gone', async () => {
    const created = await api('PUT', '/api/v1/dashboards/team-web', spec('Team web'));
    expect(created.status).toBe(201);
    expect(created.body.dashboard).toMatchObject({ id: 'team-web', version: 1 });

    const del = await api('DELETE', '/api/v1/dashboards/team-web');
    expect(del).toMatchObject({ status: 200, body: { deleted: 'team-web' } });
    for (const [method, url] of [
      ['GET', '/api/v1/dashboards/team-web'],
      ['DELETE', '/api/v1/dashboards/team-web'],
      ['GET', '/api/v1/dashboards/never-saved'],
      ['GET', '/api/v1/dashboards/not%20an%20id'],
    ] as const) {
      const res = await api(method, url);
      expect(res.status, `${method} ${url}`).toBe(404);
      expect(res.body.error.code).toBe('DASHBOARD_ERR_NOT_FOUND');
    }
    expect((await api('GET', '/api/v1/dashboards')).body.dashboards.map((d: { id: string }) => d.id)).not.toContain('team-web');
    // Saving over a deleted dashboard's version is a conflict; without a version it comes back, newer than the deletion.
    expect((await api('PUT', '/api/v1/dashboards/team-web', { ...spec('Team web'), version: 1 })).status).toBe(409);
    const again = await api('PUT', '/api/v1/dashboards/team-web', spec('Team web again'));
    expect(again.status).toBe(201);
    expect(again.body.dashboard.version).toBe(3);
    expect((await api('GET', '/api/v1/dashboards/team-web')).body.dashboard.name).toBe('Team web again');
  });

  it.each([
    ['an empty panel title', { ...spec('x'), panels: [spec('x').panels[0], spec('x').panels[1], { id: 'p2', title: '', query: 'metric "a" last 1h' }] }, 'panels.2.title'],
    ['an unknown key in a panel', { ...spec('x'), panels: [{ ...spec('x').panels[0], colour: 'red' }] }, 'panels.0.colour'],
    ['an unknown key at the top', { ...spec('x'), owner: 'me' }, 'owner'],
    ['a missing name', { panels: [] }, 'name'],
    ['a query panel without a query', { name: 'x', panels: [{ id: 'a', title: 'A', view: 'table' }] }, 'panels.0.query'],
    ['a panel wider than the grid', { name: 'x', panels: [{ id: 'a', title: 'A', query: 'q', w: 13 }] }, 'panels.0.w'],
    ['an unknown view', { name: 'x', panels: [{ id: 'a', title: 'A', query: 'q', view: 'pie' }] }, 'panels.0.view'],
    ['two panels with one id', { name: 'x', panels: [{ id: 'a', title: 'A', query: 'q' }, { id: 'a', title: 'B', query: 'q' }] }, 'panels.1.id'],
    ['an unreadable time', { name: 'x', time: { from: 'yesterday', to: 'now' }, panels: [] }, 'time.from'],
    ['too many panels', { name: 'x', panels: Array.from({ length: 51 }, (_, i) => ({ id: `p${i}`, title: 'T', query: 'q' })) }, 'panels'],
    ['a body that is not JSON', '{"name": ', ''],
  ])('refuses %s with 400 and the path of the problem', async (_what, body, path) => {
    for (const [method, url] of [
      ['POST', '/api/v1/dashboards'],
      ['PUT', '/api/v1/dashboards/refused'],
    ] as const) {
      const res = await api(method, url, body);
      expect(res.status, `${method}: ${res.text}`).toBe(400);
      expect(res.body.error.code).toBe('DASHBOARD_ERR_INVALID');
      expect(res.body.error.where).toEqual({ path });
      if (path !== '') expect(res.body.error.message).toContain(`${path}:`);
    }
    expect((await api('GET', '/api/v1/dashboards/refused')).status).toBe(404);
  });

  it('refuses a body over 256 KiB with 413', async () => {
    const big = { name: 'big', panels: [{ id: 'a', title: 'A', view: 'markdown', markdown: 'x'.repeat(20_000) }], description: 'y'.repeat(300 * 1024) };
    const res = await api('POST', '/api/v1/dashboards', big);
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('DASHBOARD_ERR_TOO_LARGE');
  });

  it('downloads a dashboard as a JSON file that POST imports as a copy', async () => {
    const original = (await api('POST', '/api/v1/dashboards', spec('Höst CPU / memory', 2))).body.dashboard;
    const file = await api('GET', `/api/v1/dashboards/${original.id}?download=1`);
    expect(file.status).toBe(200);
    expect(file.headers['content-type']).toMatch(/^application\/json/);
    expect(file.headers['content-disposition']).toBe('attachment; filename="host-cpu-memory.json"');
    const exported = JSON.parse(file.text) as DashboardSpec & { id: string };
    // The spec and the id only: no server fields.
    const { id: _id, version: _v, updatedAt: _u, ...originalSpec } = original;
    expect(exported).toEqual({ id: original.id, ...originalSpec });

    const copy = await api('POST', '/api/v1/dashboards', file.text);
    expect(copy.status).toBe(201);
    expect(copy.body.dashboard.id).not.toBe(original.id);
    const { id: _cid, version: _cv, updatedAt: _cu, ...copySpec } = copy.body.dashboard;
    expect(copySpec).toEqual(originalSpec);
    // Imported with PUT under its own id, it becomes the next version of the same dashboard.
    const back = await api('PUT', `/api/v1/dashboards/${original.id}`, file.text);
    expect(back.status).toBe(200);
    expect(back.body.dashboard).toMatchObject({ id: original.id, version: 2 });
  });
});
