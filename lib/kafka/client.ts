/**
 * The project's own small Kafka interface. Receivers and the writer use only this; the one adapter
 * (`kafkajs.ts`) owns the client library, so it can be replaced without touching them.
 */

/** A message to produce, to an explicit partition. */
export interface OutgoingMessage {
  readonly partition: number;
  readonly value: Buffer;
  readonly key?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A consumed message. Offsets stay below 2^53 in any real topic, so they are numbers. */
export interface IncomingMessage {
  readonly offset: number;
  readonly value: Buffer | null;
}

export interface ProducerOptions {
  /** acks=all and an idempotent producer, always. */
  readonly compression: 'snappy' | 'gzip' | 'none';
}

export interface Producer {
  /** Resolves once every message is acknowledged by all in-sync replicas; rejects otherwise. */
  send(topic: string, messages: readonly OutgoingMessage[]): Promise<void>;
  close(): Promise<void>;
}

/** A committed position: the next offset to read, and the metadata stored with it. */
export interface Committed {
  readonly offset: number;
  readonly metadata: string | null;
}

export interface ConsumerHandlers {
  /**
   * The group gave this member a new assignment (after every rebalance, also when unchanged). Called
   * before any message of the new assignment is delivered; everything buffered before is stale.
   */
  onAssigned(partitions: number[]): void;
  /**
   * Messages of one partition, in offset order. The consumer keeps fetching while this runs only for
   * other partitions, so it must return quickly (buffer, then insert elsewhere). `highWatermark` is
   * the partition's end offset as of this fetch.
   */
  onMessages(partition: number, messages: readonly IncomingMessage[], highWatermark: number): Promise<void>;
}

export interface ConsumerOptions {
  readonly groupId: string;
  readonly topic: string;
  readonly sessionTimeoutMs: number;
  /** Where a group without a committed offset starts. */
  readonly fromBeginning: boolean;
}

/** A group member with manual offset commits; heartbeats run on their own while it consumes. */
export interface Consumer {
  run(handlers: ConsumerHandlers): Promise<void>;
  /** Commits `offset` (the next to read) of a partition with metadata; rejects after a rebalance took it away. */
  commit(partition: number, offset: number, metadata: string): Promise<void>;
  /** The group's committed positions of the topic, by partition (absent: nothing committed). */
  committed(): Promise<Map<number, Committed>>;
  pause(partitions: readonly number[]): void;
  resume(partitions: readonly number[]): void;
  /** Fetches the partition from `offset` next; messages of it fetched before are not delivered. */
  seek(partition: number, offset: number): void;
  stop(): Promise<void>;
}

export interface TopicSpec {
  readonly topic: string;
  readonly partitions: number;
  /** -1 takes the broker default. */
  readonly replicationFactor: number;
}

export interface KafkaClient {
  /** Creates the topic when missing (if `create`), and answers its partition count. */
  ensureTopic(spec: TopicSpec, create: boolean): Promise<number>;
  /** True when a broker answers a metadata request for the topic. */
  ping(topic: string): Promise<boolean>;
  producer(opts: ProducerOptions): Promise<Producer>;
  consumer(opts: ConsumerOptions): Consumer;
  close(): Promise<void>;
}
