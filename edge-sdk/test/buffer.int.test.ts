// The store-and-forward buffers on a real disk: append/ack, crash-reopen, torn writes, bounds and policies.
import { appendFileSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileBuffer } from '../src/buffer/file.js';
import { MemoryBuffer } from '../src/buffer/memory.js';
import type { RecordBuffer } from '../src/buffer/types.js';
import { EdgeError } from '../src/errors.js';
import type { LogRecord } from '../src/protocol/index.js';
import { appendThenKill, tempDir } from './helpers.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});
function dir(): string {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}
const msg = (b: RecordBuffer) => [...b.entries()].map((e) => (e.record as LogRecord).message);
const rec = (message: string) => ({ ts: 1, message });

describe.each([
  ['memory', (o: { maxBytes?: number; policy?: 'reject' | 'drop-oldest' } = {}) => new MemoryBuffer(o)],
  [
    'file',
    (o: { maxBytes?: number; policy?: 'reject' | 'drop-oldest' } = {}) =>
      new FileBuffer({ dir: dir(), ...o }),
  ],
] as const)('%s buffer', (_name, make) => {
  it('assigns increasing seqs, keeps order, removes only acknowledged records', () => {
    const b = make();
    const seqs = ['a', 'b', 'c', 'd'].map((m) => b.append('logs', rec(m)).seq);
    expect(seqs).toEqual([1, 2, 3, 4]);
    b.ack([2, 3]);
    expect(msg(b)).toEqual(['a', 'd']);
    b.ack([2, 99]); // idempotent, unknown ids ignored
    expect(b.stats()).toMatchObject({ count: 2, nextSeq: 5, dropped: 0 });
    b.ack([1, 4]);
    expect(b.stats()).toMatchObject({ count: 0, bytes: 0 });
    b.close();
  });

  it('policy reject: throws sdk.buffer_full and keeps what it has', () => {
    const b = make({ maxBytes: 300, policy: 'reject' });
    let n = 0;
    let error: unknown;
    try {
      for (;;) {
        b.append('logs', rec(`record ${n}`));
        n++;
      }
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(EdgeError);
    expect((error as EdgeError).code).toBe('sdk.buffer_full');
    expect(n).toBeGreaterThan(2);
    expect(b.stats()).toMatchObject({ count: n, dropped: 0 });
    expect(b.stats().bytes).toBeLessThanOrEqual(300);
    b.ack([1]);
    expect(() => b.append('logs', rec('fits again'))).not.toThrow();
    b.close();
  });

  it('policy drop-oldest: keeps the newest within maxBytes and counts drops', () => {
    const b = make({ maxBytes: 300, policy: 'drop-oldest' });
    for (let i = 0; i < 50; i++) b.append('logs', rec(`record ${i}`));
    const s = b.stats();
    expect(s.bytes).toBeLessThanOrEqual(300);
    expect(s.dropped + s.count).toBe(50);
    expect(s.dropped).toBeGreaterThan(0);
    expect(msg(b).at(-1)).toBe('record 49');
    expect(() => b.append('logs', rec('x'.repeat(400)))).toThrow(/larger than the whole buffer/);
    b.close();
  });
});

describe('file buffer durability', () => {
  it('reopens with unacknowledged records in order and seq continuing, across segments', () => {
    const d = dir();
    const b = new FileBuffer({ dir: d, segmentBytes: 4096 });
    for (let i = 0; i < 300; i++)
      b.append(i % 2 ? 'logs' : 'telemetry', i % 2 ? rec(`m${i}`) : { ts: 1, metrics: { i } });
    expect(readdirSync(d).filter((f) => f.startsWith('seg-')).length).toBeGreaterThan(2);
    b.ack(Array.from({ length: 100 }, (_, i) => i + 1));
    b.close();
    const r = new FileBuffer({ dir: d, segmentBytes: 4096 });
    expect(r.stats()).toMatchObject({ count: 200, nextSeq: 301 });
    expect([...r.entries()].map((e) => e.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 101));
    expect([...r.entries()][1]).toMatchObject({ channel: 'logs', record: { seq: 102, message: 'm101' } });
    expect(r.append('logs', rec('next')).seq).toBe(301);
    r.close();
  });

  it('deletes fully acknowledged segments and keeps seq monotonic when everything was acknowledged', () => {
    const d = dir();
    const b = new FileBuffer({ dir: d, segmentBytes: 4096 });
    const seqs = Array.from({ length: 200 }, (_, i) => b.append('logs', rec(`m${i}`)).seq);
    b.ack(seqs);
    expect(readdirSync(d).filter((f) => f.startsWith('seg-')).length).toBe(1); // only the active one
    b.close();
    const r = new FileBuffer({ dir: d });
    expect(r.stats()).toMatchObject({ count: 0, nextSeq: 201 });
    expect(readdirSync(d).filter((f) => f.startsWith('seg-'))).toHaveLength(1);
    r.close();
  });

  it('never reuses a seq, even when meta.json is lost after everything was acknowledged', () => {
    const d = dir();
    const b = new FileBuffer({ dir: d, segmentBytes: 4096 });
    const seqs = Array.from({ length: 300 }, (_, i) => b.append('logs', rec(`m${i}`)).seq);
    b.ack(seqs);
    b.close();
    rmSync(join(d, 'meta.json'));
    const r = new FileBuffer({ dir: d });
    expect(r.append('logs', rec('next')).seq).toBe(301);
    r.close();
    rmSync(join(d, 'meta.json'));
    const r2 = new FileBuffer({ dir: d });
    // without meta.json, acknowledged records of the last segment are sent again (the server dedups by seq)
    expect([...r2.entries()].at(-1)?.seq).toBe(301);
    expect(r2.append('logs', rec('next')).seq).toBe(302);
    r2.close();
  });

  it('cuts a torn last line and skips a corrupted one', () => {
    const d = dir();
    const b = new FileBuffer({ dir: d });
    b.append('logs', rec('one'));
    b.append('logs', rec('two'));
    b.close();
    const seg = readdirSync(d).find((f) => f.startsWith('seg-')) as string;
    appendFileSync(join(d, seg), '{"c":"logs","r":{"seq":3,"mess');
    const r = new FileBuffer({ dir: d });
    expect(msg(r)).toEqual(['one', 'two']);
    expect(r.append('logs', rec('three')).seq).toBe(3);
    r.close();
    writeFileSync(join(d, seg), 'garbage\n{"c":"logs","r":{"seq":1,"ts":1,"message":"one"}}\n');
    const r2 = new FileBuffer({ dir: d });
    expect(r2.corruptLines).toBe(1);
    expect(msg(r2)).toEqual(['one', 'three']);
    r2.close();
  });

  it('one writer per directory: refused while open, taken over after a crash, free after close', async () => {
    const d = dir();
    const b = new FileBuffer({ dir: d });
    expect(() => new FileBuffer({ dir: d })).toThrow(/already open in this process/);
    b.close();
    new FileBuffer({ dir: d }).close();
    writeFileSync(join(d, 'lock'), `${process.ppid}\n`); // a live other process holds it
    expect(() => new FileBuffer({ dir: d })).toThrow(/in use by process/);
    rmSync(join(d, 'lock'));
    await appendThenKill(['buffer', d, '1']); // the child holds the lock when it is SIGKILLed
    expect(readFileSync(join(d, 'lock'), 'utf8').trim()).not.toBe(String(process.pid));
    const r = new FileBuffer({ dir: d }); // dead holder: taken over
    expect(r.stats().count).toBe(1);
    r.close();
  });

  it('persists the dropped counter', () => {
    const d = dir();
    const b = new FileBuffer({ dir: d, maxBytes: 400 });
    for (let i = 0; i < 30; i++) b.append('logs', rec(`record ${i}`));
    const dropped = b.stats().dropped;
    expect(dropped).toBeGreaterThan(0);
    b.close();
    const r = new FileBuffer({ dir: d, maxBytes: 400 });
    expect(r.stats().dropped).toBe(dropped);
    expect(r.stats().count).toBe(30 - dropped);
    r.close();
  });

  it('a process killed with SIGKILL right after appending loses nothing', async () => {
    const d = dir();
    const last = await appendThenKill(['buffer', d, '500']);
    expect(last).toBe(500);
    const r = new FileBuffer({ dir: d });
    expect(r.stats()).toMatchObject({ count: 500, nextSeq: 501 });
    expect(msg(r).slice(0, 2)).toEqual(['crash 0', 'crash 1']);
    r.close();
  });
});
