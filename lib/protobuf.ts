// A small reader of the protobuf wire format (https://protobuf.dev/programming-guides/encoding/) for the
// push formats that use it (Prometheus remote write, OTLP). No generated code: parsers walk the fields
// themselves, skip what they do not know, and every read is bounds-checked.

/** Wire types of the protobuf encoding. Groups (3, 4) are deprecated and refused. */
export const WIRE = { VARINT: 0, I64: 1, LEN: 2, SGROUP: 3, EGROUP: 4, I32: 5 } as const;

/**
 * A malformed protobuf message: `offset` is the byte where reading failed (in the buffer the reader
 * was built on). Parsers turn it into their own ParseError (lib/ imports nothing of ingest/).
 */
export class ProtobufError extends Error {
  override readonly name = 'ProtobufError';
  /** `PROTO_ERR_TRUNCATED`, `PROTO_ERR_VARINT`, `PROTO_ERR_WIRE_TYPE`, `PROTO_ERR_FIELD`, `PROTO_ERR_UTF8`. */
  readonly code: string;
  readonly offset: number;
  constructor(code: string, message: string, offset: number) {
    super(message);
    this.code = code;
    this.offset = offset;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const TWO_32 = 4294967296;

/**
 * Reads fields of one message from `buf[pos, end)`. Typical loop:
 *
 * ```ts
 * while (r.more()) {
 *   const tag = r.tag();
 *   if (tag === ((1 << 3) | WIRE.LEN)) name = r.string(); else r.skip(tag & 7);
 * }
 * ```
 *
 * Lifetime: `bytes()` and `message()` return views into the caller's buffer, valid as long as it is.
 */
export class ProtoReader {
  pos: number;
  readonly end: number;
  constructor(
    readonly buf: Uint8Array,
    pos = 0,
    end = buf.length,
  ) {
    this.pos = pos;
    this.end = end;
  }

  /** True while bytes of this message remain. */
  more(): boolean {
    return this.pos < this.end;
  }

  /** Next field key (`field << 3 | wireType`); field 0 is refused. */
  tag(): number {
    const at = this.pos;
    const key = this.uint32();
    if (key >>> 3 === 0) throw new ProtobufError('PROTO_ERR_FIELD', `cannot read protobuf field at offset ${at}: field number 0`, at);
    return key;
  }

  /** A varint as an unsigned 32-bit number (higher bits of a longer varint are dropped, as protobuf does). */
  uint32(): number {
    const { buf, end } = this;
    let p = this.pos;
    let v = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (p >= end) this.truncated(this.pos, 'varint');
      const b = buf[p++];
      v |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = p;
        return v >>> 0;
      }
    }
    // Bytes beyond 32 bits (an int32 -1 takes ten): skip them, checked.
    for (let i = 5; i < 10; i++) {
      if (p >= end) this.truncated(this.pos, 'varint');
      if (buf[p++] < 0x80) {
        this.pos = p;
        return v >>> 0;
      }
    }
    throw new ProtobufError('PROTO_ERR_VARINT', `cannot read varint at offset ${this.pos}: longer than 10 bytes`, this.pos);
  }

  /** A varint as its low and high 32-bit words. */
  private varint64(): [number, number] {
    const { buf, end } = this;
    const start = this.pos;
    let p = start;
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 10; i++) {
      if (p >= end) this.truncated(start, 'varint');
      const b = buf[p++];
      if (i < 4) lo |= (b & 0x7f) << (i * 7);
      else if (i === 4) {
        lo |= (b & 0x0f) << 28;
        hi |= (b & 0x7f) >> 4;
      } else hi |= (b & 0x7f) << (i * 7 - 32);
      if (b < 0x80) {
        this.pos = p;
        return [lo >>> 0, hi >>> 0];
      }
    }
    throw new ProtobufError('PROTO_ERR_VARINT', `cannot read varint at offset ${start}: longer than 10 bytes`, start);
  }

  /** A varint as an unsigned 64-bit bigint (uint64). */
  uint64(): bigint {
    const [lo, hi] = this.varint64();
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** A varint as a signed 64-bit bigint (int64, two's complement). */
  int64(): bigint {
    return BigInt.asIntN(64, this.uint64());
  }

  /** A varint int64 as a number: exact within ±2^53 (millisecond timestamps), rounded beyond. */
  int64Number(): number {
    const [lo, hi] = this.varint64();
    return hi & 0x80000000 ? -((~hi >>> 0) * TWO_32 + (~lo >>> 0) + 1) : hi * TWO_32 + lo;
  }

  /** A zigzag varint as a signed 32-bit number (sint32). */
  sint32(): number {
    const v = this.uint32();
    return (v >>> 1) ^ -(v & 1);
  }

  /** A zigzag varint as a signed 64-bit bigint (sint64). */
  sint64(): bigint {
    const v = this.uint64();
    return (v >> 1n) ^ -(v & 1n);
  }

  /** A varint as a boolean. */
  bool(): boolean {
    const [lo, hi] = this.varint64();
    return lo !== 0 || hi !== 0;
  }

  /** 4 little-endian bytes as an unsigned number (fixed32). */
  fixed32(): number {
    this.need(4, 'fixed32');
    const { buf, pos: p } = this;
    this.pos = p + 4;
    return (buf[p] | (buf[p + 1] << 8) | (buf[p + 2] << 16)) + buf[p + 3] * 0x1000000;
  }

  /** 8 little-endian bytes as an unsigned bigint (fixed64). */
  fixed64(): bigint {
    const lo = this.fixed32();
    const hi = this.fixed32();
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** 8 little-endian bytes as a signed bigint (sfixed64). */
  sfixed64(): bigint {
    return BigInt.asIntN(64, this.fixed64());
  }

  /** A fixed64 of nanoseconds as whole milliseconds (exact, by integer division). */
  fixed64Millis(): number {
    return Number(this.fixed64() / 1_000_000n);
  }

  /** 4 little-endian bytes as an IEEE float. */
  float(): number {
    this.need(4, 'float');
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 4).getFloat32(0, true);
    this.pos += 4;
    return v;
  }

  /** 8 little-endian bytes as an IEEE double. */
  double(): number {
    this.need(8, 'double');
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8).getFloat64(0, true);
    this.pos += 8;
    return v;
  }

  /** The low and high 32-bit words of the next 8 bytes, not consumed (to tell NaN payloads such as stale markers apart). */
  peekDoubleWords(): [lo: number, hi: number] {
    this.need(8, 'double');
    const dv = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8);
    return [dv.getUint32(0, true), dv.getUint32(4, true)];
  }

  /** Length prefix of a length-delimited field, checked against the message end; returns the field's end. */
  private lengthEnd(what: string): number {
    const at = this.pos;
    const len = this.uint32();
    if (len > this.end - this.pos) {
      throw new ProtobufError('PROTO_ERR_TRUNCATED', `cannot read ${what} at offset ${at}: length ${len} exceeds the ${this.end - this.pos} bytes left`, at);
    }
    return this.pos + len;
  }

  /** A length-delimited field as a view of the buffer. */
  bytes(): Uint8Array {
    const e = this.lengthEnd('bytes');
    const v = this.buf.subarray(this.pos, e);
    this.pos = e;
    return v;
  }

  /** A length-delimited field as UTF-8 text; invalid UTF-8 is refused. */
  string(): string {
    const at = this.pos;
    const b = this.bytes();
    if (b.length === 0) return '';
    try {
      return utf8.decode(b);
    } catch {
      throw new ProtobufError('PROTO_ERR_UTF8', `cannot read string at offset ${at}: invalid UTF-8`, at);
    }
  }

  /** A length-delimited embedded message: a reader of its bytes (same buffer, so offsets stay absolute). */
  message(): ProtoReader {
    const e = this.lengthEnd('message');
    const r = new ProtoReader(this.buf, this.pos, e);
    this.pos = e;
    return r;
  }

  /**
   * Reads a repeated scalar field that may be packed (one LEN field) or not (one value per tag):
   * `each` reads one element and is called once per element.
   */
  repeated(wireType: number, elementWire: number, each: (r: ProtoReader) => void): void {
    if (wireType === WIRE.LEN) {
      const sub = this.message();
      while (sub.more()) each(sub);
    } else if (wireType === elementWire) each(this);
    else this.badWire(wireType);
  }

  /** Skips one field's value of the given wire type. */
  skip(wireType: number): void {
    switch (wireType) {
      case WIRE.VARINT:
        this.varint64();
        return;
      case WIRE.I64:
        this.need(8, 'fixed64');
        this.pos += 8;
        return;
      case WIRE.LEN:
        this.pos = this.lengthEnd('field');
        return;
      case WIRE.I32:
        this.need(4, 'fixed32');
        this.pos += 4;
        return;
      default:
        this.badWire(wireType);
    }
  }

  /** Throws for a wire type a field cannot have. */
  badWire(wireType: number): never {
    throw new ProtobufError('PROTO_ERR_WIRE_TYPE', `cannot read protobuf field before offset ${this.pos}: wire type ${wireType} is not supported here`, this.pos);
  }

  private need(n: number, what: string): void {
    if (this.end - this.pos < n) this.truncated(this.pos, what);
  }

  private truncated(at: number, what: string): never {
    throw new ProtobufError('PROTO_ERR_TRUNCATED', `cannot read ${what} at offset ${at}: the message ends at ${this.end}`, at);
  }
}

/** Appends protobuf fields to a growing byte list; for answers (OTLP responses, google.rpc.Status) and tests. */
export class ProtoWriter {
  private readonly out: number[] = [];

  /** A field key. */
  tag(field: number, wireType: number): this {
    return this.varint((field << 3) | wireType);
  }

  /** An unsigned varint from a number (up to 2^53) or a bigint (two's complement for negatives, 64 bits). */
  varint(v: number | bigint): this {
    let x = typeof v === 'bigint' ? BigInt.asUintN(64, v) : BigInt(v < 0 ? BigInt.asUintN(64, BigInt(v)) : v);
    while (x >= 0x80n) {
      this.out.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.out.push(Number(x));
    return this;
  }

  /** 8 little-endian bytes of a double. */
  double(v: number): this {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(v);
    return this.raw(b);
  }

  /** 8 little-endian bytes of a (u)int64. */
  fixed64(v: bigint): this {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt.asUintN(64, v));
    return this.raw(b);
  }

  /** A length-delimited field: key, length, bytes (a string is UTF-8 encoded). */
  bytes(field: number, v: Uint8Array | string): this {
    const b = typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
    return this.tag(field, WIRE.LEN).varint(b.length).raw(b);
  }

  /** Appends bytes as they are. */
  raw(b: Uint8Array): this {
    for (const x of b) this.out.push(x);
    return this;
  }

  finish(): Buffer {
    return Buffer.from(this.out);
  }
}
