import { h, mount } from '../lib/dom.ts';
import type { Page, PageContext } from '../lib/page.ts';

export function anomaliesPage(ctx: PageContext): Page {
  mount(ctx.root, h('h1', 'anomalies'));
  return { async update() {} };
}
