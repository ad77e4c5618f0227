// Recovery of the on-disk segment log (see file.ts): reads meta.json and every segment, cuts torn tails,
// skips corrupt lines and records at or below goneThrough, deletes segments with nothing left to send.
import { closeSync, ftruncateSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { DataChannel, WireRecord } from '../protocol/index.js';
import type { BufferEntry } from './types.js';

export interface Segment {
  path: string;
  firstSeq: number;
  /** Records of this segment still waiting for an acknowledgement. */
  live: number;
}

export interface Meta {
  goneThrough: number;
  dropped: number;
}

export interface Recovered {
  entries: BufferEntry[];
  segments: Segment[];
  /** Highest seq ever assigned (from records, segment names and meta.json). */
  maxSeq: number;
  dropped: number;
  corrupt: number;
}

const enc = new TextEncoder();

function readMeta(dir: string): Meta {
  try {
    const m = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as Partial<Meta>;
    return { goneThrough: Number(m.goneThrough) || 0, dropped: Number(m.dropped) || 0 };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { goneThrough: 0, dropped: 0 };
    // a torn meta.json only means acknowledged records may be sent again (the server dedups by seq)
    if (err instanceof SyntaxError) return { goneThrough: 0, dropped: 0 };
    throw err;
  }
}

export function recoverSegments(dir: string): Recovered {
  const meta = readMeta(dir);
  const out: Recovered = {
    entries: [],
    segments: [],
    maxSeq: meta.goneThrough,
    dropped: meta.dropped,
    corrupt: 0,
  };
  const seen = new Set<number>();
  const files = readdirSync(dir)
    .filter((f) => /^seg-\d+\.log$/.test(f))
    .sort();
  for (const file of files) {
    const path = join(dir, file);
    const buf = readFileSync(path);
    const lastNl = buf.lastIndexOf(10);
    if (lastNl !== buf.length - 1) {
      // torn tail from a crash mid-write: cut it off so the file is whole lines again
      const fd = openSync(path, 'r+');
      try {
        ftruncateSync(fd, lastNl + 1);
      } finally {
        closeSync(fd);
      }
    }
    const seg: Segment = { path, firstSeq: Number(file.slice(4, -4)), live: 0 };
    // the name bounds seq from below even when the file is empty: seqs are never reused
    if (seg.firstSeq - 1 > out.maxSeq) out.maxSeq = seg.firstSeq - 1;
    const text = buf.subarray(0, lastNl + 1).toString('utf8');
    for (const line of text.split('\n')) {
      if (line.length === 0) continue;
      let parsed: { c: DataChannel; r: WireRecord };
      try {
        parsed = JSON.parse(line) as { c: DataChannel; r: WireRecord };
      } catch {
        out.corrupt++;
        continue;
      }
      const seq = parsed.r?.seq;
      if (typeof seq !== 'number') {
        out.corrupt++;
        continue;
      }
      if (seq > out.maxSeq) out.maxSeq = seq;
      if (seq <= meta.goneThrough || seen.has(seq)) continue;
      seen.add(seq);
      out.entries.push({ seq, channel: parsed.c, record: parsed.r, size: enc.encode(line).length + 1 });
      seg.live++;
    }
    if (seg.live === 0) rmSync(path, { force: true });
    else out.segments.push(seg);
  }
  return out;
}
