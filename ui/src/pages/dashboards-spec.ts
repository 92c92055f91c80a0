// The saved dashboard as the API holds it (query/dashboards-api.ts), and what the UI sends back.
import { api } from '../lib/api.ts';

export type PanelView = 'auto' | 'timechart' | 'table' | 'bars' | 'tile' | 'markdown';
export const PANEL_VIEWS: readonly PanelView[] = ['auto', 'timechart', 'table', 'bars', 'tile', 'markdown'];

export interface PanelSpec {
  id: string;
  title: string;
  query?: string;
  view?: PanelView;
  markdown?: string;
  /** Width in grid columns, 1 to 12. */
  w?: number;
  /** Height in grid rows, 1 to 12. */
  h?: number;
}

export interface DashboardSpec {
  name: string;
  description?: string;
  time?: { from: string; to: string; refresh?: string };
  panels: PanelSpec[];
}

export interface Dashboard extends DashboardSpec {
  id: string;
  version: number;
  updatedAt: number;
}

export interface DashboardListItem {
  id: string;
  name: string;
  panels: number;
  updatedAt: number;
}

/** Only the keys the API accepts, without empty optional ones. */
export function cleanSpec(d: DashboardSpec): DashboardSpec {
  const out: DashboardSpec = { name: d.name.trim(), panels: [] };
  if (d.description?.trim()) out.description = d.description.trim();
  if (d.time?.from && d.time.to) out.time = { from: d.time.from.trim(), to: d.time.to.trim(), ...(d.time.refresh?.trim() ? { refresh: d.time.refresh.trim() } : {}) };
  out.panels = d.panels.map((p) => {
    const q: PanelSpec = { id: p.id, title: p.title.trim(), w: p.w ?? 6, h: p.h ?? 4 };
    if (p.view && p.view !== 'auto') q.view = p.view;
    if (p.view === 'markdown') q.markdown = p.markdown ?? '';
    else q.query = p.query ?? '';
    if (p.view === 'markdown' && p.query?.trim()) q.query = p.query;
    return q;
  });
  return out;
}

/** A panel id not used in `panels`. */
export function newPanelId(panels: readonly PanelSpec[]): string {
  for (let i = panels.length + 1; ; i++) {
    const id = `p${i}`;
    if (!panels.some((p) => p.id === id)) return id;
  }
}

export const dashboardsApi = {
  list: () => api.get<{ dashboards: DashboardListItem[] }>('/api/v1/dashboards'),
  get: (id: string) => api.get<{ dashboard: Dashboard }>(`/api/v1/dashboards/${encodeURIComponent(id)}`),
  create: (spec: unknown) => api.post<{ dashboard: Dashboard }>('/api/v1/dashboards', spec),
  save: (id: string, body: DashboardSpec & { version?: number }) => api.put<{ dashboard: Dashboard }>(`/api/v1/dashboards/${encodeURIComponent(id)}`, body),
  remove: (id: string) => api.del<{ deleted: string }>(`/api/v1/dashboards/${encodeURIComponent(id)}`),
  exportHref: (id: string) => `/api/v1/dashboards/${encodeURIComponent(id)}?download=1`,
};

/** A starting dashboard on the demo fleet's metrics. */
export const EXAMPLE_DASHBOARD: DashboardSpec = {
  name: 'Web fleet latency',
  description: 'Latency and load of the web hosts, by hardware model.',
  time: { from: 'now-6h', to: 'now', refresh: '1m' },
  panels: [
    { id: 'p1', title: 'p99 latency by model', query: 'metric "http.response_time_ms"\n| stats every 5m p99 = p99(value) by hw_model', view: 'timechart', w: 8, h: 4 },
    {
      id: 'p2',
      title: 'Runbook',
      view: 'markdown',
      markdown: '## When latency rises\n\n- Check the **ProLiant** hosts first: web-08 runs slow.\n- Compare models on [the compare page](/compare?metric=http.response_time_ms&by=hw_model).\n- Kernel 6.1 took about 8 ms off latency.',
      w: 4,
      h: 4,
    },
    { id: 'p3', title: 'Mean latency by model', query: 'metric "http.response_time_ms"\n| stats avg_ms = avg(value) by hw_model', view: 'bars', w: 4, h: 3 },
    { id: 'p4', title: 'Fleet CPU busy %', query: 'metric "cpu.percent" where type_instance != "idle"\n| stats busy_pct = avg(value) * 2', view: 'tile', w: 2, h: 3 },
    { id: 'p5', title: 'Outlier hosts', query: 'metric "http.response_time_ms"\n| stats avg_ms = avg(value) by host\n| outliers avg_ms', view: 'table', w: 6, h: 3 },
  ],
};
