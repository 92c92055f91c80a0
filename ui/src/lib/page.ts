// What a page gets from the shell: its element, the URL state, the shared time range, and a way to
// register what to undo when it goes.
import type { TimeRange, Resolved } from './time.ts';

export interface PageContext {
  readonly root: HTMLElement;
  /** Groups of the route's pattern, such as the host name of /hosts/:host. */
  readonly match: RegExpMatchArray;
  /** The current URL parameters (read fresh on every call). */
  params(): URLSearchParams;
  /**
   * Changes URL parameters (undefined removes one) and updates the page. `push` makes a history entry,
   * so the back button undoes it (zoom, new filters); without it the entry is replaced.
   */
  setParams(patch: Record<string, string | string[] | undefined>, opts?: { push?: boolean }): void;
  /** Goes to another page of the UI. */
  navigate(path: string): void;
  /** The shared range as written, and resolved to epoch ms at the current refresh. */
  range(): TimeRange;
  resolved(): Resolved;
  /** Sets the shared range (drag-zoom does this), with a history entry. */
  setRange(r: TimeRange): void;
  /** Charts report hovering, so live mode pauses while someone reads a chart. */
  hover(on: boolean): void;
}

/** A page: `update` is called after construction and whenever the URL or the refresh tick says so. */
export interface Page {
  update(reason: 'load' | 'params' | 'refresh'): Promise<void>;
  dispose?(): void;
}

export interface PageDef {
  readonly path: RegExp;
  readonly title: string;
  /** In the navigation bar (omitted for pages reached by links, such as a host). */
  readonly nav?: string;
  readonly href?: string;
  /** Shows the shared time bar. */
  readonly usesTime: boolean;
  readonly create: (ctx: PageContext) => Page;
}
