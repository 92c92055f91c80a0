// Names and filters of series: pure functions shared by the pages (and unit-tested without a browser).

/**
 * Legend names for series: the host plus only the labels whose values differ between the series
 * (`web-01 type_instance=user`), so a legend of many lines stays short.
 */
export function seriesLabels(list: readonly { host?: string; labels?: Record<string, string> }[]): string[] {
  const values = new Map<string, Set<string>>();
  for (const s of list) for (const [k, v] of Object.entries(s.labels ?? {})) (values.get(k) ?? values.set(k, new Set()).get(k)!).add(v);
  const varying = [...values].filter(([k, vs]) => vs.size > 1 || list.some((s) => !(k in (s.labels ?? {})))).map(([k]) => k);
  return list.map((s) => {
    const labels = varying
      .filter((k) => s.labels?.[k] !== undefined)
      .map((k) => `${k}=${s.labels![k]}`)
      .join(',');
    return labels ? `${s.host ?? ''} ${labels}`.trim() : (s.host ?? '');
  });
}

/** `asset.site=ams` → { key, value }; a bare key is taken as an asset field. */
export function parseFilter(text: string): { key: string; value: string } | undefined {
  const m = /^\s*([A-Za-z_][\w.-]*)\s*=\s*(.+?)\s*$/.exec(text);
  if (!m) return undefined;
  const key = m[1] === 'host' || m[1].startsWith('label.') || m[1].startsWith('asset.') ? m[1] : `asset.${m[1]}`;
  return { key, value: m[2] };
}

/**
 * Reads what a user typed in a filter box: comma-separated `key=value` filters, returned in the URL's
 * form (`asset.site=ams1`), or the first one that is not a filter.
 */
export function readFilters(text: string): { filters: string[] } | { bad: string } {
  const filters: string[] = [];
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const f = parseFilter(part);
    if (!f) return { bad: part };
    filters.push(`${f.key}=${f.value}`);
  }
  return { filters };
}

/** The `filter` parameters of a URL that read as filters (the page's current filters). */
export function urlFilters(params: URLSearchParams): { key: string; value: string }[] {
  return params.getAll('filter').map(parseFilter).filter((f): f is { key: string; value: string } => f !== undefined);
}
