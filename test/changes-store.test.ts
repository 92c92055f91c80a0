// The change store against the real engine: posted changes by scope, changes derived from asset
// history (a kernel upgrade, a hardware swap), group changes resolved to their hosts as of the change.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Storage } from '../lib/clickhouse/client.ts';
import { migrate } from '../lib/clickhouse/migrate.ts';
import { changeHosts, getChange, groupMembers, insertChanges, listChanges } from '../analysis/changes/store.ts';
import { createAssetStore } from '../query/assets-store.ts';
import { runQuery } from '../query/engine.ts';
import { openTestStorage } from './helpers/storage.ts';

const H = 3_600_000;
const T0 = Date.UTC(2026, 10, 20, 0, 0, 0);
let storage: Storage;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  const t = await openTestStorage();
  storage = t.storage;
  cleanup = t.cleanup;
  await migrate(storage, t.config);
  const assets = createAssetStore(storage);
  const rec = (host: string, role: string, kernel: string, hw: string) => ({ host, role, kernel, hw_model: hw, site: 'ams1' });
  await assets.upsert([rec('a1', 'edge', '6.1.0-17', 'R640'), rec('a2', 'edge', '6.1.0-17', 'R640'), rec('b1', 'db', '6.1.0-17', 'R640')], { mode: 'replace', source: 'test', validFrom: T0 });
  // a1 gets a new kernel at T0 + 2h, b1 a new model at T0 + 3h.
  await assets.upsert([rec('a1', 'edge', '6.1.0-18', 'R640')], { mode: 'replace', source: 'test', validFrom: T0 + 2 * H });
  await assets.upsert([rec('b1', 'db', '6.1.0-17', 'R650')], { mode: 'replace', source: 'test', validFrom: T0 + 3 * H });
  await insertChanges(storage, [
    { id: 'd1', ts: T0 + 1 * H, kind: 'deploy', scope: { kind: 'group', field: 'role', value: 'edge' }, description: 'nginx 1.25', link: '', source: 'api', attrs: {}, createdAt: T0 },
    { id: 'c1', ts: T0 + 4 * H, kind: 'config', scope: { kind: 'host', hosts: ['b1'] }, description: 'salt highstate', link: 'https://ci/1', source: 'api', attrs: { run: '1' }, createdAt: T0 },
    { id: 'f1', ts: T0 + 5 * H, kind: 'other', scope: { kind: 'fleet' }, description: 'CDN config', link: '', source: 'api', attrs: {}, createdAt: T0 },
  ]);
}, 60_000);

afterAll(async () => {
  await cleanup?.();
});

describe('change store', () => {
  it('lists posted and asset-derived changes, newest first', async () => {
    const all = await listChanges(storage, { from: T0 + 1, to: T0 + 10 * H });
    expect(all.map((c) => [c.id, c.kind, c.source])).toEqual([
      ['f1', 'other', 'api'],
      ['c1', 'config', 'api'],
      [`asset:b1:${T0 + 3 * H}:hw_model`, 'hardware', 'asset_history'],
      [`asset:a1:${T0 + 2 * H}:kernel`, 'kernel', 'asset_history'],
      ['d1', 'deploy', 'api'],
    ]);
    expect(all.find((c) => c.kind === 'kernel')?.description).toBe('kernel 6.1.0-17 → 6.1.0-18');
  });

  it('resolves scopes to hosts: a group as of the change, the fleet as everyone', async () => {
    const forA2 = await listChanges(storage, { from: T0, to: T0 + 10 * H, hosts: ['a2'] });
    expect(forA2.map((c) => c.id)).toEqual(['f1', 'd1']);
    const d1 = (await getChange(storage, 'd1'))!;
    expect(changeHosts(d1, await groupMembers(storage, [d1]))).toEqual(['a1', 'a2']);
    const kernels = await listChanges(storage, { from: T0, to: T0 + 10 * H, kinds: ['kernel'] });
    expect(kernels.map((c) => c.scope)).toEqual([{ kind: 'host', hosts: ['a1'] }]);
  });

  it('replaces a re-sent id and hides a withdrawn one', async () => {
    const c1 = (await getChange(storage, 'c1'))!;
    await insertChanges(storage, [{ ...c1, description: 'salt highstate (re-run)', createdAt: c1.createdAt + 1 }]);
    expect((await getChange(storage, 'c1'))?.description).toBe('salt highstate (re-run)');
    await insertChanges(storage, [{ ...c1, createdAt: c1.createdAt + 2 }], true);
    expect(await getChange(storage, 'c1')).toBeUndefined();
    expect((await listChanges(storage, { from: T0, to: T0 + 10 * H, postedOnly: true })).map((c) => c.id)).toEqual(['f1', 'd1']);
  });
  it('the query language source "changes" gives the rows of listChanges, one per host of a host change', async () => {
    const from = T0;
    const to = T0 + 10 * H;
    const iso = (ms: number) => new Date(ms).toISOString();
    await insertChanges(storage, [{ id: 'm1', ts: T0 + 6 * H, kind: 'deploy', scope: { kind: 'host', hosts: ['a1', 'b1'] }, description: 'api 3', link: '', source: 'api', attrs: {}, createdAt: T0 }]);
    const listed = await listChanges(storage, { from, to });
    const expected = listed.flatMap((c) =>
      (c.scope.kind === 'host' ? c.scope.hosts : ['']).map((host) => ({
        ts: c.ts,
        id: c.id,
        kind: c.kind,
        scope: c.scope.kind,
        host,
        group_field: c.scope.kind === 'group' ? c.scope.field : '',
        group_value: c.scope.kind === 'group' ? c.scope.value : '',
        description: c.description,
        link: c.link,
        source: c.source,
      })),
    );
    const r = await runQuery(storage, `changes from @${iso(from)} to @${iso(to)}`, { now: to });
    expect(r.columns.map((c) => c.name)).toEqual(['ts', 'id', 'kind', 'scope', 'host', 'group_field', 'group_value', 'description', 'link', 'source']);
    const rows = r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c.name, row[i]])));
    const key = (x: Record<string, unknown>) => `${String(x.id)}/${String(x.host)}`;
    expect(rows.sort((a, b) => key(a).localeCompare(key(b)))).toEqual(expected.sort((a, b) => key(a).localeCompare(key(b))));
    expect(rows.filter((x) => x.id === 'm1').map((x) => x.host).sort()).toEqual(['a1', 'b1']);

    const counted = await runQuery(storage, `changes from @${iso(from)} to @${iso(to)} | where source = "asset_history" or scope != "host" | stats n = count() by kind | sort kind`, { now: to });
    expect(counted.rows).toEqual([
      ['deploy', 1],
      ['hardware', 1],
      ['kernel', 1],
      ['other', 1],
    ]);
    const forA1 = await runQuery(storage, `changes where host = "a1" last 1d | eval t = epoch(ts) * 1000`, { now: to });
    expect(forA1.rows.map((row) => [row[1], row[10]])).toEqual([
      ['m1', T0 + 6 * H],
      [`asset:a1:${T0 + 2 * H}:kernel`, T0 + 2 * H],
    ]);
  });
});
