import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capacityFixture } from '../analysis/capacity/testdata/snapshot-fixture.ts';
import { CAPACITY_REPORT_EXIT, runCapacityReport } from './capacity-report-command.ts';

/** A stand-in for `GET /api/v1/capacity`: the answer is chosen per test. */
let answer: { status: number; body: unknown } = { status: 200, body: capacityFixture() };
let server: Server;
let url: string;
let dir: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const found = req.url === '/api/v1/capacity';
    res.writeHead(found ? answer.status : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(found ? answer.body : { error: { code: 'NOT_FOUND', message: `no route ${req.url}` } }));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dir = mkdtempSync(join(tmpdir(), 'fleetscope-capacity-cmd-'));
});

afterAll(async () => {
  await new Promise((ok) => server.close(ok));
  rmSync(dir, { recursive: true, force: true });
});

async function run(o: { url?: string; outDir?: string; site?: string }) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCapacityReport({ url: o.url ?? url, outDir: o.outDir ?? join(dir, 'out'), site: o.site, out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

describe('runCapacityReport', () => {
  it('writes the HTML, JSON and the four CSVs, and says what it wrote', async () => {
    answer = { status: 200, body: capacityFixture() };
    const outDir = join(dir, 'all', 'nested');
    const r = await run({ outDir });
    expect(r.err).toEqual([]);
    expect(r.code).toBe(CAPACITY_REPORT_EXIT.ok);
    expect(readdirSync(outDir).sort()).toEqual(['exhaustion.csv', 'forecasts.csv', 'headroom.csv', 'report.html', 'report.json', 'throughput.csv']);
    expect(r.out).toHaveLength(6);
    expect(r.out[0]).toMatch(new RegExp(`^wrote ${outDir}/report\\.html \\(\\d+ bytes\\)$`));
    expect(readFileSync(join(outDir, 'report.html'), 'utf8')).toContain('<title>Capacity report</title>');
  });

  it('filters to --site', async () => {
    answer = { status: 200, body: capacityFixture() };
    const outDir = join(dir, 'par1');
    expect((await run({ outDir, site: 'par1' })).code).toBe(0);
    const s = JSON.parse(readFileSync(join(outDir, 'report.json'), 'utf8')) as ReturnType<typeof capacityFixture>;
    expect(new Set(s.headroom.map((h) => h.site))).toEqual(new Set(['par1']));
  });

  it.each([
    ['nothing computed yet (404)', { status: 404, body: { error: { code: 'CAP_NOT_COMPUTED', message: 'no capacity run yet' } } }, CAPACITY_REPORT_EXIT.notComputed, /no capacity snapshot computed yet .*no capacity run yet/],
    ['a server error', { status: 500, body: { error: { code: 'INTERNAL', message: 'boom' } } }, CAPACITY_REPORT_EXIT.serverError, /INTERNAL: boom/],
    ['an answer that is not a snapshot', { status: 200, body: { hello: 1 } }, CAPACITY_REPORT_EXIT.serverError, /not a capacity snapshot/],
  ])('fails clearly on %s', async (_, a, code, message) => {
    answer = a;
    const r = await run({ outDir: join(dir, 'failed') });
    expect(r.code).toBe(code);
    expect(r.err.join('\n')).toMatch(message);
    expect(r.out).toEqual([]);
  });

  it('fails clearly when the server is unreachable', async () => {
    const closed = createServer();
    await new Promise<void>((ok) => closed.listen(0, '127.0.0.1', ok));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((ok) => closed.close(ok));
    const r = await run({ url: `http://127.0.0.1:${port}` });
    expect(r.code).toBe(CAPACITY_REPORT_EXIT.unreachable);
    expect(r.err[0]).toMatch(/cannot reach fleetscope at http:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/);
  });

  it('fails clearly when the directory cannot be written', async () => {
    answer = { status: 200, body: capacityFixture() };
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    chmodSync(file, 0o444);
    const r = await run({ outDir: join(file, 'sub') });
    expect(r.code).toBe(CAPACITY_REPORT_EXIT.cannotWrite);
    expect(r.err[0]).toMatch(/cannot write the capacity report into .*a-file\/sub: /);
  });
});
