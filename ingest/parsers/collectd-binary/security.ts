import { createDecipheriv, createHash, createHmac, timingSafeEqual } from 'node:crypto';

// The two cryptographic checks of collectd's network protocol (report §3.6, §3.7), kept apart from
// the part parser so they can be tested against the upstream vectors on their own.

/**
 * Checks a SIGN_SHA256 MAC: HMAC-SHA-256 keyed with the password bytes (UTF-8, no hashing) over
 * `signed` (the username followed by everything after the signature part). The comparison is
 * constant-time. `mac` must be 32 bytes; any other length is a mismatch. Buffers are only read.
 */
export function hmacMatches(password: string, mac: Uint8Array, signed: Uint8Array): boolean {
  const expected = createHmac('sha256', Buffer.from(password, 'utf8')).update(signed).digest();
  return mac.length === expected.length && timingSafeEqual(mac, expected);
}

/**
 * Decrypts the ciphertext of an ENCR_AES256 part: AES-256-OFB with key SHA-256(password bytes) and the
 * 16-byte `iv` sent in clear. Returns a new buffer of the same length as `ciphertext` (OFB needs no
 * padding), which should hold SHA-1(payload) ‖ payload; check it with {@link sha1Matches}.
 */
export function decryptAes256Ofb(password: string, iv: Uint8Array, ciphertext: Uint8Array): Buffer {
  const key = createHash('sha256').update(Buffer.from(password, 'utf8')).digest();
  const decipher = createDecipheriv('aes-256-ofb', key, iv);
  const head = decipher.update(ciphertext);
  const tail = decipher.final();
  return tail.length === 0 ? head : Buffer.concat([head, tail]);
}

/**
 * True when the first 20 bytes of `plain` equal SHA-1 of the rest (collectd's integrity check on
 * decrypted data; an unkeyed hash, so it catches a wrong password and corruption, not forgery).
 */
export function sha1Matches(plain: Uint8Array): boolean {
  if (plain.length < 20) return false;
  const digest = createHash('sha1').update(plain.subarray(20)).digest();
  return timingSafeEqual(plain.subarray(0, 20), digest);
}
