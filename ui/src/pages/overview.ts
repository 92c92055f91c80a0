import { h, mount } from '../lib/dom.ts';
import type { Page, PageContext } from '../lib/page.ts';

export function overviewPage(ctx: PageContext): Page {
  mount(ctx.root, h('h1', 'overview'));
  return { async update() {} };
}
