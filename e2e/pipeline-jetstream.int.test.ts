// The production pipeline end to end: MQTT client -> broker -> NATS JetStream -> processor -> TimescaleDB,
// wired by `iotlog up` with DATABASE_URL and NATS_URL set (own database, subject prefix, stream and consumer).
import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { createTestDatabase, type TestDatabase } from '@iotlog/drizzle/testing';
import mqtt from 'mqtt';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Embedded } from '../cli/embedded/start.js';
import { startUp, waitFor } from './embedded-fixture.js';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const s = randomBytes(4).toString('hex');
const stream = `E2E_${s}_INGEST`;
let t: TestDatabase;
let up: Embedded | undefined;

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await up?.close();
  const nc = await connect({ servers: NATS_URL });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.delete(stream).catch(() => undefined);
  await nc.drain();
  await t?.drop();
});

it('stores QoS1 publishes of a device exactly once through JetStream', { timeout: 120_000 }, async () => {
  up = await startUp({
    DATABASE_URL: t.url,
    NATS_URL,
    NATS_PREFIX: `e2e_${s}`,
    INGEST_STREAM: stream,
    INGEST_CONSUMER: `processor_${s}`,
  });
  expect(up.bus).toBe('jetstream');
  expect(up.storage.mode).toBe('timescaledb');
  const demo = up.demo!;
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${up.ports.mqtt}`, {
    clientId: `${demo.deviceId}:e2e`,
    username: demo.deviceId,
    password: demo.token!,
    reconnectPeriod: 0,
  });
  const pubs: Promise<unknown>[] = [];
  for (let i = 0; i < 200; i++) {
    const records = Array.from({ length: 10 }, (_, j) => ({ seq: i * 10 + j, message: `m ${i}.${j}` }));
    pubs.push(client.publishAsync(`d/${demo.deviceId}/logs`, JSON.stringify({ v: 1, records }), { qos: 1 }));
  }
  pubs.push(client.publishAsync(`d/${demo.deviceId}/logs`, 'not json but a plain line', { qos: 1 }));
  pubs.push(client.publishAsync(`d/${demo.deviceId}/logs`, '{"broken', { qos: 1 }));
  await Promise.all(pubs);
  await client.endAsync();
  const count = async () =>
    (
      await t.database.query<{ n: number }>(`SELECT count(*)::int AS n FROM logs WHERE device_id = $1`, [
        demo.deviceId,
      ])
    )[0]?.n;
  await waitFor(async () => (await count()) === 2001, '2001 logs');
  await waitFor(
    async () =>
      (
        await t.database.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM dead_letters WHERE code = 'protocol.bad_json'`,
        )
      )[0]?.n === 1,
    'one dead letter',
  );
  await waitFor(
    async () =>
      (
        await t.database.query<{ online: boolean }>(`SELECT online FROM devices WHERE id = $1`, [
          demo.deviceId,
        ])
      )[0]?.online === false && (await count()) === 2001,
    'offline after disconnect',
  );
  expect(await count()).toBe(2001);
});
