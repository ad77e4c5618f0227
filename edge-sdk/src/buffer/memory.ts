// In-memory buffer for browsers (and tests): the RecordBuffer interface without persistence. Records are
// lost when the page or process goes away; everything else (bounds, policies, ordering, acks) matches file.ts.
import { EdgeError } from '../errors.js';
import type { DataChannel, WireRecord } from '../protocol/index.js';
import {
  DEFAULT_MAX_BUFFER_BYTES,
  type BufferEntry,
  type BufferLimits,
  type BufferPolicy,
  type BufferStats,
  type NewRecord,
  type RecordBuffer,
} from './types.js';

/** Approximate wire size of a record (UTF-16 length of its JSON, plus framing). */
export function recordSize(record: unknown): number {
  return JSON.stringify(record).length + 16;
}

export class MemoryBuffer implements RecordBuffer {
  readonly #pending = new Map<number, BufferEntry>();
  readonly #maxBytes: number;
  readonly #policy: BufferPolicy;
  #bytes = 0;
  #dropped = 0;
  #nextSeq: number;

  constructor(opts: BufferLimits & { firstSeq?: number } = {}) {
    this.#maxBytes = opts.maxBytes ?? DEFAULT_MAX_BUFFER_BYTES;
    this.#policy = opts.policy ?? 'drop-oldest';
    this.#nextSeq = opts.firstSeq ?? 1;
  }

  append(channel: DataChannel, record: NewRecord): BufferEntry {
    const seq = this.#nextSeq;
    const full = { seq, ...record } as WireRecord;
    const size = recordSize(full);
    makeRoom(this, size, this.#maxBytes, this.#policy);
    const entry: BufferEntry = { seq, channel, record: full, size };
    this.#nextSeq++;
    this.#pending.set(seq, entry);
    this.#bytes += size;
    return entry;
  }

  entries(): Iterable<BufferEntry> {
    return this.#pending.values();
  }

  ack(seqs: readonly number[]): void {
    for (const seq of seqs) this.#remove(seq);
  }

  /** Drops the oldest entry (policy `drop-oldest`); returns false when empty. */
  dropOldest(): boolean {
    const first = this.#pending.keys().next();
    if (first.done === true) return false;
    this.#remove(first.value);
    this.#dropped++;
    return true;
  }

  #remove(seq: number): void {
    const e = this.#pending.get(seq);
    if (e === undefined) return;
    this.#pending.delete(seq);
    this.#bytes -= e.size;
  }

  stats(): BufferStats {
    return { count: this.#pending.size, bytes: this.#bytes, dropped: this.#dropped, nextSeq: this.#nextSeq };
  }

  sync(): void {}

  close(): void {}
}

/** Shared bound check: refuse (`reject`) or drop oldest entries until `size` more bytes fit. */
export function makeRoom(
  buf: { stats(): BufferStats; dropOldest(): boolean },
  size: number,
  maxBytes: number,
  policy: BufferPolicy,
): void {
  if (size > maxBytes) {
    throw new EdgeError(
      'sdk.bad_input',
      `record of ${size} bytes is larger than the whole buffer (${maxBytes} bytes)`,
    );
  }
  if (buf.stats().bytes + size <= maxBytes) return;
  if (policy === 'reject') {
    const s = buf.stats();
    throw new EdgeError(
      'sdk.buffer_full',
      `buffer full: ${s.count} records, ${s.bytes} of ${maxBytes} bytes not yet acknowledged`,
    );
  }
  while (buf.stats().bytes + size > maxBytes && buf.dropOldest()) {
    // dropping the oldest until the record fits
  }
}
