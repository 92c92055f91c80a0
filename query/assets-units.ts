// Quantities in asset records: plain numbers, or text with units as inventories write them
// ("64GiB", "1.92TB", "25Gbps"). docs/assets.md has the table of what each suffix means.

/**
 * How a size suffix without `i` (K, M, G, T, P, with or without B) is read: powers of 1024 for
 * memory (JEDEC: a "64 GB" server has 64 GiB) and powers of 1000 for disks (drive makers: a
 * "1.92 TB" SSD has 1.92·10¹² bytes). Suffixes with `i` (KiB, GiB…) are always powers of 1024.
 */
export type SizeConvention = 'binary' | 'decimal';

const PREFIX_POWER: Record<string, number> = { k: 1, m: 2, g: 3, t: 4, p: 5, e: 6 };

function wholeNumber(n: number, max: number): number | undefined {
  const r = Math.round(n);
  return Number.isFinite(n) && n >= 0 && r <= max ? r : undefined;
}

/**
 * Reads a size in bytes: a whole number, or a number with a suffix such as `64GiB`, `64 GB`, `512M`,
 * `1.92TB` (see {@link SizeConvention}). Returns undefined when the text is none of these or the
 * size is over 2^53 bytes.
 */
export function parseByteSize(input: number | string, convention: SizeConvention): number | undefined {
  if (typeof input === 'number') return Number.isInteger(input) ? wholeNumber(input, Number.MAX_SAFE_INTEGER) : undefined;
  const m = /^(\d+(?:\.\d+)?|\.\d+)\s*(?:([kmgtpe])(i)?)?(b|bytes?)?$/i.exec(input.trim());
  if (!m) return undefined;
  const [, num, prefix, binary] = m;
  if (!prefix) return /^\d+$/.test(num) ? wholeNumber(Number(num), Number.MAX_SAFE_INTEGER) : undefined;
  const base = binary || convention === 'binary' ? 1024 : 1000;
  return wholeNumber(Number(num) * base ** PREFIX_POWER[prefix.toLowerCase()], Number.MAX_SAFE_INTEGER);
}

/**
 * Reads a link speed in bits per second: a whole number, or a number with a decimal prefix and an
 * optional bit unit: `10G`, `25Gbps`, `100 Gb/s`, `1000Mbit/s`, `10GbE`, `40GE`. An upper-case `B`
 * (bytes) is refused as ambiguous. Returns undefined when the text is none of these.
 */
export function parseBitRate(input: number | string): number | undefined {
  if (typeof input === 'number') return Number.isInteger(input) ? wholeNumber(input, Number.MAX_SAFE_INTEGER) : undefined;
  const m = /^(\d+(?:\.\d+)?|\.\d+)\s*([kmgt])?(bps|b\/s|bits?\/s|bits?|be?|e)?$/i.exec(input.trim());
  if (!m) return undefined;
  const [, num, prefix, unit] = m;
  if (unit && (unit[0] === 'B' || (!prefix && /e$/i.test(unit)))) return undefined;
  if (!prefix) return /^\d+$/.test(num) ? wholeNumber(Number(num), Number.MAX_SAFE_INTEGER) : undefined;
  return wholeNumber(Number(num) * 1000 ** PREFIX_POWER[prefix.toLowerCase()], Number.MAX_SAFE_INTEGER);
}

/** Reads a count (CPU cores): a whole number from 0 to 2^32−1, as a number or digits. */
export function parseCount(input: number | string): number | undefined {
  if (typeof input === 'number') return Number.isInteger(input) ? wholeNumber(input, 2 ** 32 - 1) : undefined;
  const t = input.trim();
  return /^\d+$/.test(t) ? wholeNumber(Number(t), 2 ** 32 - 1) : undefined;
}
