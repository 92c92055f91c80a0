// Snappy block format (https://github.com/google/snappy/blob/main/format_description.txt), decoded
// strictly: the declared length is checked against a limit before any allocation, and every literal and
// copy is checked against both buffers (snappyjs does not check all of them, and can loop on bad input).
import { ParseError } from '../types.ts';

/** Declared uncompressed length of a snappy block and the offset where the elements begin. */
export function snappyDeclaredLength(src: Uint8Array): { length: number; start: number } {
  let v = 0;
  for (let i = 0; i < 5; i++) {
    if (i >= src.length) throw new ParseError('PARSE_ERR_SNAPPY', 'cannot read snappy block at offset 0: the length preamble is truncated', 0);
    const b = src[i];
    v += (b & 0x7f) * 2 ** (7 * i);
    if (b < 0x80) {
      if (v > 0xffffffff) break;
      return { length: v, start: i + 1 };
    }
  }
  throw new ParseError('PARSE_ERR_SNAPPY', 'cannot read snappy block at offset 0: the length preamble is over 32 bits', 0);
}

/**
 * Decompresses a snappy block of at most `maxBytes` uncompressed bytes. Throws ParseError
 * `PARSE_ERR_TOO_LARGE` when the declared length is over the limit (before decompressing anything) and
 * `PARSE_ERR_SNAPPY` with the offset of the bad element otherwise.
 */
export function snappyUncompress(src: Uint8Array, maxBytes: number): Uint8Array {
  const { length, start } = snappyDeclaredLength(src);
  if (length > maxBytes) {
    throw new ParseError('PARSE_ERR_TOO_LARGE', `cannot decompress snappy block: it declares ${length} bytes, over the limit of ${maxBytes} bytes (ingest.bodyLimitBytes)`, 0);
  }
  const out = new Uint8Array(length);
  let p = start;
  let o = 0;
  const bad = (at: number, why: string): never => {
    throw new ParseError('PARSE_ERR_SNAPPY', `cannot decompress snappy element at offset ${at}: ${why}`, at);
  };
  while (p < src.length) {
    const at = p;
    const c = src[p++];
    const type = c & 3;
    if (type === 0) {
      let len = (c >>> 2) + 1;
      if (len > 60) {
        const n = len - 60;
        if (p + n > src.length) bad(at, 'literal length truncated');
        len = 0;
        for (let i = 0; i < n; i++) len += src[p + i] * 2 ** (8 * i);
        len += 1;
        p += n;
      }
      if (len > src.length - p) bad(at, `literal of ${len} bytes runs past the input`);
      if (len > length - o) bad(at, `literal of ${len} bytes runs past the declared length ${length}`);
      out.set(src.subarray(p, p + len), o);
      p += len;
      o += len;
      continue;
    }
    let len: number;
    let offset: number;
    if (type === 1) {
      if (p + 1 > src.length) bad(at, 'copy truncated');
      len = ((c >>> 2) & 7) + 4;
      offset = ((c >>> 5) << 8) | src[p];
      p += 1;
    } else if (type === 2) {
      if (p + 2 > src.length) bad(at, 'copy truncated');
      len = (c >>> 2) + 1;
      offset = src[p] | (src[p + 1] << 8);
      p += 2;
    } else {
      if (p + 4 > src.length) bad(at, 'copy truncated');
      len = (c >>> 2) + 1;
      offset = (src[p] | (src[p + 1] << 8) | (src[p + 2] << 16)) + src[p + 3] * 0x1000000;
      p += 4;
    }
    if (offset === 0 || offset > o) bad(at, `copy offset ${offset} is outside the ${o} bytes written`);
    if (len > length - o) bad(at, `copy of ${len} bytes runs past the declared length ${length}`);
    for (let i = 0; i < len; i++, o++) out[o] = out[o - offset];
  }
  if (o !== length) bad(p, `the block holds ${o} bytes, not the declared ${length}`);
  return out;
}
