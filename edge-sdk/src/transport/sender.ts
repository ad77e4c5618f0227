// Batching and PUBACK-gated sending: takes the oldest unsent records from the buffer, groups consecutive
// records of one channel into a batch (up to batchMaxRecords / batchMaxBytes, or whatever is there after
// batchDelayMs), publishes it QoS1 and acknowledges its records in the buffer only when the PUBACK came.
import type { BufferEntry, RecordBuffer } from '../buffer/types.js';
import { EdgeError } from '../errors.js';
import { PROTOCOL_VERSION, type DataChannel } from '../protocol/index.js';

export interface BatchOptions {
  /** A batch is sent after this delay, ms (default 50)... */
  batchDelayMs?: number;
  /** ...or as soon as it holds this many records (default 100)... */
  batchMaxRecords?: number;
  /** ...or this many bytes (default 64 KiB). */
  batchMaxBytes?: number;
  /** Batches published and not yet PUBACKed at once (default 8). */
  maxInflightBatches?: number;
}

export interface SenderDeps {
  buffer: RecordBuffer;
  connected(): boolean;
  /** QoS1 publish of a batch on the channel's topic; `done` runs on PUBACK (or with the failure). */
  publish(channel: DataChannel, payload: string, done: (err: Error | null | undefined) => void): void;
  acked(count: number): void;
  error(err: EdgeError): void;
  buffered(count: number): void;
}

export class BatchSender {
  readonly #deps: SenderDeps;
  readonly #delay: number;
  readonly #maxRecords: number;
  readonly #maxBytes: number;
  readonly #maxInflight: number;
  readonly #inflight = new Set<number>();
  #inflightBatches = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #waiters: (() => void)[] = [];
  #stopped = false;
  sent = 0;
  acked = 0;

  constructor(deps: SenderDeps, opts: BatchOptions = {}) {
    this.#deps = deps;
    this.#delay = opts.batchDelayMs ?? 50;
    this.#maxRecords = opts.batchMaxRecords ?? 100;
    this.#maxBytes = opts.batchMaxBytes ?? 64 * 1024;
    this.#maxInflight = opts.maxInflightBatches ?? 8;
  }

  get inflight(): number {
    return this.#inflight.size;
  }

  /** A record was appended: send now if a full batch is waiting, else within batchDelayMs. */
  appended(): void {
    const unsent = this.#deps.buffer.stats().count - this.#inflight.size;
    this.schedule(unsent >= this.#maxRecords ? 0 : this.#delay);
  }

  schedule(delay = 0): void {
    if (this.#stopped) return;
    if (this.#timer !== undefined) {
      if (delay > 0) return;
      clearTimeout(this.#timer);
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#pump();
    }, delay);
  }

  #nextBatch(): BufferEntry[] {
    const batch: BufferEntry[] = [];
    let bytes = 0;
    for (const e of this.#deps.buffer.entries()) {
      if (this.#inflight.has(e.seq)) continue;
      const first = batch[0];
      if (first !== undefined && (e.channel !== first.channel || bytes + e.size > this.#maxBytes)) break;
      batch.push(e);
      bytes += e.size;
      if (batch.length >= this.#maxRecords) break;
    }
    return batch;
  }

  #pump(): void {
    while (this.#deps.connected() && this.#inflightBatches < this.#maxInflight) {
      const batch = this.#nextBatch();
      const first = batch[0];
      if (first === undefined) break;
      const seqs = batch.map((e) => e.seq);
      for (const s of seqs) this.#inflight.add(s);
      this.#inflightBatches++;
      this.sent += seqs.length;
      const payload = JSON.stringify({ v: PROTOCOL_VERSION, records: batch.map((e) => e.record) });
      this.#deps.publish(first.channel, payload, (err) => this.#published(seqs, err));
    }
    this.#deps.buffered(this.#deps.buffer.stats().count);
  }

  #published(seqs: number[], err: Error | null | undefined): void {
    this.#inflightBatches--;
    for (const s of seqs) this.#inflight.delete(s);
    if (err) {
      // the records stay in the buffer and go out again with the next batch
      this.#deps.error(
        new EdgeError('sdk.publish', `publish of ${seqs.length} records failed: ${err.message}`, {
          cause: err,
        }),
      );
    } else {
      try {
        this.#deps.buffer.ack(seqs);
      } catch (e) {
        this.#deps.error(e as EdgeError);
      }
      this.acked += seqs.length;
      this.#deps.acked(seqs.length);
    }
    if (this.#deps.buffer.stats().count === 0) for (const w of this.#waiters.splice(0)) w();
    this.schedule(0);
  }

  /** Resolves true when every buffered record has been acknowledged; false after `timeoutMs`. */
  flush(timeoutMs: number): Promise<boolean> {
    if (this.#deps.buffer.stats().count === 0) return Promise.resolve(true);
    this.schedule(0);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== done);
        resolve(false);
      }, timeoutMs);
      this.#waiters.push(done);
    });
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
