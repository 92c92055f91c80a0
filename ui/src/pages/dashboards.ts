import { h, mount } from '../lib/dom.ts';
import type { Page, PageContext } from '../lib/page.ts';

export function dashboardsPage(ctx: PageContext): Page {
  mount(ctx.root, h('h1', 'dashboards'));
  return { async update() {} };
}
