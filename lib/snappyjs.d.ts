// Types of snappyjs (snappy block format in pure JavaScript), which ships none.
declare module 'snappyjs' {
  /** Compresses into one snappy block (no framing). */
  export function compress<T extends ArrayBuffer | Uint8Array | Buffer>(input: T): T;
  /** Decompresses one snappy block (check its declared length first: it allocates that much). */
  export function uncompress<T extends ArrayBuffer | Uint8Array | Buffer>(input: T): T;
  const snappy: { compress: typeof compress; uncompress: typeof uncompress };
  export default snappy;
}
