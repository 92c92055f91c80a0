// A small element builder: h('div.card', { onclick }, 'text', child). Enough for pickers, legends and
// tables without a framework.

type Child = Node | string | number | null | undefined | false | Child[];
type Props = Record<string, unknown>;

/** Creates an element. `tag` may carry classes (`div.card.wide`) and an id (`div#page`). */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K | `${K}.${string}` | `${K}#${string}`, props?: Props | Child, ...children: Child[]): HTMLElementTagNameMap[K] {
  // `div.card#main.wide`: the tag name, then any mix of .class and #id parts.
  const name = /^[a-z0-9]+/i.exec(tag)?.[0] ?? 'div';
  const el = document.createElement(name) as HTMLElementTagNameMap[K];
  const classes: string[] = [];
  for (const m of tag.slice(name.length).matchAll(/([.#])([^.#]+)/g)) {
    if (m[1] === '#') el.id = m[2];
    else classes.push(m[2]);
  }
  if (classes.length > 0) el.className = classes.join(' ');
  if (props !== undefined && (typeof props !== 'object' || props === null || props instanceof Node || Array.isArray(props))) {
    children.unshift(props as Child);
  } else if (props) {
    for (const [k, v] of Object.entries(props)) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v as EventListener);
      else if (k === 'class') el.className = [el.className, String(v)].filter(Boolean).join(' ');
      else if (k === 'style' && typeof v === 'object') Object.assign(el.style, v);
      else if (k === 'dataset' && typeof v === 'object') Object.assign(el.dataset, v);
      else if (k in el && typeof v !== 'string') (el as unknown as Record<string, unknown>)[k] = v;
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
  }
}

/** Replaces the children of `el`. */
export function mount(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

/** A table from column names and rows; cells may be nodes. */
export function table(columns: string[], rows: Child[][], opts: { className?: string; numeric?: boolean[] } = {}): HTMLTableElement {
  return h(
    'table',
    { class: opts.className ?? 'grid' },
    h('thead', h('tr', columns.map((c, i) => h('th', { class: opts.numeric?.[i] ? 'num' : undefined }, c)))),
    h('tbody', rows.map((r) => h('tr', r.map((c, i) => h('td', { class: opts.numeric?.[i] ? 'num' : undefined }, c))))),
  );
}

/** A message box for errors and empty states. */
export function notice(kind: 'error' | 'info' | 'warn', ...children: Child[]): HTMLDivElement {
  return h('div', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, ...children);
}
