// A small markdown renderer for text panels: headers, paragraphs, lists, **bold**, *emphasis*, `code`
// and [links](/path). It builds DOM nodes (never innerHTML), so any HTML in the text shows as text.
import { h } from '../lib/dom.ts';

type Inline = Node | string;

/** Inline markup of one line or paragraph. */
function inline(text: string): Inline[] {
  const out: Inline[] = [];
  const re = /`([^`]+)`|\*\*([^*]+)\*\*|\*([^*\s][^*]*)\*|\[([^\]]+)\]\(([^)\s]+)\)/g;
  let at = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index > at) out.push(text.slice(at, m.index));
    if (m[1] !== undefined) out.push(h('code', m[1]));
    else if (m[2] !== undefined) out.push(h('strong', m[2]));
    else if (m[3] !== undefined) out.push(h('em', m[3]));
    else {
      const href = m[5];
      if (href.startsWith('/')) out.push(h('a', { href, 'data-nav': '' }, m[4]));
      else if (/^https?:\/\//i.test(href)) out.push(h('a', { href, target: '_blank', rel: 'noopener noreferrer' }, m[4]));
      else out.push(m[0]);
    }
    at = m.index + m[0].length;
  }
  if (at < text.length) out.push(text.slice(at));
  return out;
}

/** The markdown `text` as a `.markdown` element. */
export function renderMarkdown(text: string): HTMLElement {
  const root = h('div.markdown');
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  let para: string[] = [];
  let list: HTMLElement | undefined;
  const flush = () => {
    if (para.length > 0) root.appendChild(h('p', inline(para.join(' '))));
    para = [];
  };
  for (const raw of lines) {
    const line = raw.trimEnd();
    const head = /^(#{1,3})\s+(.*)$/.exec(line);
    const bullet = /^\s*[-*]\s+(.*)$/.exec(line);
    const numbered = /^\s*\d+[.)]\s+(.*)$/.exec(line);
    if (head) {
      flush();
      list = undefined;
      root.appendChild(h(`h${head[1].length + 1}` as 'h2', inline(head[2])));
    } else if (bullet || numbered) {
      flush();
      const tag = bullet ? 'ul' : 'ol';
      if (!list || list.tagName.toLowerCase() !== tag) root.appendChild((list = h(tag)));
      list.appendChild(h('li', inline((bullet ?? numbered)![1])));
    } else if (line.trim() === '') {
      flush();
      list = undefined;
    } else {
      list = undefined;
      para.push(line.trim());
    }
  }
  flush();
  return root;
}
