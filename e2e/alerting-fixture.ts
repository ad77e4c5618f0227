// A real broker on a random port over a test database and a private NATS prefix/stream, with device rows and
// tokens: the fixture of the alerting end-to-end tests (e2e/alerting-*.int.test.ts) and bench/alerts.
import { randomBytes } from 'node:crypto';
import {
  createBroker,
  createJetStreamSink,
  createNatsBus,
  createPgAuthStore,
  ensureIngestStream,
  loadEnv,
  type RunningBroker,
} from '@iotlog/broker';
import { createTestDatabase, type TestDatabase } from '@iotlog/drizzle/testing';
import { subjects as makeSubjects, type Subjects } from '@iotlog/edge-sdk/protocol';
import { jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { createHash } from 'node:crypto';
import { pino, type Logger } from 'pino';

export const NATS_URL = 'nats://127.0.0.1:4222';

export interface Stack {
  db: TestDatabase;
  nc: NatsConnection;
  prefix: string;
  stream: string;
  bucket: string;
  subjects: Subjects;
  tenantId: string;
  broker: RunningBroker;
  mqttUrl: string;
  logger: Logger;
  addDevice(name: string, labels?: Record<string, string>): Promise<{ deviceId: string; token: string }>;
  close(): Promise<void>;
}

export async function startStack(): Promise<Stack> {
  const db = await createTestDatabase();
  const nc = await connect({ servers: NATS_URL, name: 'alerting-e2e' });
  const id = randomBytes(4).toString('hex');
  const prefix = `e2e_al_${id}`;
  const stream = `E2E_AL_${id}`;
  const bucket = `e2e_alerting_${id}`;
  const logger = pino({ level: 'silent' });
  await ensureIngestStream(nc, { name: stream, prefix, maxAgeS: 3600, duplicateWindowS: 120 });
  const [org] = await db.database.query<{ id: string }>(
    `INSERT INTO organizations (name, slug) VALUES ('o', $1) RETURNING id`,
    [`o-${id}`],
  );
  const [tenant] = await db.database.query<{ id: string }>(
    `INSERT INTO tenants (organization_id, name, slug) VALUES ($1, 't', 't') RETURNING id`,
    [org!.id],
  );
  const config = loadEnv({
    HOST: '127.0.0.1',
    MQTT_PORT: '0',
    HTTP_PORT: '0',
    NATS_PREFIX: prefix,
    INGEST_STREAM: stream,
    LOG_LEVEL: 'silent',
  });
  const broker = await createBroker({
    config,
    authStore: createPgAuthStore(db.database),
    sink: createJetStreamSink(nc),
    bus: createNatsBus(nc, (err) => logger.error({ err }, 'bus error')),
    logger,
  });
  return {
    db,
    nc,
    prefix,
    stream,
    bucket,
    subjects: makeSubjects(prefix),
    tenantId: tenant!.id,
    broker,
    mqttUrl: `mqtt://127.0.0.1:${broker.ports.mqtt}`,
    logger,
    async addDevice(name, labels = {}) {
      const [d] = await db.database.query<{ id: string }>(
        'INSERT INTO devices (tenant_id, name, labels) VALUES ($1, $2, $3) RETURNING id',
        [tenant!.id, name, JSON.stringify(labels)],
      );
      const token = `iot_${randomBytes(32).toString('base64url')}`;
      await db.database.query(
        `INSERT INTO device_credentials (device_id, kind, secret_hash) VALUES ($1, 'token', $2)`,
        [d!.id, createHash('sha256').update(token).digest('hex')],
      );
      return { deviceId: d!.id, token };
    },
    async close() {
      await broker.close();
      const jsm = await jetstreamManager(nc);
      await jsm.streams.delete(stream).catch(() => undefined);
      await new Kvm(nc)
        .open(bucket)
        .then((kv) => kv.destroy())
        .catch(() => undefined);
      await nc.drain();
      await db.drop();
    },
  };
}

export async function waitFor<T>(
  what: string,
  fn: () => T | Promise<T>,
  timeoutMs = 20_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
