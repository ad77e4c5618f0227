// Durable store-and-forward buffer: an append-only segment log on disk (Node only).
//
// Layout of `dir`: `seg-<firstSeq>.log` files of JSON lines `{"c":channel,"r":record}\n`, and `meta.json`
// `{ "goneThrough": n, "dropped": n }` (every seq <= goneThrough was acknowledged or dropped). Each append
// is a write(2) before `append` returns, so a crash of the process loses nothing; with `fsync: 'interval'`
// (default) data is fdatasync'ed every `fsyncIntervalMs`, so power loss can lose at most that window;
// `'always'` syncs every append (slow), `'never'` leaves it to the OS. On open, a torn last line is cut
// off, records at or below goneThrough are skipped, and fully acknowledged segments are deleted. A
// segment is deleted once all its records are acknowledged, so records leave the disk only after PUBACK.
// Acks are persisted without fsync and at most every 500 ms (meta.json): after a crash a few acknowledged
// records may be sent again; the server stores each (device, seq) once. Seqs never repeat: the highest seq
// is recovered from the records and the segment names (the active segment is never deleted while open).
import {
  closeSync,
  fdatasyncSync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { EdgeError } from '../errors.js';
import type { DataChannel, WireRecord } from '../protocol/index.js';
import { makeRoom } from './memory.js';
import { lockDir } from './lock.js';
import { recoverSegments, type Meta, type Segment } from './segments.js';
import {
  DEFAULT_MAX_BUFFER_BYTES,
  type BufferEntry,
  type BufferLimits,
  type BufferPolicy,
  type BufferStats,
  type NewRecord,
  type RecordBuffer,
} from './types.js';

export type FsyncPolicy = 'always' | 'interval' | 'never';

export interface FileBufferOptions extends BufferLimits {
  /** Directory of the segment log (created if missing). One directory per device. */
  dir: string;
  /** When appends reach the disk platter (default `interval`). */
  fsync?: FsyncPolicy;
  /** fdatasync period for `fsync: 'interval'`, ms (default 1000). */
  fsyncIntervalMs?: number;
  /** Segment size before rotation, bytes (default min(1 MiB, maxBytes / 4)). */
  segmentBytes?: number;
}

const enc = new TextEncoder();
/** meta.json is rewritten at most this often (and on close). */
const META_INTERVAL_MS = 500;

function ioError(what: string, err: unknown): EdgeError {
  return new EdgeError('sdk.buffer_io', `buffer ${what} failed: ${(err as Error).message}`, { cause: err });
}

export class FileBuffer implements RecordBuffer {
  readonly #dir: string;
  readonly #maxBytes: number;
  readonly #policy: BufferPolicy;
  readonly #fsync: FsyncPolicy;
  readonly #segmentBytes: number;
  readonly #pending = new Map<number, BufferEntry>();
  readonly #segments: Segment[] = [];
  #bytes = 0;
  #dropped = 0;
  #nextSeq = 1;
  #fd = -1;
  #activeBytes = 0;
  #dirty = false;
  #syncError: EdgeError | undefined;
  #metaWrittenAt = 0;
  #timer: ReturnType<typeof setInterval> | undefined;
  readonly #unlock: () => void;
  /** Lines skipped on open because they did not parse (torn or corrupted writes). */
  readonly corruptLines: number;

  constructor(opts: FileBufferOptions) {
    this.#dir = opts.dir;
    this.#maxBytes = opts.maxBytes ?? DEFAULT_MAX_BUFFER_BYTES;
    this.#policy = opts.policy ?? 'drop-oldest';
    this.#fsync = opts.fsync ?? 'interval';
    this.#segmentBytes =
      opts.segmentBytes ?? Math.max(4096, Math.min(1024 * 1024, Math.floor(this.#maxBytes / 4)));
    try {
      mkdirSync(this.#dir, { recursive: true });
      this.#unlock = lockDir(this.#dir);
    } catch (err) {
      throw err instanceof EdgeError ? err : ioError(`open of ${this.#dir}`, err);
    }
    try {
      this.corruptLines = this.#recover();
      this.#openSegment();
    } catch (err) {
      this.#unlock();
      throw err instanceof EdgeError ? err : ioError(`open of ${this.#dir}`, err);
    }
    if (this.#fsync === 'interval') {
      this.#timer = setInterval(() => {
        try {
          this.sync();
        } catch (err) {
          // not thrown from a timer (that would crash the device process): the next append throws it
          this.#syncError = err as EdgeError;
        }
      }, opts.fsyncIntervalMs ?? 1000);
      this.#timer.unref?.();
    }
  }

  #recover(): number {
    const r = recoverSegments(this.#dir);
    this.#dropped = r.dropped;
    this.#nextSeq = r.maxSeq + 1;
    for (const e of r.entries) {
      this.#pending.set(e.seq, e);
      this.#bytes += e.size;
    }
    this.#segments.push(...r.segments);
    return r.corrupt;
  }

  #openSegment(): void {
    if (this.#fd >= 0) {
      if (this.#fsync !== 'never') fdatasyncSync(this.#fd);
      closeSync(this.#fd);
    }
    const seg: Segment = {
      path: join(this.#dir, `seg-${String(this.#nextSeq).padStart(16, '0')}.log`),
      firstSeq: this.#nextSeq,
      live: 0,
    };
    this.#fd = openSync(seg.path, 'a');
    this.#activeBytes = 0;
    this.#segments.push(seg);
    if (this.#fsync !== 'never') {
      // the new file's directory entry must survive a power loss too, not only its data
      const dfd = openSync(this.#dir, 'r');
      try {
        fsyncSync(dfd);
      } finally {
        closeSync(dfd);
      }
    }
  }

  append(channel: DataChannel, record: NewRecord): BufferEntry {
    if (this.#fd < 0) throw new EdgeError('sdk.closed', 'buffer is closed');
    if (this.#syncError !== undefined) {
      const err = this.#syncError;
      this.#syncError = undefined;
      throw err;
    }
    const seq = this.#nextSeq;
    const full = { seq, ...record } as WireRecord;
    const line = enc.encode(`${JSON.stringify({ c: channel, r: full })}\n`);
    makeRoom(this, line.length, this.#maxBytes, this.#policy);
    if (this.#activeBytes >= this.#segmentBytes) this.#openSegment();
    try {
      writeSync(this.#fd, line);
      if (this.#fsync === 'always') fdatasyncSync(this.#fd);
      else this.#dirty = true;
    } catch (err) {
      throw ioError('append', err);
    }
    this.#activeBytes += line.length;
    this.#nextSeq++;
    const entry: BufferEntry = { seq, channel, record: full, size: line.length };
    this.#pending.set(seq, entry);
    this.#bytes += line.length;
    const active = this.#segments[this.#segments.length - 1];
    if (active !== undefined) active.live++;
    return entry;
  }

  entries(): Iterable<BufferEntry> {
    return this.#pending.values();
  }

  ack(seqs: readonly number[]): void {
    let removed = 0;
    for (const seq of seqs) if (this.#remove(seq)) removed++;
    if (removed > 0) this.#afterRemove();
  }

  dropOldest(): boolean {
    const first = this.#pending.keys().next();
    if (first.done === true) return false;
    this.#remove(first.value);
    this.#dropped++;
    this.#afterRemove();
    return true;
  }

  #segmentOf(seq: number): Segment | undefined {
    let lo = 0;
    let hi = this.#segments.length - 1;
    let found: Segment | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = this.#segments[mid] as Segment;
      if (s.firstSeq <= seq) {
        found = s;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  #remove(seq: number): boolean {
    const e = this.#pending.get(seq);
    if (e === undefined) return false;
    this.#pending.delete(seq);
    this.#bytes -= e.size;
    const seg = this.#segmentOf(seq);
    if (seg !== undefined) seg.live--;
    return true;
  }

  /** Deletes fully acknowledged segments (not the active one) and persists goneThrough/dropped. */
  #afterRemove(): void {
    try {
      for (let i = 0; i < this.#segments.length - 1;) {
        const s = this.#segments[i] as Segment;
        if (s.live <= 0) {
          rmSync(s.path, { force: true });
          this.#segments.splice(i, 1);
        } else i++;
      }
    } catch (err) {
      throw ioError('ack', err);
    }
    const now = Date.now();
    if (now - this.#metaWrittenAt >= META_INTERVAL_MS) this.#writeMeta(now);
  }

  /** Persists goneThrough/dropped (throttled: a stale meta.json only means re-sending acknowledged records). */
  #writeMeta(now: number): void {
    this.#metaWrittenAt = now;
    const first = this.#pending.keys().next();
    const goneThrough = first.done === true ? this.#nextSeq - 1 : first.value - 1;
    try {
      const tmp = join(this.#dir, 'meta.json.tmp');
      writeFileSync(tmp, JSON.stringify({ goneThrough, dropped: this.#dropped } satisfies Meta));
      renameSync(tmp, join(this.#dir, 'meta.json'));
    } catch (err) {
      throw ioError('meta write', err);
    }
  }

  stats(): BufferStats {
    return { count: this.#pending.size, bytes: this.#bytes, dropped: this.#dropped, nextSeq: this.#nextSeq };
  }

  sync(): void {
    if (!this.#dirty || this.#fd < 0) return;
    this.#dirty = false;
    try {
      fdatasyncSync(this.#fd);
    } catch (err) {
      throw ioError('fsync', err);
    }
  }

  close(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    if (this.#fd < 0) return;
    this.#writeMeta(Date.now());
    if (this.#fsync !== 'never') this.sync();
    closeSync(this.#fd);
    this.#fd = -1;
    this.#unlock();
  }
}
