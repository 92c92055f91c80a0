// A real collectd (Debian's, with its write_graphite plugin) sends Graphite plaintext to fleetscope's
// TCP and UDP listeners: values put into collectd come back through the API under the paths
// write_graphite builds (prefix, host with dots escaped, plugin-instance, type-instance).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectdMissingReason, startCollectd, type CollectdHandle } from './helpers/collectd.ts';
import { startFleetscope, type FleetscopeHandle } from './helpers/fleetscope.ts';

const missing = collectdMissingReason();
if (missing) throw new Error(`${missing} (scripts/test.sh installs it)`);

let fleet: FleetscopeHandle;
const daemons: CollectdHandle[] = [];

beforeAll(async () => {
  fleet = await startFleetscope();
});

afterAll(async () => {
  for (const d of daemons) await d.stop();
  await fleet?.stop();
});

async function values(metric: string): Promise<number[]> {
  const q = new URLSearchParams({ metric, start: String(Date.now() - 600_000), end: String(Date.now() + 60_000) });
  const res = await fetch(`${fleet.baseUrl}/api/v1/points?${q}`);
  expect(res.status).toBe(200);
  const body = (await res.json()) as { series: { points: [number, number | null][] }[] };
  return body.series.flatMap((s) => s.points.map((p) => p[1]).filter((v): v is number => v !== null));
}

describe('collectd write_graphite to fleetscope', () => {
  for (const protocol of ['tcp', 'udp'] as const) {
    it(`stores what collectd sends over ${protocol.toUpperCase()}, under write_graphite's paths`, async () => {
      const hostname = `graphite.${protocol}.e2e`;
      const port = fleet.listeners[protocol === 'tcp' ? 'graphite_tcp' : 'graphite_udp'];
      expect(port).toBeGreaterThan(0);
      const c = await startCollectd({ hostname, writeGraphite: [{ host: '127.0.0.1', port, protocol }] });
      daemons.push(c);
      const sent = [12.5, 17.25, 42];
      const now = Math.floor(Date.now() / 1000);
      for (let i = 0; i < sent.length; i++) {
        const line = `PUTVAL ${hostname}/e2e-app/gauge-latency interval=1 ${now - sent.length + i}:${sent[i]}`;
        expect(await c.putval(line), line).toMatch(/^0 Success/);
      }
      // write_graphite escapes the dots of the host name with "_" and joins the rest with dots.
      const metric = `collectd.${hostname.replaceAll('.', '_')}.e2e-app.gauge-latency`;
      const deadline = Date.now() + 20_000;
      let got: number[] = [];
      while (Date.now() < deadline) {
        c.flush();
        got = await values(metric);
        if (got.length >= sent.length) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      expect(got.sort((a, b) => a - b)).toEqual([...sent].sort((a, b) => a - b));
      // collectd's own plugins arrive too (load, memory…), under the same host path.
      const series = (await (await fetch(`${fleet.baseUrl}/api/v1/series?limit=1000`)).json()) as { series: { metric: string }[] };
      expect(series.series.some((s) => s.metric.startsWith(`collectd.${hostname.replaceAll('.', '_')}.load.load.`))).toBe(true);
    });
  }
});
