import { createCipheriv, createHash, createHmac } from 'node:crypto';

// Builds collectd network-protocol datagrams byte by byte, the way collectd's network.c writes them.
// Test support for this folder (tables, fuzzing, benchmarks) and for UDP integration tests.

/** Part type codes of collectd's network.h (report §3.3). */
export const PART = {
  HOST: 0x0000,
  TIME: 0x0001,
  PLUGIN: 0x0002,
  PLUGIN_INSTANCE: 0x0003,
  TYPE: 0x0004,
  TYPE_INSTANCE: 0x0005,
  VALUES: 0x0006,
  INTERVAL: 0x0007,
  TIME_HR: 0x0008,
  INTERVAL_HR: 0x0009,
  MESSAGE: 0x0100,
  SEVERITY: 0x0101,
  SIGN_SHA256: 0x0200,
  ENCR_AES256: 0x0210,
} as const;

/** Wire kind codes of a VALUES part. */
export const KIND = { counter: 0, gauge: 1, derive: 2, absolute: 3 } as const;

/** A raw part: `type`, the length field (4 + payload unless `length` overrides it) and the payload. */
export function part(type: number, payload: Uint8Array, length = 4 + payload.length): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt16BE(type, 0);
  head.writeUInt16BE(length, 2);
  return Buffer.concat([head, payload]);
}

/** A string part: UTF-8 bytes plus the terminating NUL. */
export function stringPart(type: number, text: string): Buffer {
  return part(type, Buffer.concat([Buffer.from(text, 'utf8'), Buffer.alloc(1)]));
}

/** A numeric part: 12 bytes, uint64 big-endian. */
export function numberPart(type: number, value: bigint): Buffer {
  const payload = Buffer.alloc(8);
  payload.writeBigUInt64BE(BigInt.asUintN(64, value));
  return part(type, payload);
}

/** One value of a VALUES part: a wire kind code (0–3, or anything else for malformed tests) and the value. */
export type WireValue = readonly [code: number, value: number | bigint];

/** A VALUES part: n, the kind codes, then 8 bytes each (gauge LE double, others BE integers). */
export function valuesPart(values: readonly WireValue[]): Buffer {
  const n = values.length;
  const payload = Buffer.alloc(2 + 9 * n);
  payload.writeUInt16BE(n, 0);
  values.forEach(([code, value], i) => {
    payload[2 + i] = code;
    const at = 2 + n + 8 * i;
    if (typeof value === 'number') payload.writeDoubleLE(value, at);
    else payload.writeBigUInt64BE(BigInt.asUintN(64, value), at);
  });
  return part(PART.VALUES, payload);
}

/** Seconds (may be fractional) → cdtime_t, 2^-30 s. */
export function cdtime(seconds: number): bigint {
  const whole = Math.floor(seconds);
  return (BigInt(whole) << 30n) + BigInt(Math.round((seconds - whole) * 2 ** 30));
}

/** The identity and timing of a value list, as {@link valueList} writes it. */
export interface ValueListSpec {
  host?: string;
  plugin?: string;
  pluginInstance?: string;
  type?: string;
  typeInstance?: string;
  /** Seconds; written as TIME_HR. */
  time?: number;
  /** Seconds; written as INTERVAL_HR. */
  interval?: number;
  values: readonly WireValue[];
}

/** HOST, TIME_HR, INTERVAL_HR, PLUGIN, PLUGIN_INSTANCE, TYPE, TYPE_INSTANCE (each only when given), then VALUES. */
export function valueList(spec: ValueListSpec): Buffer {
  const parts: Buffer[] = [];
  if (spec.host !== undefined) parts.push(stringPart(PART.HOST, spec.host));
  if (spec.time !== undefined) parts.push(numberPart(PART.TIME_HR, cdtime(spec.time)));
  if (spec.interval !== undefined) parts.push(numberPart(PART.INTERVAL_HR, cdtime(spec.interval)));
  if (spec.plugin !== undefined) parts.push(stringPart(PART.PLUGIN, spec.plugin));
  if (spec.pluginInstance !== undefined) parts.push(stringPart(PART.PLUGIN_INSTANCE, spec.pluginInstance));
  if (spec.type !== undefined) parts.push(stringPart(PART.TYPE, spec.type));
  if (spec.typeInstance !== undefined) parts.push(stringPart(PART.TYPE_INSTANCE, spec.typeInstance));
  parts.push(valuesPart(spec.values));
  return Buffer.concat(parts);
}

/** SIGN_SHA256 part followed by `payload`: HMAC-SHA-256(password, username ‖ payload) (report §3.6). */
export function signed(payload: Uint8Array, username: string, password: string): Buffer {
  const user = Buffer.from(username, 'utf8');
  const mac = createHmac('sha256', Buffer.from(password, 'utf8')).update(user).update(payload).digest();
  return Buffer.concat([part(PART.SIGN_SHA256, Buffer.concat([mac, user])), payload]);
}

/**
 * One ENCR_AES256 part holding `payload`: username, IV, then AES-256-OFB(SHA-256(password), iv) of
 * SHA-1(payload) ‖ payload (report §3.7). `iv` must be 16 bytes.
 */
export function encrypted(payload: Uint8Array, username: string, password: string, iv: Uint8Array): Buffer {
  const user = Buffer.from(username, 'utf8');
  const key = createHash('sha256').update(Buffer.from(password, 'utf8')).digest();
  const cipher = createCipheriv('aes-256-ofb', key, iv);
  const plain = Buffer.concat([createHash('sha1').update(payload).digest(), payload]);
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  const ulen = Buffer.alloc(2);
  ulen.writeUInt16BE(user.length);
  return part(PART.ENCR_AES256, Buffer.concat([ulen, user, iv, body]));
}
