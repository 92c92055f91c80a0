import { h, mount } from '../lib/dom.ts';
import type { Page, PageContext } from '../lib/page.ts';

export function hostPage(ctx: PageContext): Page {
  mount(ctx.root, h('h1', 'host'));
  return { async update() {} };
}
