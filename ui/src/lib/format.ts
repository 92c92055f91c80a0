// Numbers for axes, legends and tables: SI prefixes for large values, bytes when the metric says so.

const SI = ['', 'k', 'M', 'G', 'T', 'P'];

/** 1234567 → "1.23M"; 0.00012 → "0.00012"; keeps three significant digits. */
export function formatNumber(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '-∞';
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a < 1000) return a >= 100 ? v.toFixed(0) : a >= 1 ? String(+v.toPrecision(3)) : String(+v.toPrecision(2));
  let i = 0;
  let x = v;
  while (Math.abs(x) >= 1000 && i < SI.length - 1) {
    x /= 1000;
    i++;
  }
  return `${+x.toPrecision(3)}${SI[i]}`;
}

/** 1536 → "1.5 KiB". */
export function formatBytes(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = 0;
  let x = v;
  while (Math.abs(x) >= 1024 && i < units.length - 1) {
    x /= 1024;
    i++;
  }
  return `${+x.toPrecision(3)} ${units[i]}`;
}

/** Chooses a formatter from a metric name: bytes for *bytes*, octets, disk (df) and memory, else plain numbers. */
export function formatterFor(metric: string): (v: number | null | undefined) => string {
  return /bytes?\b|[._]bytes|octets|^df\.|^memory\./.test(metric) ? formatBytes : formatNumber;
}
