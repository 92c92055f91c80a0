import { createHash } from 'node:crypto';

/**
 * The stable identity of a series. Decided once, never to change: the first 8 bytes of
 * SHA-256 over `metric \0 host \0 k1 \0 v1 \0 k2 \0 v2 …` (labels sorted by key, empty values left
 * out), read as a big-endian unsigned 64-bit integer, written in decimal.
 *
 * ClickHouse computes the same value with
 * `reinterpretAsUInt64(reverse(substring(SHA256(key), 1, 8)))` over the same key string.
 */
export function seriesKey(metric: string, host: string, labels: Readonly<Record<string, string>>): string {
  const keys = Object.keys(labels).sort();
  let key = metric + '\0' + host;
  for (const k of keys) {
    const v = labels[k];
    if (v !== '') key += '\0' + k + '\0' + v;
  }
  return key;
}

/** Series id of a series key, as a decimal string (keep ids out of JS numbers: they exceed 2^53). */
export function seriesIdOfKey(key: string): string {
  const digest = createHash('sha256').update(key).digest();
  return digest.readBigUInt64BE(0).toString();
}

/** Series id of a metric, host and labels. */
export function seriesId(metric: string, host: string, labels: Readonly<Record<string, string>>): string {
  return seriesIdOfKey(seriesKey(metric, host, labels));
}
