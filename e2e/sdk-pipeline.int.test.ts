// The edge SDK through the real pipeline (`iotlog up` with JetStream and PostgreSQL/TimescaleDB):
// the broker is stopped and started again while a device sends 10,000 records (all stored exactly once),
// and a command round trip (NATS request -> broker -> device handler -> reply on NATS).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as sdkConnect, type EdgeClient } from '@iotlog/edge-sdk';
import { subjects } from '@iotlog/edge-sdk/protocol';
import { createTestDatabase, type TestDatabase } from '@iotlog/drizzle/testing';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect as natsConnect } from '@nats-io/transport-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Embedded } from '../cli/embedded/start.js';
import { appendThenKill } from '../edge-sdk/test/helpers.js';
import { startUp, waitFor } from './embedded-fixture.js';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const s = randomBytes(4).toString('hex');
const prefix = `sdk_${s}`;
const stream = `SDK_${s}_INGEST`;
const bufferDir = mkdtempSync(join(tmpdir(), 'iotlog-sdk-e2e-'));
const crashDir = mkdtempSync(join(tmpdir(), 'iotlog-sdk-e2e-crash-'));
let t: TestDatabase;
let up: Embedded | undefined;
let client: EdgeClient | undefined;
let token: string;

const vars = () => ({
  DATABASE_URL: t.url,
  NATS_URL,
  NATS_PREFIX: prefix,
  INGEST_STREAM: stream,
  INGEST_CONSUMER: `processor_${s}`,
});

beforeAll(async () => {
  t = await createTestDatabase();
  up = await startUp(vars());
  token = up.demo!.token!; // shown once: a restarted `up` finds the demo device without its token
});
afterAll(async () => {
  await client?.close({ flushTimeoutMs: 0 });
  await up?.close();
  const nc = await natsConnect({ servers: NATS_URL });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.delete(stream).catch(() => undefined);
  await nc.drain();
  await t?.drop();
  rmSync(bufferDir, { recursive: true, force: true });
  rmSync(crashDir, { recursive: true, force: true });
});

it(
  'stores 10,000 SDK records exactly once while the broker restarts mid-stream',
  { timeout: 180_000 },
  async () => {
    const demo = up!.demo!;
    const port = up!.ports.mqtt;
    client = sdkConnect({
      url: `mqtt://127.0.0.1:${port}`,
      deviceId: demo.deviceId,
      token,
      buffer: { dir: bufferDir },
      reconnect: { minDelayMs: 200, maxDelayMs: 1000 },
    });
    client.on('error', () => {}); // reconnect errors are expected while the broker is down
    await client.whenConnected();
    let disconnects = 0;
    client.on('disconnect', () => disconnects++);
    let bufferedAtStop = 0;
    let restart: Promise<void> | undefined;
    for (let i = 0; i < 10_000; i++) {
      client.log(i % 10 === 0 ? 'warn' : 'info', `record ${i}`, { i });
      if (i === 4000) {
        restart = (async () => {
          bufferedAtStop = client!.status().buffered;
          await up!.close();
          up = await startUp({ ...vars(), MQTT_PORT: String(port) });
        })();
      }
      if (i % 100 === 0) await new Promise((r) => setImmediate(r));
    }
    await restart;
    expect(await client.flush(90_000)).toBe(true);
    const stats = async () =>
      (
        await t.database.query<{ n: number; d: number; lo: string; hi: string }>(
          `SELECT count(*)::int AS n, count(DISTINCT seq)::int AS d, min(seq)::text AS lo, max(seq)::text AS hi FROM logs WHERE device_id = $1`,
          [demo.deviceId],
        )
      )[0];
    await waitFor(async () => (await stats())?.n === 10_000, '10,000 rows', 90_000);
    expect(await stats()).toEqual({ n: 10_000, d: 10_000, lo: '1', hi: '10000' });
    expect(client.status()).toMatchObject({ buffered: 0, dropped: 0 });
    expect(disconnects).toBeGreaterThanOrEqual(1); // the broker really went away mid-stream...
    expect(bufferedAtStop).toBeGreaterThan(0); // ...with records not yet acknowledged
  },
);

it(
  'command round trip: a NATS command reaches the handler and its reply comes back on the reply subject',
  { timeout: 60_000 },
  async () => {
    const demo = up!.demo!;
    const sub = subjects(prefix);
    client!.onCommand('ping', (data) => ({ pong: data }));
    await client!.whenConnected();
    const nc = await natsConnect({ servers: NATS_URL });
    try {
      const replies = nc.subscribe(sub.reply(demo.tenantId, demo.deviceId));
      const got = (async () => {
        for await (const m of replies) {
          const r = m.json<{ id: string; ok: boolean; data?: unknown }>();
          if (r.id.startsWith('cmd-')) return r;
        }
        return undefined;
      })();
      const id = `cmd-${s}`;
      await waitFor(async () => {
        const res = await nc.request(
          sub.cmd(demo.tenantId, demo.deviceId),
          JSON.stringify({ id, name: 'ping', data: { n: 7 }, ts: Date.now() }),
          { timeout: 5000 },
        );
        return res.json<{ ok: boolean }>().ok;
      }, 'broker accepted the command');
      const reply = await Promise.race([
        got,
        new Promise((_, reject) => setTimeout(() => reject(new Error('no reply in 20 s')), 20_000)),
      ]);
      expect(reply).toEqual({ id, ok: true, data: { pong: { n: 7 } } });
      replies.unsubscribe();
    } finally {
      await nc.close();
    }
  },
);

it(
  'a device process SIGKILLed with 500 records in its buffer sends them when it starts again',
  { timeout: 120_000 },
  async () => {
    const demo = up!.demo!;
    // the device process buffers 500 records while its broker is unreachable (port 9: nothing listens) and is killed
    expect(await appendThenKill(['client', crashDir, '500', 'mqtt://127.0.0.1:9'])).toBe(500);
    await client?.close({ flushTimeoutMs: 5000 }); // one live session per device id
    client = sdkConnect({
      url: `mqtt://127.0.0.1:${up!.ports.mqtt}`,
      deviceId: demo.deviceId,
      token,
      buffer: { dir: crashDir },
    });
    const errors: string[] = [];
    client.on('error', (e) => errors.push(`${e.code}: ${e.message}`));
    const flushed = await client.flush(60_000);
    if (!flushed)
      throw new Error(
        `not flushed: ${JSON.stringify({ status: client.status(), errors: errors.slice(0, 5) })}`,
      );
    const crashed = async () =>
      (
        await t.database.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM logs WHERE device_id = $1 AND message LIKE 'crash %'`,
          [demo.deviceId],
        )
      )[0]?.n;
    await waitFor(async () => (await crashed()) === 500, '500 records of the killed process', 60_000);
    expect(client.info('after restart')).toBe(501);
  },
);
