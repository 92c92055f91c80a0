import { ParseError, type ParseResult } from '../types.ts';
import type { TypesDb } from '../collectd-common/types-db.ts';
import { PART_VALUES, RegionState, hex4, parsePart, quote, reject, type Acc } from './parts.ts';
import { decryptAes256Ofb, hmacMatches, sha1Matches } from './security.ts';

/** Receiver security level, as collectd's `<Listen>` option `SecurityLevel` (report §3.8). */
export type SecurityLevel = 'none' | 'sign' | 'encrypt';

/**
 * What {@link parseCollectdPacket} needs besides the bytes. Read only; may be shared by any number of
 * calls.
 */
export interface BinaryParseContext {
  /** Data-source names and counts by type name (collectd's types.db). */
  readonly typesDb: TypesDb;
  /**
   * `none`: plain data accepted; signed data verified when `lookupUser` is given, else accepted
   * unchecked; encrypted data decrypted when `lookupUser` is given, else dropped.
   * `sign`: only signed or encrypted data accepted. `encrypt`: only encrypted data accepted.
   * `sign` and `encrypt` require `lookupUser`.
   */
  readonly securityLevel: SecurityLevel;
  /**
   * The AuthFile: password of a user, or undefined for an unknown user. Leave it out when no AuthFile
   * is configured. The username is the wire bytes decoded as UTF-8; the password is encoded as UTF-8
   * to form the key. Called at most once per signed or encrypted part; it must not throw.
   */
  readonly lookupUser?: (username: string) => string | undefined;
}

/**
 * Records, events and rejections of one datagram, plus counters for the receiver's metrics. Everything
 * is new for each call and belongs to the caller.
 */
export interface BinaryParseResult extends ParseResult {
  /** Value lists turned into records (each gives one record per data source). */
  readonly valueLists: number;
  /** Notifications turned into events. */
  readonly notifications: number;
  /** Signed regions whose HMAC was verified. */
  readonly signedRegions: number;
  /** Encrypted regions that decrypted with a matching SHA-1. */
  readonly encryptedRegions: number;
  /** Signature parts skipped without checking (level none and no AuthFile, as collectd does). */
  readonly uncheckedSignatures: number;
  /** Parts skipped because the security level refused them (also reported as one Rejection per region). */
  readonly ignoredParts: number;
  /** VALUES parts among `ignoredParts`. */
  readonly ignoredValueLists: number;
  /** Parts of unknown type, skipped by their length. */
  readonly unknownParts: number;
  /** Values whose on-wire kind differs from types.db (kept with the wire kind; collectd reinterprets them). */
  readonly kindMismatches: number;
}

const PART_SIGN_SHA256 = 0x0200;
const PART_ENCR_AES256 = 0x0210;
const SIGNED = 1;
const ENCRYPTED = 2;
/** Type, length and the 32-byte MAC. */
const SIGN_HEADER = 36;
/** Type, length, username length, IV and the SHA-1. */
const ENCR_HEADER = 42;
const MAX_DEPTH = 4;

/**
 * Where one region of bytes lives: `buf[start, end)`, with `delta` added to positions in `buf` to get
 * offsets in the original datagram (non-zero for decrypted copies).
 */
interface Region {
  readonly buf: Buffer;
  readonly start: number;
  readonly end: number;
  readonly delta: number;
  /** SIGNED | ENCRYPTED bits of the enclosing protection. */
  readonly flags: number;
  readonly depth: number;
}

/**
 * Decodes one collectd network-plugin datagram (binary protocol, collectd 4.x and 5.x) into metric
 * records (one per data source, named by types.db) and events (notifications).
 *
 * Follows collectd 5.12's receiver: parts are read in order with state carried within the datagram
 * and reset for each signed or encrypted region; unknown part types are skipped; on a malformed part
 * the rest of its region is abandoned, and everything decoded before stays. Each problem is one
 * Rejection with a code of `COLLECTD_BINARY_CODES` (codes.ts), a "cannot …" message and the byte offset
 * in `datagram` (offsets inside encrypted data point at the matching ciphertext byte). Choices beyond
 * collectd: on-wire kind codes win over types.db kinds (collectd reinterprets the bytes); numeric
 * parts must be exactly 12 bytes; a VALUES part with 0 values is rejected alone; names are decoded
 * as UTF-8 (invalid bytes become U+FFFD) and cut at an embedded NUL as C does; datagrams are not
 * truncated at any MaxPacketSize.
 *
 * Pure: no I/O, clock or logging. `datagram` is only read and may be reused after the call returns.
 * Never throws for any datagram content; throws {@link ParseError} `PARSE_ERR_BAD_CONTEXT` for an
 * invalid `ctx` only.
 */
export function parseCollectdPacket(datagram: Buffer, ctx: BinaryParseContext): BinaryParseResult {
  checkContext(ctx);
  const acc: Acc = {
    ctx,
    records: [],
    events: [],
    rejected: [],
    valueLists: 0,
    notifications: 0,
    signedRegions: 0,
    encryptedRegions: 0,
    uncheckedSignatures: 0,
    ignoredParts: 0,
    ignoredValueLists: 0,
    unknownParts: 0,
    kindMismatches: 0,
  };
  if (datagram.length === 0) {
    reject(acc, 'PARSE_ERR_TRUNCATED', 'cannot parse datagram at offset 0: it is empty', 0);
  } else {
    parseRegion(acc, { buf: datagram, start: 0, end: datagram.length, delta: 0, flags: 0, depth: 0 });
  }
  const { ctx: _, ...result } = acc;
  return result;
}

function checkContext(ctx: BinaryParseContext): void {
  const level = ctx.securityLevel;
  if (level !== 'none' && level !== 'sign' && level !== 'encrypt') {
    throw new ParseError('PARSE_ERR_BAD_CONTEXT', `cannot parse collectd packet: unknown security level "${String(level)}"`);
  }
  if (level !== 'none' && ctx.lookupUser === undefined) {
    throw new ParseError('PARSE_ERR_BAD_CONTEXT', `cannot parse collectd packet: security level ${level} needs lookupUser (an AuthFile)`);
  }
}

/** Parts skipped by the security level in one region, reported once at the region's end. */
interface Ignored {
  first: number;
  parts: number;
  valueLists: number;
  values: number;
}

/** collectd's `parse_packet`: walks the parts of one region until its end or the first damage. */
function parseRegion(acc: Acc, r: Region): void {
  const { buf, end, delta, flags } = r;
  const level = acc.ctx.securityLevel;
  const st = new RegionState();
  let ignored: Ignored | undefined;
  let pos = r.start;
  let ok = true;
  while (ok && end - pos > 4) {
    const type = (buf[pos] << 8) | buf[pos + 1];
    const len = (buf[pos + 2] << 8) | buf[pos + 3];
    if (len < 4 || len > end - pos) {
      const why = len < 4 ? `length ${len} < 4` : `length ${len} exceeds the ${end - pos} bytes left`;
      reject(acc, 'PARSE_ERR_PART_LENGTH', `cannot parse part 0x${hex4(type)} at offset ${pos + delta}: ${why}`, pos + delta);
      return finishRegion(acc, ignored, level);
    }
    if (type === PART_ENCR_AES256) {
      ok = parseEncrypted(acc, r, pos, len);
    } else if ((level === 'encrypt' && (flags & ENCRYPTED) === 0) || (level === 'sign' && flags === 0 && type !== PART_SIGN_SHA256)) {
      // network.c checks the level before anything else but ENCR_AES256 (and, at sign, SIGN_SHA256).
      ignored ??= { first: pos + delta, parts: 0, valueLists: 0, values: 0 };
      countIgnored(acc, ignored, buf, type, pos, len);
    } else if (type === PART_SIGN_SHA256) {
      const next = parseSigned(acc, r, pos, len);
      ok = next >= 0;
      if (ok) pos = next;
      continue;
    } else {
      ok = parsePart(acc, st, buf, pos, type, len, delta);
    }
    pos += len;
  }
  if (ok && pos < end) {
    const why = `only ${end - pos} bytes left, a part needs at least 5`;
    reject(acc, 'PARSE_ERR_TRUNCATED', `cannot parse part at offset ${pos + delta}: ${why}`, pos + delta);
  }
  finishRegion(acc, ignored, level);
}

function finishRegion(acc: Acc, ignored: Ignored | undefined, level: SecurityLevel): void {
  if (ignored !== undefined) reportIgnored(acc, ignored, level);
}

function countIgnored(acc: Acc, ignored: Ignored, buf: Buffer, type: number, pos: number, len: number): void {
  ignored.parts++;
  acc.ignoredParts++;
  if (type === PART_VALUES) {
    ignored.valueLists++;
    acc.ignoredValueLists++;
    if (len >= 6) ignored.values += (buf[pos + 4] << 8) | buf[pos + 5];
  }
}

function reportIgnored(acc: Acc, ignored: Ignored, level: SecurityLevel): void {
  const counts = `${ignored.parts} parts with ${ignored.valueLists} value lists skipped`;
  if (level === 'sign') {
    const why = `security level sign accepts only signed or encrypted data (${counts})`;
    reject(acc, 'PARSE_ERR_UNSIGNED_IGNORED', `cannot accept unsigned part at offset ${ignored.first}: ${why}`, ignored.first, ignored.values);
  } else {
    const why = `security level encrypt accepts only encrypted data (${counts})`;
    reject(acc, 'PARSE_ERR_UNENCRYPTED_IGNORED', `cannot accept unencrypted part at offset ${ignored.first}: ${why}`, ignored.first, ignored.values);
  }
}

/**
 * collectd's `parse_part_sign_sha256`. Returns where the region continues: its end when the signature
 * covered the rest (verified or not), `pos + len` for an unchecked signature, -1 to stop.
 */
function parseSigned(acc: Acc, r: Region, pos: number, len: number): number {
  const { buf, end, delta } = r;
  const at = pos + delta;
  if (len <= SIGN_HEADER) {
    const why = `length ${len} leaves no room for a username after the 32-byte MAC`;
    reject(acc, 'PARSE_ERR_BAD_SIGN_HEADER', `cannot parse signature part at offset ${at}: ${why}`, at);
    return -1;
  }
  const lookup = acc.ctx.lookupUser;
  if (lookup === undefined) {
    // Level none without an AuthFile: collectd skips the signature part and reads on, unverified,
    // in the same state (network.c after the CVE-2017-7401 fix).
    acc.uncheckedSignatures++;
    return pos + len;
  }
  if (!enterNested(acc, r, at)) return -1;
  const user = cString(buf, pos + SIGN_HEADER, pos + len);
  const password = lookup(user);
  if (password === undefined) {
    reject(acc, 'PARSE_ERR_UNKNOWN_USER', `cannot verify signature part at offset ${at}: unknown user ${quote(user)}`, at);
    return -1;
  }
  if (!hmacMatches(password, buf.subarray(pos + 4, pos + SIGN_HEADER), buf.subarray(pos + SIGN_HEADER, end))) {
    const why = `HMAC-SHA-256 mismatch for user ${quote(user)}`;
    reject(acc, 'PARSE_ERR_SIGNATURE_MISMATCH', `cannot verify signature part at offset ${at}: ${why}`, at);
    return end;
  }
  acc.signedRegions++;
  parseRegion(acc, { buf, start: pos + len, end, delta, flags: r.flags | SIGNED, depth: r.depth + 1 });
  return end;
}

/** collectd's `parse_part_encr_aes256`. Returns false to stop the region. */
function parseEncrypted(acc: Acc, r: Region, pos: number, len: number): boolean {
  const { buf, delta } = r;
  const at = pos + delta;
  const ulen = len > ENCR_HEADER ? buf.readUInt16BE(pos + 4) : 0;
  let why: string | undefined;
  if (len <= ENCR_HEADER) why = `length ${len} leaves no room for a username and data after the 42-byte header`;
  else if (ulen === 0 || ulen > len - ENCR_HEADER - 1) why = `username length ${ulen} is not within 1..${len - ENCR_HEADER - 1}`;
  if (why !== undefined) {
    reject(acc, 'PARSE_ERR_BAD_ENCR_HEADER', `cannot parse encrypted part at offset ${at}: ${why}`, at);
    return false;
  }
  const lookup = acc.ctx.lookupUser;
  if (lookup === undefined) {
    const why = 'security level none without an AuthFile drops encrypted data';
    reject(acc, 'PARSE_ERR_NO_AUTH_FILE', `cannot decrypt encrypted part at offset ${at}: ${why}`, at);
    return false;
  }
  if (!enterNested(acc, r, at)) return false;
  const user = cString(buf, pos + 6, pos + 6 + ulen);
  const password = lookup(user);
  if (password === undefined) {
    reject(acc, 'PARSE_ERR_UNKNOWN_USER', `cannot decrypt encrypted part at offset ${at}: unknown user ${quote(user)}`, at);
    return false;
  }
  const ivAt = pos + 6 + ulen;
  const plain = decryptAes256Ofb(password, buf.subarray(ivAt, ivAt + 16), buf.subarray(ivAt + 16, pos + len));
  if (!sha1Matches(plain)) {
    const why = `SHA-1 mismatch after decryption for user ${quote(user)} (wrong password or altered data)`;
    reject(acc, 'PARSE_ERR_CHECKSUM_MISMATCH', `cannot decrypt encrypted part at offset ${at}: ${why}`, at);
    return false;
  }
  acc.encryptedRegions++;
  // plain[i] is the plaintext of buf[ivAt + 16 + i]: offsets stay datagram offsets.
  parseRegion(acc, { buf: plain, start: 20, end: plain.length, delta: delta + ivAt + 16, flags: r.flags | ENCRYPTED, depth: r.depth + 1 });
  return true;
}

function enterNested(acc: Acc, r: Region, at: number): boolean {
  if (r.depth < MAX_DEPTH) return true;
  const why = `more than ${MAX_DEPTH} nested signed/encrypted parts`;
  reject(acc, 'PARSE_ERR_NESTING', `cannot parse protected part at offset ${at}: ${why}`, at);
  return false;
}

/** Username bytes as C sees them: up to the first NUL, decoded as UTF-8. */
function cString(buf: Buffer, start: number, end: number): string {
  const nul = buf.indexOf(0, start);
  return buf.toString('utf8', start, nul === -1 || nul > end ? end : nul);
}
