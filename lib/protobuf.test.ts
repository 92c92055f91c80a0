import { describe, expect, it } from 'vitest';
import { ProtobufError, ProtoReader, ProtoWriter, WIRE } from './protobuf.ts';

const hex = (h: string): Buffer => Buffer.from(h.replace(/\s+/g, ''), 'hex');
const reader = (h: string): ProtoReader => new ProtoReader(hex(h));

describe('ProtoReader: success', () => {
  // Encodings from https://protobuf.dev/programming-guides/encoding/ (150 = 96 01, -1 as int64 = ten bytes).
  it.each([
    ['00', 'uint32', 0],
    ['01', 'uint32', 1],
    ['9601', 'uint32', 150],
    ['ffffffff0f', 'uint32', 4294967295],
    ['ffffffffffffffffff01', 'uint32', 4294967295],
    ['9601', 'int64Number', 150],
    ['ffffffffffffffffff01', 'int64Number', -1],
    ['80d095ffbc31', 'int64Number', 1700000000000], // python: varint(1700000000000)
    ['03', 'sint32', -2],
    ['04', 'sint32', 2],
    ['01', 'bool', true],
    ['00', 'bool', false],
    ['0a000000', 'fixed32', 10],
    ['ffffffff', 'fixed32', 4294967295],
    ['000000000000f83f', 'double', 1.5],
    ['0000c03f', 'float', 1.5],
  ] as const)('%s as %s is %s', (h, method, expected) => {
    const r = reader(h);
    expect((r[method] as () => unknown).call(r)).toBe(expected);
    expect(r.more()).toBe(false);
  });

  it.each([
    ['ffffffffffffffffff01', 'uint64', 2n ** 64n - 1n],
    ['ffffffffffffffffff01', 'int64', -1n],
    ['feffffffffffffffff01', 'sint64', 2n ** 63n - 1n],
    ['ffffffffffffffffff01', 'sint64', -(2n ** 63n)],
    ['ffffffffffffffff', 'fixed64', 2n ** 64n - 1n],
    ['feffffffffffffff', 'sfixed64', -2n],
  ] as const)('%s as %s is %s', (h, method, expected) => {
    const r = reader(h);
    expect((r[method] as () => bigint).call(r)).toBe(expected);
  });

  it('reads int64Number exactly for millisecond timestamps, positive and negative', () => {
    for (const v of [1700000000123, -1700000000123, 2 ** 53 - 1, -(2 ** 31)]) {
      const b = new ProtoWriter().varint(BigInt(v)).finish();
      expect(new ProtoReader(b).int64Number()).toBe(v);
    }
  });

  it('converts fixed64 nanoseconds to whole milliseconds without rounding', () => {
    const ns = 1700000000123999999n;
    expect(new ProtoReader(new ProtoWriter().fixed64(ns).finish()).fixed64Millis()).toBe(1700000000123);
  });

  it('walks fields, reads strings and sub-messages, and skips unknown fields of every wire type', () => {
    const inner = new ProtoWriter().bytes(1, 'héllo').finish();
    const b = new ProtoWriter()
      .tag(9, WIRE.VARINT).varint(300)
      .tag(10, WIRE.I64).fixed64(7n)
      .tag(11, WIRE.I32).raw(hex('01020304'))
      .bytes(12, 'skip me')
      .bytes(2, inner)
      .finish();
    const r = new ProtoReader(b);
    let s = '';
    while (r.more()) {
      const tag = r.tag();
      if (tag === ((2 << 3) | WIRE.LEN)) {
        const m = r.message();
        expect(m.tag()).toBe((1 << 3) | WIRE.LEN);
        s = m.string();
      } else r.skip(tag & 7);
    }
    expect(s).toBe('héllo');
  });

  it('reads packed and unpacked repeated fields alike', () => {
    const packed = new ProtoWriter().bytes(6, new ProtoWriter().fixed64(1n).fixed64(2n).finish()).finish();
    const unpacked = new ProtoWriter().tag(6, WIRE.I64).fixed64(1n).tag(6, WIRE.I64).fixed64(2n).finish();
    for (const b of [packed, unpacked]) {
      const r = new ProtoReader(b);
      const got: bigint[] = [];
      while (r.more()) r.repeated(r.tag() & 7, WIRE.I64, (s) => got.push(s.fixed64()));
      expect(got).toEqual([1n, 2n]);
    }
  });
});

describe('ProtoReader: failure', () => {
  const f = (h: string, read: (r: ProtoReader) => unknown, code: string, offset: number): void => {
    let err: unknown;
    try {
      read(reader(h));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ProtobufError);
    expect(err).toMatchObject({ code, offset });
    expect((err as Error).message).toMatch(new RegExp(`^cannot read .* offset ${offset}`));
  };
  it.each([
    ['truncated varint', '96', (r: ProtoReader) => r.uint32(), 'PROTO_ERR_TRUNCATED', 0],
    ['truncated 64-bit varint', 'ffff', (r: ProtoReader) => r.uint64(), 'PROTO_ERR_TRUNCATED', 0],
    ['varint of 11 bytes', 'ffffffffffffffffffff01', (r: ProtoReader) => r.uint64(), 'PROTO_ERR_VARINT', 0],
    ['uint32 varint of 11 bytes', 'ffffffffffffffffffff01', (r: ProtoReader) => r.uint32(), 'PROTO_ERR_VARINT', 0],
    ['short double', '0000', (r: ProtoReader) => r.double(), 'PROTO_ERR_TRUNCATED', 0],
    ['short fixed32 after a field', '0801 0000', (r: ProtoReader) => (r.tag(), r.uint32(), r.fixed32()), 'PROTO_ERR_TRUNCATED', 2],
    ['length beyond the end', '0a05 6162', (r: ProtoReader) => (r.tag(), r.bytes()), 'PROTO_ERR_TRUNCATED', 1],
    ['field number 0', '0001', (r: ProtoReader) => r.tag(), 'PROTO_ERR_FIELD', 0],
    ['group wire type', '0b', (r: ProtoReader) => r.skip(r.tag() & 7), 'PROTO_ERR_WIRE_TYPE', 1],
    ['invalid UTF-8', '0a02 c328', (r: ProtoReader) => (r.tag(), r.string()), 'PROTO_ERR_UTF8', 1],
    ['sub-message bounds the reads', '0a01 09', (r: ProtoReader) => (r.tag(), r.message().double()), 'PROTO_ERR_TRUNCATED', 2],
  ] as const)('%s', (_name, h, read, code, offset) => f(h, read, code, offset));
});

describe('ProtoWriter', () => {
  it('writes what the reader reads back (negative varints as ten bytes)', () => {
    const b = new ProtoWriter().varint(-1).finish();
    expect(b.toString('hex')).toBe('ffffffffffffffffff01');
    expect(new ProtoReader(b).int64()).toBe(-1n);
  });
});
