import type { Storage } from '../../lib/clickhouse/client.ts';
import type { Consumer, IncomingMessage, Producer } from '../../lib/kafka/client.ts';
import type { Registry } from '../../lib/metrics.ts';
import { blockToken, decodeRecords, parsePendingMetadata, pendingMetadata, TopicDecodeError } from '../../lib/topic.ts';
import type { IngestMetrics } from '../metrics.ts';
import { insertBlock, isEmptyBlock, newRowBlock, RowBuilder, timeWindow, type RowBlock } from './rows.ts';

export interface KafkaWriterOptions {
  readonly consumer: Consumer;
  readonly topic: string;
  /** Where undecodable messages are set aside. */
  readonly deadLetter: { readonly producer: Producer; readonly topic: string; readonly partitions: number };
  readonly storage: Storage;
  readonly metrics: IngestMetrics;
  readonly registry: Registry;
  /** Rows in a block before it is inserted. */
  readonly batchRows: number;
  /** Longest time the first message of a block waits before the block is inserted. */
  readonly flushIntervalMs: number;
  /** Blocks of one partition waiting for storage before fetching from it pauses. */
  readonly maxQueuedBlocks: number;
  readonly seriesCacheSize: number;
  readonly samplesDays: number;
  readonly maxFutureSeconds: number;
  /** Longest a graceful stop waits for storage before leaving blocks to the next owner. */
  readonly stopTimeoutMs?: number;
  readonly log?: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void; error(obj: object, msg: string): void };
  readonly now?: () => number;
}

export interface KafkaWriter {
  /** Starts consuming; resolves at once, the group join goes on in the background. */
  start(): Promise<void>;
  /** Stops fetching, stores and commits what it holds (within the stop timeout), leaves the group. */
  stop(): Promise<void>;
  /** False while inserts fail. */
  healthy(): boolean;
  /** Values held in blocks not yet stored. */
  pendingRows(): number;
}

/** Consecutive messages `[first, last]` of one partition, as rows. */
interface Block {
  readonly gen: number;
  readonly first: number;
  last: number;
  readonly rows: RowBlock;
  /** Values (samples rows) in the block. */
  values: number;
  readonly since: number;
}

interface Part {
  readonly partition: number;
  readonly gen: number;
  /** Next offset to take; earlier ones are already in a block. -1 until known. */
  next: number;
  /** A block whose intent was committed but not its end must be rebuilt to exactly this offset. */
  replayEnd: number | undefined;
  open: Block | undefined;
  readonly queue: Block[];
  draining: Promise<void> | undefined;
  paused: boolean;
  highWatermark: number;
  /** Next offset to read as committed by this member (for lag). */
  committed: number;
  /** Offset this writer last asked the consumer to fetch from, after a gap. */
  sought: number | undefined;
}

const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

/**
 * The writer role: consumes the records topic in a consumer group and inserts per-partition blocks
 * into ClickHouse, effectively once.
 *
 * A block is a run of consecutive offsets `[a, b]` of one partition. Before inserting it, the writer
 * commits offset `a` again with the metadata `pending:b` (the intent); it then inserts with the
 * deduplication token `topic:partition:a-b` and, once storage has it, commits `b+1`. Whoever owns the
 * partition next (this process after a restart, or another member after a rebalance) reads the
 * committed metadata; on `pending:b` it rebuilds exactly `[a, b]` and inserts it with the same token,
 * which storage drops if the first attempt landed. Offsets are committed only after storage has the
 * rows, so a crash at any point loses nothing and stores nothing twice.
 *
 * Blocks are built as messages arrive (the fetch loop never waits for storage, so heartbeats keep
 * flowing); each partition inserts its blocks in order, and fetching from a partition pauses while
 * `maxQueuedBlocks` of its blocks wait for storage. Inserts that fail are retried with the same token
 * until they succeed or the partition moves elsewhere.
 */
export function createKafkaWriter(opts: KafkaWriterOptions): KafkaWriter {
  const { consumer, metrics, topic } = opts;
  const now = opts.now ?? Date.now;
  const rows = new RowBuilder(opts.seriesCacheSize);
  const parts = new Map<number, Part>();
  /** Drains of earlier generations still running, by partition. */
  const leftovers = new Map<number, Promise<void>>();
  let gen = 0;
  let assigned: number[] = [];
  let stopping = false;
  let aborted = false;
  let failingSince: number | undefined;
  let pending = 0;
  let timer: NodeJS.Timeout | undefined;

  const r = opts.registry;
  const m = {
    blocks: r.counter('fleetscope_kafka_writer_blocks_total', 'Blocks handled by the writer, by outcome (stored, abandoned to the next owner).'),
    retries: r.counter('fleetscope_kafka_writer_insert_retries_total', 'Insert attempts of a block that failed and were retried with the same token.'),
    commits: r.counter('fleetscope_kafka_writer_commits_total', 'Offset commits, by kind (intent, done) and outcome (ok, failed).'),
    poison: r.counter('fleetscope_kafka_writer_poison_messages_total', 'Messages that could not be decoded, set aside on the dead-letter topic.'),
    rebalances: r.counter('fleetscope_kafka_writer_assignments_total', 'Partition assignments received from the group.'),
    replays: r.counter('fleetscope_kafka_writer_replayed_blocks_total', 'Blocks rebuilt from a pending intent left by an earlier owner.'),
    expired: r.counter('fleetscope_kafka_writer_expired_messages_total', 'Messages Kafka deleted (retention) before the writer stored them.'),
    seeks: r.counter('fleetscope_kafka_writer_seeks_total', 'Times the consumer delivered a partition past where the writer stood and was sent back.'),
    blockSeconds: r.histogram('fleetscope_kafka_writer_block_seconds', 'Time from a block\'s first message to its commit.', [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60]),
  };
  r.collect('fleetscope_kafka_consumer_lag', 'Messages of a partition not yet committed by this writer (end offset minus committed offset).', () =>
    [...parts.values()].filter((p) => p.gen === gen).map((p) => [{ partition: String(p.partition) }, Math.max(0, p.highWatermark - p.committed)] as const),
  );
  r.collect('fleetscope_kafka_writer_paused_partitions', 'Partitions whose fetching is paused because storage falls behind.', () => [
    [{}, [...parts.values()].filter((p) => p.gen === gen && p.paused).length],
  ]);
  r.collect('fleetscope_kafka_writer_queued_blocks', 'Blocks waiting for storage.', () => [[{}, [...parts.values()].reduce((n, p) => n + (p.gen === gen ? p.queue.length : 0), 0)]]);
  r.collect('fleetscope_kafka_writer_assigned_partitions', 'Partitions of the records topic this writer owns.', () => [[{}, assigned.length]]);

  function current(p: Part | Block): boolean {
    return p.gen === gen && !aborted;
  }

  function onAssigned(partitions: number[]): void {
    gen++;
    assigned = partitions;
    m.rebalances.inc();
    for (const p of parts.values()) {
      pending -= p.queue.reduce((n, b) => n + b.values, 0) + (p.open?.values ?? 0);
      p.queue.length = 0;
      p.open = undefined;
      if (p.draining) leftovers.set(p.partition, p.draining);
    }
    parts.clear();
    // Fetching restarts from the committed offsets; nothing is queued, so nothing stays paused.
    consumer.resume(partitions);
    opts.log?.info({ partitions, generation: gen }, 'writer assigned partitions');
  }

  async function partState(partition: number): Promise<Part | undefined> {
    const existing = parts.get(partition);
    if (existing && existing.gen === gen) return existing;
    const g = gen;
    const before = leftovers.get(partition);
    if (before) await before;
    const committed = (await consumer.committed()).get(partition);
    if (g !== gen) return undefined; // reassigned meanwhile; the messages come again
    leftovers.delete(partition);
    const replayEnd = parsePendingMetadata(committed?.metadata);
    if (replayEnd !== undefined) {
      m.replays.inc();
      opts.log?.info({ partition, first: committed!.offset, last: replayEnd }, 'rebuilding a block left pending by the previous owner');
    }
    const p: Part = {
      partition,
      gen: g,
      next: committed?.offset ?? -1,
      replayEnd,
      open: undefined,
      queue: [],
      draining: undefined,
      paused: false,
      highWatermark: 0,
      committed: committed?.offset ?? 0,
      sought: undefined,
    };
    parts.set(partition, p);
    return p;
  }

  async function setAside(partition: number, msg: IncomingMessage, err: Error): Promise<void> {
    m.poison.inc();
    opts.log?.warn({ partition, offset: msg.offset, err: err.message }, 'cannot decode a message; setting it aside on the dead-letter topic');
    await opts.deadLetter.producer.send(opts.deadLetter.topic, [
      {
        partition: partition % opts.deadLetter.partitions,
        value: msg.value ?? Buffer.alloc(0),
        headers: { 'fleetscope-origin': `${topic}:${partition}:${msg.offset}`, 'fleetscope-error': err.message.slice(0, 1000) },
      },
    ]);
  }

  function addMessage(p: Part, msg: IncomingMessage, t: number): Error | undefined {
    let decoded;
    try {
      decoded = decodeRecords(msg.value);
    } catch (err) {
      if (err instanceof TopicDecodeError) return err;
      throw err;
    }
    p.open ??= { gen: p.gen, first: msg.offset, last: msg.offset, rows: newRowBlock(), values: 0, since: t };
    const b = p.open;
    const w = timeWindow(t, opts.samplesDays, opts.maxFutureSeconds);
    let tooOld = 0;
    let tooNew = 0;
    for (const rec of decoded.records) {
      if (rec.ts < w.minTs) tooOld++;
      else if (rec.ts > w.maxTs) tooNew++;
      else rows.addRecord(b.rows, rec, decoded.format, t);
    }
    for (const e of decoded.events) rows.addEvent(b.rows, e, t);
    // Too old by now (it waited in Kafka past retention), or the clock moved: storage would drop it.
    if (tooOld > 0) metrics.dropped.inc({ format: decoded.format, reason: 'INGEST_ERR_TOO_OLD' }, tooOld);
    if (tooNew > 0) metrics.dropped.inc({ format: decoded.format, reason: 'INGEST_ERR_TOO_NEW' }, tooNew);
    const n = decoded.records.length - tooOld - tooNew;
    b.values += n;
    pending += n;
    return undefined;
  }

  async function onMessages(partition: number, messages: readonly IncomingMessage[], highWatermark: number): Promise<void> {
    if (stopping) return;
    const p = await partState(partition);
    if (!p || stopping) return;
    p.highWatermark = highWatermark;
    // The consumer must deliver the partition from where this writer stands (its committed offset, or
    // the end of its last block). A batch that starts later would skip messages: fetch again from the
    // right place. When the same gap comes back, the messages are gone from Kafka (retention): go on.
    const first = messages[0]?.offset;
    if (first !== undefined && p.next >= 0 && first > p.next) {
      if (p.sought !== p.next) {
        p.sought = p.next;
        m.seeks.inc();
        opts.log?.warn({ partition, expected: p.next, got: first }, 'the consumer skipped ahead of the writer; fetching again from the expected offset');
        consumer.seek(partition, p.next);
        return;
      }
      opts.log?.error({ partition, from: p.next, to: first - 1 }, 'messages are gone from Kafka before they were stored (retention shorter than the outage?)');
      m.expired.inc({}, first - p.next);
      if (p.replayEnd !== undefined && p.replayEnd < first) {
        seal(p);
        p.replayEnd = undefined;
      }
      p.next = first;
    }
    const t = now();
    for (const msg of messages) {
      if (!current(p)) return;
      if (msg.offset < p.next) continue; // delivered again; already in a block
      if (p.replayEnd !== undefined && msg.offset > p.replayEnd) {
        // The pending range ended earlier than what exists now (messages gone): close it where it is.
        seal(p);
        p.replayEnd = undefined;
      }
      const bad = addMessage(p, msg, t);
      if (bad) {
        await setAside(partition, msg, bad);
        if (!current(p)) return;
        p.open ??= { gen: p.gen, first: msg.offset, last: msg.offset, rows: newRowBlock(), values: 0, since: t };
      }
      p.open!.last = msg.offset;
      p.next = msg.offset + 1;
      if (p.replayEnd !== undefined) {
        if (msg.offset === p.replayEnd) {
          seal(p);
          p.replayEnd = undefined;
        }
      } else if (p.open!.rows.samples.length >= opts.batchRows) {
        seal(p);
      }
    }
  }

  function seal(p: Part): void {
    const b = p.open;
    if (!b) return;
    p.open = undefined;
    p.queue.push(b);
    if (p.queue.length >= opts.maxQueuedBlocks && !p.paused) {
      p.paused = true;
      consumer.pause([p.partition]);
    }
    kick(p);
  }

  /** Starts the partition's insert loop unless it runs. */
  function kick(p: Part): void {
    if (p.draining) return;
    p.draining = drain(p);
  }

  /**
   * Commits for a block of the current generation, retrying until it lands or the block goes stale.
   * kafkajs sends a commit with the group generation it knows at that moment; between its rejoin and
   * the GROUP_JOIN event that bumps ours, a commit of a stale block could go out under the new
   * generation. The window is a few event-loop turns. A late "done" commit is harmless (the next owner
   * replays the pending block under its token); a late intent commit could move a lost partition's
   * offset back, and if its new owner then died before committing again, the one after would re-read
   * rows already stored under other tokens. Not seen in tests; closing it needs the generation id,
   * which kafkajs does not expose.
   */
  async function commit(p: Part, b: Block, offset: number, metadata: string, kind: 'intent' | 'done'): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      if (!current(b)) return false;
      try {
        await consumer.commit(p.partition, offset, metadata);
        m.commits.inc({ kind, outcome: 'ok' });
        return true;
      } catch (err) {
        m.commits.inc({ kind, outcome: 'failed' });
        if (attempt === 0) opts.log?.warn({ partition: p.partition, offset, kind, err: (err as Error).message }, 'offset commit failed; retrying');
        await sleep(Math.min(200 * 2 ** attempt, 2000));
      }
    }
  }

  /** Inserts and commits the partition's queued blocks in order; clears `draining` in the same step as its last check. */
  async function drain(p: Part): Promise<void> {
    await Promise.resolve(); // `kick` assigns `draining` before the loop can end
    try {
      while (p.queue.length > 0) {
        const b = p.queue[0];
        if (!current(b)) return;
        const stored = await storeBlock(p, b);
        if (!current(b) || !stored) {
          m.blocks.inc({ outcome: 'abandoned' });
          return;
        }
        p.queue.shift();
        pending -= b.values;
        p.committed = b.last + 1;
        for (const [format, n] of b.rows.byFormat) metrics.stored.inc({ format }, n);
        m.blocks.inc({ outcome: 'stored' });
        m.blockSeconds.observe({}, (now() - b.since) / 1000);
        if (p.paused && p.queue.length < opts.maxQueuedBlocks) {
          p.paused = false;
          consumer.resume([p.partition]);
        }
      }
    } finally {
      p.draining = undefined;
    }
  }

  async function storeBlock(p: Part, b: Block): Promise<boolean> {
    if (!isEmptyBlock(b.rows)) {
      if (!(await commit(p, b, b.first, pendingMetadata(b.last), 'intent'))) return false;
      try {
        await insertBlock(
          {
            storage: opts.storage,
            metrics,
            retries: Number.MAX_SAFE_INTEGER,
            backoffMs: (attempt) => Math.min(200 * 2 ** attempt, 5000),
            keepTrying: () => current(b),
            onRetry: (err, attempt) => {
              m.retries.inc();
              failingSince ??= now();
              if (attempt === 0) opts.log?.warn({ partition: p.partition, first: b.first, last: b.last, err: err.message }, 'insert failed; retrying with the same token');
            },
          },
          b.rows,
          blockToken(topic, p.partition, b.first, b.last),
        );
      } catch (err) {
        opts.log?.warn({ partition: p.partition, first: b.first, last: b.last, err: (err as Error).message }, 'insert abandoned: the partition moved or the writer stops; its next owner inserts the block');
        return false;
      }
      if (failingSince !== undefined) {
        opts.log?.info({ seconds: (now() - failingSince) / 1000 }, 'storage takes inserts again');
        failingSince = undefined;
      }
    }
    return commit(p, b, b.last + 1, '', 'done');
  }

  function tick(): void {
    const t = now();
    for (const p of parts.values()) {
      if (p.open && p.replayEnd === undefined && current(p) && t - p.open.since >= opts.flushIntervalMs) seal(p);
    }
  }

  let running: Promise<void> | undefined;
  let runFailed: Error | undefined;
  return {
    async start() {
      timer = setInterval(tick, Math.max(10, Math.min(100, Math.floor(opts.flushIntervalMs / 4))));
      // Joining the group can take a session timeout (a killed predecessor must expire first): the
      // process serves meanwhile, and the join goes on in the background.
      running = consumer.run({ onAssigned, onMessages }).catch((err: Error) => {
        runFailed = err;
        opts.log?.error({ err: err.message }, 'the Kafka consumer stopped; this writer stores nothing until restarted');
      });
    },
    async stop() {
      if (stopping) return;
      stopping = true;
      consumer.pause(assigned);
      for (const p of parts.values()) if (current(p) && p.replayEnd === undefined) seal(p);
      const drains = [...parts.values()].map((p) => p.draining).filter((d): d is Promise<void> => d !== undefined);
      let deadline: NodeJS.Timeout | undefined;
      const timedOut = new Promise<void>((res) => {
        deadline = setTimeout(res, opts.stopTimeoutMs ?? 30_000);
      });
      await Promise.race([Promise.all(drains), timedOut]);
      clearTimeout(deadline);
      aborted = true;
      if (timer) clearInterval(timer);
      await consumer.stop();
      await running;
    },
    healthy: () => failingSince === undefined && runFailed === undefined,
    pendingRows: () => pending,
  };
}
