// The client against a real MQTT broker (an in-test aedes on port 0): batching, PUBACK-gated buffer,
// offline buffering, broker restart, auth failure, crash and restart of the device process.
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Client } from 'aedes';
import { FileBuffer } from '../src/buffer/file.js';
import { MemoryBuffer } from '../src/buffer/memory.js';
import type { EdgeClient } from '../src/client.js';
import { EdgeError } from '../src/errors.js';
import { connect } from '../src/index.js';
import { decodePayload, parseTopic, type DecodedRecord } from '../src/protocol/index.js';
import { appendThenKill, startAedes, tempDir, waitFor, type TestBroker } from './helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) {
    const t = Date.now();
    await c();
    if (process.env.DBG) console.log('cleanup', Date.now() - t, c.toString().slice(0, 60));
  }
});

interface Received {
  topic: string;
  records: DecodedRecord[];
}

/** A broker that authenticates `token` for any device and records every device publish. */
async function broker(
  port = 0,
  opts: { delayPuback?: () => boolean } = {},
): Promise<TestBroker & { received: Received[] }> {
  const received: Received[] = [];
  const b = await startAedes(
    {
      authenticate: (
        _c: Client,
        username: Readonly<string | undefined>,
        password: Readonly<Buffer | undefined>,
        cb,
      ) => {
        const ok = username !== undefined && password?.toString() === 'secret-token';
        if (ok) cb(null, true);
        else cb(Object.assign(new Error('bad credentials'), { returnCode: 5 as const }), false);
      },
      authorizePublish: (client: Client | null, packet, cb) => {
        const t = parseTopic(packet.topic);
        if (client !== null && t?.kind === 'channel') {
          const done = () => {
            received.push({
              topic: packet.topic,
              records: decodePayload(t.channel, packet.payload as Buffer, Date.now()).records,
            });
            cb(null);
          };
          if (opts.delayPuback?.()) return; // never acknowledged: the client must keep the records
          done();
          return;
        }
        cb(null);
      },
    },
    port,
  );
  return { ...b, received };
}

function client(url: string, extra: Partial<Parameters<typeof connect>[0]> = {}): EdgeClient {
  const c = connect({
    url,
    deviceId: 'dev-1',
    token: 'secret-token',
    buffer: 'memory',
    reconnect: { minDelayMs: 100, maxDelayMs: 500 },
    ...extra,
  });
  c.on('error', () => {}); // status().lastError keeps the last one
  cleanups.push(() => c.close({ flushTimeoutMs: 0 }));
  return c;
}

const seqsOf = (received: Received[], topic?: string) =>
  received
    .filter((r) => topic === undefined || r.topic === topic)
    .flatMap((r) => r.records.map((x) => x.seq as number));

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('EdgeClient', () => {
  it('sends logs, telemetry and events in batches on their topics and drains the buffer', async () => {
    const b = await broker();
    cleanups.push(() => b.close());
    const c = client(b.url);
    await c.whenConnected();
    for (let i = 0; i < 250; i++) c.info(`hello ${i}`, { i });
    c.telemetry({ speed: 80.5, fuel: 0.4 });
    c.event('door', { open: true });
    c.log('error', 'boom');
    expect(await c.flush(20_000)).toBe(true);
    const logs = b.received.filter((r) => r.topic === 'd/dev-1/logs');
    expect(logs.length).toBeLessThan(20); // batched: 251 logs in a handful of messages
    expect(seqsOf(b.received, 'd/dev-1/logs')).toEqual([
      ...Array.from({ length: 250 }, (_, i) => i + 1),
      253,
    ]);
    expect(b.received.find((r) => r.topic === 'd/dev-1/telemetry')?.records[0]).toMatchObject({
      seq: 251,
      metrics: { speed: 80.5, fuel: 0.4 },
    });
    expect(b.received.find((r) => r.topic === 'd/dev-1/events')?.records[0]).toMatchObject({
      seq: 252,
      name: 'door',
      data: { open: true },
    });
    expect(b.received.flatMap((r) => r.records).find((r) => r.seq === 253)).toMatchObject({
      severity: 3,
      message: 'boom',
      deviceTime: true,
    });
    expect(c.status()).toMatchObject({
      connected: true,
      buffered: 0,
      acked: 253,
      dropped: 0,
      lastError: null,
    });
  });

  it('gives samples taken in the same millisecond distinct times (telemetry is keyed by time)', () => {
    const c = client('mqtt://127.0.0.1:9', { connectTimeoutMs: 1000 });
    const buffer = new MemoryBuffer();
    const c2 = client('mqtt://127.0.0.1:9', { connectTimeoutMs: 1000, buffer });
    for (let i = 0; i < 50; i++) c2.telemetry({ i });
    const times = [...buffer.entries()].map((e) => e.record.ts as number);
    expect(new Set(times).size).toBe(50);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(() => c.telemetry({ x: 1 }, Number.NaN)).toThrow(/valid date/);
  });

  it('validates input with sdk.bad_input', async () => {
    const c = client('mqtt://127.0.0.1:9', { connectTimeoutMs: 1000 });
    expect(() => c.log('loud', 'x')).toThrow(EdgeError);
    expect(() => c.telemetry({ x: Number.NaN })).toThrow(/finite/);
    expect(() => c.telemetry({})).toThrow(/at least one metric/);
    expect(() => c.event('')).toThrow(/1-128 chars/);
    expect(() => c.info('x'.repeat(70_000))).toThrow(/exceeds 65536/);
    expect(() => c.info('m', { big: 'x'.repeat(20_000) })).toThrow(/attrs of \d+ bytes/);
    expect(() => c.event('e', { big: 'x'.repeat(20_000) })).toThrow(/event data/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => c.info('m', cyclic)).toThrow(/not JSON-serializable/);
    expect(c.status().buffered).toBe(0);
  });

  it('keeps records until PUBACK: unacknowledged batches stay buffered', async () => {
    let hold = true;
    const b = await broker(0, { delayPuback: () => hold });
    cleanups.push(() => b.close());
    const c = client(b.url);
    await c.whenConnected();
    for (let i = 0; i < 10; i++) c.info(`held ${i}`);
    await waitFor('batch in flight', () => c.status().inflight === 10);
    expect(c.status().buffered).toBe(10);
    hold = false;
    // a new connection re-sends the unacknowledged batch; this time the broker acknowledges it
    await b.close();
    const b2 = await broker(b.port);
    cleanups.push(() => b2.close());
    expect(await c.flush(20_000)).toBe(true);
    expect(seqsOf(b2.received)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
  });

  it('buffers while the broker is down and drains in order when it comes up', async () => {
    const port = await freePort();
    const c = client(`mqtt://127.0.0.1:${port}`);
    for (let i = 0; i < 300; i++) c.warn(`offline ${i}`);
    expect(c.status()).toMatchObject({ connected: false, buffered: 300 });
    const b = await broker(port);
    cleanups.push(() => b.close());
    expect(await c.flush(20_000)).toBe(true);
    expect(seqsOf(b.received)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
  });

  it('survives a broker restart while sending: every record arrives at least once', async () => {
    const b = await broker();
    const c = client(b.url, { buffer: new FileBuffer({ dir: tempDirFor() }) });
    await c.whenConnected();
    let restarted: (TestBroker & { received: Received[] }) | undefined;
    for (let i = 0; i < 2000; i++) {
      c.info(`r ${i}`);
      if (i === 1000) {
        await b.close();
        restarted = await broker(b.port);
        cleanups.push(() => restarted?.close());
      }
      if (i % 200 === 0) await new Promise((r) => setImmediate(r));
    }
    expect(await c.flush(30_000)).toBe(true);
    const seen = new Set([...seqsOf(b.received), ...seqsOf(restarted?.received ?? [])]);
    expect(seen.size).toBe(2000);
  });

  it('refuses bad credentials with sdk.auth', async () => {
    const b = await broker();
    cleanups.push(() => b.close());
    const c = client(b.url, { token: 'wrong' });
    const err = await c.whenConnected().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EdgeError);
    expect((err as EdgeError).code).toBe('sdk.auth');
    expect(c.status().lastError?.code).toBe('sdk.auth');
  });

  it('policy reject: log() throws sdk.buffer_full when the buffer is full', () => {
    const c = client('mqtt://127.0.0.1:9', {
      buffer: new MemoryBuffer({ maxBytes: 2000, policy: 'reject' }),
      connectTimeoutMs: 1000,
    });
    expect(() => {
      for (let i = 0; i < 1000; i++) c.info(`fill ${i}`);
    }).toThrow(expect.objectContaining({ code: 'sdk.buffer_full' }) as Error);
  });

  it('policy drop-oldest: emits dropped and reports the counter', () => {
    const c = client('mqtt://127.0.0.1:9', {
      buffer: new MemoryBuffer({ maxBytes: 2000 }),
      connectTimeoutMs: 1000,
    });
    let dropped = 0;
    c.on('dropped', (n) => (dropped = n));
    for (let i = 0; i < 100; i++) c.info(`fill ${i}`);
    expect(dropped).toBeGreaterThan(0);
    expect(c.status().dropped).toBe(dropped);
  });

  it('a device process killed with records in its buffer sends them after restart', async () => {
    const d = tempDirFor();
    const port = await freePort();
    const last = await appendThenKill(['client', d, '200', `mqtt://127.0.0.1:${port}`]);
    expect(last).toBe(200);
    const b = await broker(port);
    cleanups.push(() => b.close());
    const c = connect({ url: b.url, deviceId: 'crash-device', token: 'secret-token', buffer: { dir: d } });
    cleanups.push(() => c.close({ flushTimeoutMs: 0 }));
    expect(await c.flush(20_000)).toBe(true);
    expect(seqsOf(b.received)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(c.info('after restart')).toBe(201);
  });
});

function tempDirFor(): string {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}
