import { h, mount } from '../lib/dom.ts';
import type { Page, PageContext } from '../lib/page.ts';

export function comparePage(ctx: PageContext): Page {
  mount(ctx.root, h('h1', 'compare'));
  return { async update() {} };
}
