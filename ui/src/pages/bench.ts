// /bench/chart?points=1000000: draws a generated random walk of that many points with the same chart
// code as every page, for measuring draw and frame times in a real browser (npm run bench -- --only ui).
// Not in the navigation; it reads nothing from the server.
import { TimeChart } from '../lib/chart.ts';
import { h, mount } from '../lib/dom.ts';
import type { Page, PageContext } from '../lib/page.ts';
import { probe } from '../lib/probe.ts';

export interface ChartBench {
  points: number;
  /** From handing the data to the chart to the end of its first draw, ms. */
  firstDrawMs: number;
  /** The same after each drag-zoom (all points handed over again, drawn at the new scale), ms. */
  zoomDrawMs: number[];
}

export function benchPage(ctx: PageContext): Page {
  const box = h('div');
  const out = h('pre');
  mount(ctx.root, h('h1', 'Chart benchmark'), box, out);
  let chart: TimeChart | undefined;
  return {
    async update() {
      const n = Math.min(20_000_000, Math.max(10, Number(ctx.params().get('points') ?? 1_000_000) || 1_000_000));
      const end = Date.UTC(2026, 10, 1);
      const step = 1000;
      const t = new Array<number>(n);
      const v = new Array<number>(n);
      let x = 0;
      let seed = 1;
      for (let i = 0; i < n; i++) {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        x += seed / 0x7fffffff - 0.5;
        t[i] = end - (n - i) * step;
        v[i] = x;
      }
      chart?.destroy();
      const result: ChartBench = { points: n, firstDrawMs: 0, zoomDrawMs: [] };
      const draw = async (from: number, to: number): Promise<number> => {
        const started = performance.now();
        chart!.set({ from, to, lines: [{ label: 'random walk', t, v }] });
        await new Promise((r) => requestAnimationFrame(() => r(undefined)));
        return Math.round((performance.now() - started) * 10) / 10;
      };
      chart = new TimeChart(box, {
        id: 'bench',
        title: `${n.toLocaleString()} points`,
        height: 400,
        onZoom: (from, to) => void draw(from, to).then((ms) => result.zoomDrawMs.push(ms)),
      });
      result.firstDrawMs = await draw(t[0], t[n - 1]);
      (probe as unknown as { bench: ChartBench }).bench = result;
      out.textContent = JSON.stringify(result);
    },
    dispose: () => chart?.destroy(),
  };
}
