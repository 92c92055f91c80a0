import type { EventRecord, MetricRecord } from '../../lib/record.ts';
import type { Rejection } from '../parsers/types.ts';

/** What became of the records handed to a sink. */
export interface WriteOutcome {
  /** Values accepted (stored once the promise resolved). */
  readonly accepted: number;
  /** Values refused by the sink (time out of range), each with a reason. */
  readonly rejected: Rejection[];
}

/**
 * Where receivers put what they parsed. `write` resolves once the records are durable (inserted into
 * ClickHouse, or acknowledged by Kafka) and rejects with {@link OverloadedError} or
 * {@link UnavailableError} when they could not be taken; nothing of a rejected call is stored
 * twice or acknowledged. The sink may keep the arrays; callers must not change them afterwards.
 */
export interface RecordSink {
  write(records: MetricRecord[], events: EventRecord[], format: string): Promise<WriteOutcome>;
}

/** The pipeline holds as many rows as it may; try again after `retryAfterSeconds`. */
export class OverloadedError extends Error {
  override readonly name = 'OverloadedError';
  readonly code = 'INGEST_ERR_OVERLOADED';
  constructor(readonly retryAfterSeconds: number) {
    super(`cannot accept more data: the pipeline is full, retry after ${retryAfterSeconds} s`);
  }
}

/** A dependency (storage, or Kafka) cannot take data now; nothing of the request was acknowledged. */
export class UnavailableError extends Error {
  override readonly name: string = 'UnavailableError';
  constructor(
    readonly code: 'INGEST_ERR_STORAGE' | 'INGEST_ERR_QUEUE',
    message: string,
    readonly retryAfterSeconds: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Storage is failing; nothing of the request was acknowledged. */
export class StorageUnavailableError extends UnavailableError {
  override readonly name = 'StorageUnavailableError';
  constructor(message: string, retryAfterSeconds: number, options?: { cause?: unknown }) {
    super('INGEST_ERR_STORAGE', message, retryAfterSeconds, options);
  }
}

/** Kafka did not acknowledge the records (broker down, timeout); nothing of the request was acknowledged. */
export class QueueUnavailableError extends UnavailableError {
  override readonly name = 'QueueUnavailableError';
  constructor(message: string, retryAfterSeconds: number, options?: { cause?: unknown }) {
    super('INGEST_ERR_QUEUE', message, retryAfterSeconds, options);
  }
}

/** A promise settled from outside, for callers waiting on a batch; never an unhandled rejection. */
export interface Settlement {
  readonly done: Promise<void>;
  resolve(): void;
  reject(err: Error): void;
}

export function settlement(): Settlement {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const done = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  done.catch(() => {}); // callers observe it
  return { done, resolve, reject };
}
