// The store-and-forward buffer interface. Node uses the on-disk segment log (file.ts), browsers the
// memory buffer (memory.ts); the client only sees this interface.
import type { DataChannel, EventRecord, LogRecord, TelemetryRecord, WireRecord } from '../protocol/index.js';

/** A record before the buffer assigned its seq. */
export type NewRecord = Omit<LogRecord, 'seq'> | Omit<TelemetryRecord, 'seq'> | Omit<EventRecord, 'seq'>;

export type BufferPolicy = 'drop-oldest' | 'reject';

export interface BufferEntry {
  /** Device sequence number, assigned at append, monotonic across restarts for durable buffers. */
  seq: number;
  channel: DataChannel;
  /** The record as it goes on the wire, `seq` and `ts` included. */
  record: WireRecord;
  /** Approximate encoded size, bytes. */
  size: number;
}

export interface BufferStats {
  /** Records appended and not yet acknowledged by the broker (nor dropped). */
  count: number;
  /** Bytes those records take. */
  bytes: number;
  /** Records dropped by the `drop-oldest` policy since the buffer was created (persisted on disk). */
  dropped: number;
  /** Next sequence number to assign. */
  nextSeq: number;
}

export interface RecordBuffer {
  /**
   * Stores a record (assigning `seq`) before it is sent; returns the stored entry. Throws EdgeError
   * `sdk.buffer_full` under policy `reject` when full; under `drop-oldest` discards the oldest records.
   */
  append(channel: DataChannel, record: NewRecord): BufferEntry;
  /** Unacknowledged entries, oldest first. */
  entries(): Iterable<BufferEntry>;
  /** Marks entries as acknowledged by the broker; they leave the buffer (for good on disk). */
  ack(seqs: readonly number[]): void;
  stats(): BufferStats;
  /** Flushes to stable storage (fsync) when the buffer is durable. */
  sync(): void;
  close(): void;
}

export interface BufferLimits {
  /** Upper bound of buffered bytes (default 16 MiB). */
  maxBytes?: number;
  /** What `append` does when full (default `drop-oldest`). */
  policy?: BufferPolicy;
}

export const DEFAULT_MAX_BUFFER_BYTES = 16 * 1024 * 1024;
