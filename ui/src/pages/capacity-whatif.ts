// The what-if calculator of the capacity page: hosts of a model needed to carry a load, with spares,
// asked of GET /api/v1/capacity/whatif, answered with its arithmetic.
import { api } from '../lib/api.ts';
import { h, mount, notice } from '../lib/dom.ts';
import { formatNumber } from '../lib/format.ts';
import { describeError } from './anomalies-api.ts';

interface WhatIf {
  model: string;
  site?: string;
  unit: string;
  perHostCapacity: number;
  perHostSource: string;
  demand: number;
  usablePerHost: number;
  base: number;
  reserve: number;
  total: number;
  arithmetic: string[];
  now?: { site: string; hostsNow: number; peakLoadNow: number; capacityNow: number; headroomNow: number };
}

function answer(r: WhatIf): HTMLElement {
  const more = r.now ? r.total - r.now.hostsNow : undefined;
  return h(
    'div#whatif-answer.card',
    h('div.stat', h('div.value', { dataset: { total: String(r.total) } }, `${r.total} hosts`), h('div.label', `of ${r.model}${r.site ? ` at ${r.site}` : ''}: ${r.base} to carry ${formatNumber(r.demand)} ${r.unit}, plus ${r.reserve} in reserve`)),
    h('pre.arithmetic', [`per host capacity = ${formatNumber(r.perHostCapacity)} ${r.unit} (${r.perHostSource})`, ...r.arithmetic].join('\n')),
    r.now
      ? h(
          'p',
          `${r.now.site} has ${r.now.hostsNow} ${r.model} hosts now, peak ${formatNumber(r.now.peakLoadNow)} of ${formatNumber(r.now.capacityNow)} ${r.unit} (headroom ${Math.round(r.now.headroomNow * 100)}%): `,
          h('strong', { class: more! > 0 ? 'bad' : 'ok' }, more! > 0 ? `${more} more needed` : `${-more!} to spare`),
        )
      : null,
  );
}

/** The form and its answer; `models` and `sites` fill the pickers. */
export function whatIfForm(models: readonly string[], sites: readonly string[], unit: string): HTMLElement {
  const model = h('input', { name: 'model', required: true, list: 'whatif-models', placeholder: 'hardware model', value: models[0] ?? '', size: 22 });
  const modelList = h('datalist#whatif-models', models.map((m) => h('option', { value: m })));
  const load = h('input', { name: 'load', type: 'number', min: '0', step: 'any', required: true, placeholder: `load (${unit})`, style: { width: '120px' } });
  const site = h('select', { name: 'site' }, h('option', { value: '' }, 'any site'), sites.map((s) => h('option', { value: s }, s)));
  const util = h('input', { name: 'utilisation', type: 'number', min: '0.05', max: '1', step: '0.05', placeholder: 'utilisation', title: 'ceiling on each host’s use of its capacity, 0–1 (default: configured)', style: { width: '100px' } });
  const growth = h('input', { name: 'growth', type: 'number', min: '0', step: 'any', value: '1', title: 'multiplier on the load, e.g. 1.3 for 30% growth', style: { width: '80px' } });
  const spares = h('input', { name: 'spares', type: 'number', min: '0', step: '1', placeholder: 'N+1', title: 'spare hosts (default: configured, N+1)', style: { width: '70px' } });
  const out = h('div');
  const form = h(
    'form#whatif.controls',
    {
      onsubmit: async (e: Event) => {
        e.preventDefault();
        mount(out, h('span.muted', 'computing…'));
        try {
          const r = await api.get<WhatIf>('/api/v1/capacity/whatif', { model: model.value, load: load.value, site: site.value, utilisation: util.value, growth: growth.value, spares: spares.value });
          mount(out, answer(r));
        } catch (err) {
          mount(out, notice('error', `cannot size hosts: ${describeError(err)}`));
        }
      },
    },
    h('label', 'model ', model),
    modelList,
    h('label', 'load ', load, ` ${unit}`),
    h('label', 'at ', site),
    h('label', 'utilisation ≤ ', util),
    h('label', 'growth × ', growth),
    h('label', 'spares ', spares),
    h('button', { type: 'submit' }, 'size it'),
  );
  if (models.length === 0) return h('div', notice('info', 'The latest snapshot fitted no per-host capacity: the what-if calculator works for models configured in analysis.capacity.load.perModelCapacity.'), form, out);
  return h('div', form, out);
}
