// A load of collectd write_http JSON for pipeline tests: every value is a unique integer (its sequence
// number, also its time offset in ms), so what was acknowledged can be compared with what was stored,
// value by value. A refused or failed request is never sent again (its values count as "unknown":
// Kafka may or may not have them), so a stored duplicate can only come from the pipeline.

export interface LoadOptions {
  /** Base URL of an ingest node; may change while running (see {@link Load.retarget}). */
  readonly url: string;
  /** collectd plugin name: the metric is `<plugin>.gauge`. */
  readonly plugin: string;
  readonly hosts: number;
  readonly valuesPerRequest: number;
  readonly concurrency: number;
  /** Time of sequence number 0, ms. */
  readonly baseMs: number;
  /** Pause of each client between two requests, ms (keeps the value count within what a test reads back). */
  readonly pauseMs?: number;
}

export interface LoadResult {
  /** Values of 2xx answers. */
  readonly acked: number[];
  /** Values of requests that got no 2xx (503, connection refused or reset): stored or not, never twice. */
  readonly unknown: number[];
  /** Count of answers by status (0 = no answer). */
  readonly statuses: Map<number, number>;
  /** Retry-After headers seen on 503 answers. */
  readonly retryAfter: string[];
  /** Error codes of non-2xx answers. */
  readonly codes: Set<string>;
}

export interface Load {
  /** Resolves when `n` more requests got a 2xx. */
  ackedRequests(n: number): Promise<void>;
  /** Resolves when `n` more requests got no 2xx. */
  failedRequests(n: number): Promise<void>;
  /** Stops sending; resolves once every request in flight has its answer. */
  stop(): Promise<LoadResult>;
}

function body(plugin: string, hosts: number, first: number, n: number, baseMs: number): string {
  const lists = [];
  for (let i = 0; i < n; i++) {
    const seq = first + i;
    lists.push({
      values: [seq],
      dstypes: ['gauge'],
      dsnames: ['value'],
      time: (baseMs + seq) / 1000,
      interval: 10,
      host: `${plugin}-h${seq % hosts}`,
      plugin,
      plugin_instance: '',
      type: 'gauge',
      type_instance: '',
    });
  }
  return JSON.stringify(lists);
}

/** Starts sending at once with `concurrency` clients in a loop. */
export function startLoad(opts: LoadOptions): Load {
  const acked: number[] = [];
  const unknown: number[] = [];
  const statuses = new Map<number, number>();
  const retryAfter: string[] = [];
  const codes = new Set<string>();
  let next = 0;
  let running = true;
  let okCount = 0;
  let failCount = 0;
  const waiters: Array<{ ok: boolean; until: number; resolve: () => void }> = [];

  function notify(): void {
    for (let i = waiters.length - 1; i >= 0; i--) {
      const w = waiters[i];
      if ((w.ok ? okCount : failCount) >= w.until) {
        waiters.splice(i, 1);
        w.resolve();
      }
    }
  }

  async function client(): Promise<void> {
    while (running) {
      const first = next;
      next += opts.valuesPerRequest;
      const values = Array.from({ length: opts.valuesPerRequest }, (_, i) => first + i);
      let status = 0;
      try {
        const res = await fetch(`${opts.url}/collectd`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: body(opts.plugin, opts.hosts, first, opts.valuesPerRequest, opts.baseMs),
        });
        status = res.status;
        const text = await res.text();
        if (status === 503) retryAfter.push(res.headers.get('retry-after') ?? '');
        if (status >= 300) {
          try {
            codes.add((JSON.parse(text) as { error: { code: string } }).error.code);
          } catch {
            codes.add(`unparsable: ${text.slice(0, 100)}`);
          }
        }
      } catch {
        status = 0;
      }
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (status === 200) {
        acked.push(...values);
        okCount++;
      } else {
        unknown.push(...values);
        failCount++;
        await new Promise((res) => setTimeout(res, 50));
      }
      notify();
      if (opts.pauseMs) await new Promise((res) => setTimeout(res, opts.pauseMs));
    }
  }

  const clients = Array.from({ length: opts.concurrency }, () => client());
  return {
    ackedRequests(n) {
      return new Promise((resolve) => {
        waiters.push({ ok: true, until: okCount + n, resolve });
        notify();
      });
    },
    failedRequests(n) {
      return new Promise((resolve) => {
        waiters.push({ ok: false, until: failCount + n, resolve });
        notify();
      });
    },
    async stop() {
      running = false;
      await Promise.all(clients);
      return { acked, unknown, statuses, retryAfter, codes };
    },
  };
}

/** Every stored value of `<plugin>.gauge`, through the read API of a process that serves it. */
export async function storedValues(baseUrl: string, plugin: string, baseMs: number, count: number): Promise<number[]> {
  const url = `${baseUrl}/api/v1/points?metric=${plugin}.gauge&start=${baseMs - 1000}&end=${baseMs + count + 1000}`;
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  const out: number[] = [];
  for (const s of ((await res.json()) as { series: Array<{ points: Array<[number, number]> }> }).series) {
    for (const [, v] of s.points) out.push(v);
  }
  return out.sort((a, b) => a - b);
}

/** Values that occur more than once in a sorted list. */
export function duplicates(sorted: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < sorted.length; i++) if (sorted[i] === sorted[i - 1]) out.push(sorted[i]);
  return out;
}

/** Values of `want` missing from the sorted list `have`. */
export function missing(want: readonly number[], sortedHave: readonly number[]): number[] {
  const have = new Set(sortedHave);
  return want.filter((v) => !have.has(v));
}

/** Sorted values as compact ranges ("1-5, 9, 12-14"), at most `max` of them, for a readable failure. */
export function ranges(values: readonly number[], max = 20): string {
  const sorted = [...values].sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] <= sorted[j] + 1) j++;
    out.push(sorted[i] === sorted[j] ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return out.length > max ? `${out.slice(0, max).join(', ')} … (${out.length} ranges)` : out.join(', ');
}
