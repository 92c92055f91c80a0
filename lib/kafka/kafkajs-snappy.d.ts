// kafkajs-snappy ships no types: its default export is a kafkajs codec factory.
declare module 'kafkajs-snappy' {
  import type { Codec } from 'kafkajs';
  const SnappyCodec: () => Codec;
  export default SnappyCodec;
}
