// Integration test harness: a real PostgreSQL database (createTestDatabase), real NATS JetStream with a
// private subject prefix and stream, a broker on random ports, devices seeded in the database.
import { randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@iotlog/drizzle/testing';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect as natsConnect, type NatsConnection } from '@nats-io/transport-node';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { sha256Hex } from '../src/auth/authenticator.js';
import { createPgAuthStore } from '../src/auth/pg-store.js';
import { createJetStreamSink, ensureIngestStream } from '../src/bridge/jetstream-sink.js';
import { createBroker, type RunningBroker } from '../src/broker.js';
import { createNatsBus } from '../src/bus/nats-bus.js';
import { loadEnv, type BrokerEnv } from '../src/env.js';
import type { AuthStore, IngestSink } from '../src/ports.js';

export const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export function suffix(): string {
  return randomBytes(4).toString('hex');
}

/** Polls `fn` until it returns a truthy value (or stops throwing); fails after `timeoutMs`. */
export async function waitFor<T>(
  fn: () => T | Promise<T>,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`, { cause: last });
    await new Promise((r) => setTimeout(r, 25));
  }
}

export type SeededDevice = { deviceId: string; tenantId: string; token: string; credentialId: string };

export type Env = {
  db: TestDatabase;
  nc: NatsConnection;
  prefix: string;
  stream: string;
  tenantId: string;
  createDevice(opts?: {
    disabled?: boolean;
    expired?: boolean;
    revoked?: boolean;
    x509Fingerprint?: string;
  }): Promise<SeededDevice>;
  startBroker(
    overrides?: Record<string, string>,
    opts?: { sink?: IngestSink; authStore?: AuthStore },
  ): Promise<RunningBroker>;
  close(): Promise<void>;
};

export async function setupEnv(): Promise<Env> {
  const db = await createTestDatabase({ timescale: false });
  const nc = await natsConnect({ servers: NATS_URL });
  const id = suffix();
  const prefix = `tb_${id}`;
  const stream = `TB_${id}`;
  const brokers: RunningBroker[] = [];
  const [org] = await db.database.query<{ id: string }>(
    `INSERT INTO organizations (name, slug) VALUES ('org', $1) RETURNING id`,
    [`org-${id}`],
  );
  const [tenant] = await db.database.query<{ id: string }>(
    `INSERT INTO tenants (organization_id, name, slug) VALUES ($1, 'tenant', 'tenant') RETURNING id`,
    [org!.id],
  );
  const tenantId = tenant!.id;
  await ensureIngestStream(nc, { name: stream, prefix, maxAgeS: 3600, duplicateWindowS: 120 });
  let n = 0;

  return {
    db,
    nc,
    prefix,
    stream,
    tenantId,
    async createDevice(opts = {}) {
      const [dev] = await db.database.query<{ id: string }>(
        `INSERT INTO devices (tenant_id, name, disabled_at) VALUES ($1, $2, $3) RETURNING id`,
        [tenantId, `dev-${++n}`, opts.disabled ? new Date() : null],
      );
      const token = `iot_${randomBytes(32).toString('base64url')}`;
      const [cred] = await db.database.query<{ id: string }>(
        `INSERT INTO device_credentials (device_id, kind, secret_hash, expires_at, revoked_at)
         VALUES ($1, 'token', $2, $3, $4) RETURNING id`,
        [
          dev!.id,
          sha256Hex(token),
          opts.expired ? new Date(Date.now() - 1000) : null,
          opts.revoked ? new Date() : null,
        ],
      );
      if (opts.x509Fingerprint) {
        await db.database.query(
          `INSERT INTO device_credentials (device_id, kind, secret_hash) VALUES ($1, 'x509', $2)`,
          [dev!.id, opts.x509Fingerprint],
        );
      }
      return { deviceId: dev!.id, tenantId, token, credentialId: cred!.id };
    },
    async startBroker(overrides = {}, opts = {}) {
      const config: BrokerEnv = loadEnv({
        HOST: '127.0.0.1',
        MQTT_PORT: '0',
        HTTP_PORT: '0',
        NATS_PREFIX: prefix,
        INGEST_STREAM: stream,
        AUTH_FAIL_LIMIT_PER_MIN: '10000',
        LOG_LEVEL: 'silent',
        ...overrides,
      });
      const broker = await createBroker({
        config,
        authStore: opts.authStore ?? createPgAuthStore(db.database),
        sink: opts.sink ?? createJetStreamSink(nc),
        bus: createNatsBus(nc, (err) => logger.error({ err }, 'bus error')),
        logger,
      });
      brokers.push(broker);
      return broker;
    },
    async close() {
      for (const b of brokers) await b.close();
      const jsm = await jetstreamManager(nc);
      await jsm.streams.delete(stream).catch(() => false);
      await nc.drain();
      await db.drop();
    },
  };
}

/** Connects with mqtt.js; resolves once CONNACK 0 arrived, rejects with the CONNACK error code otherwise. */
export function connectClient(url: string, opts: IClientOptions): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, {
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      protocolVersion: 4,
      ...opts,
    });
    client.once('connect', () => resolve(client));
    client.once('error', (err) => {
      client.end(true);
      reject(err);
    });
    client.once('close', () => reject(new Error('closed before CONNACK')));
  });
}

/** The CONNACK return code of a refused CONNECT (mqtt.js puts it on the error as `code`). */
export async function connackCode(url: string, opts: IClientOptions): Promise<number> {
  try {
    const c = await connectClient(url, opts);
    await c.endAsync();
    return 0;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code !== 'number') throw err;
    return code;
  }
}

export function closed(client: MqttClient): Promise<void> {
  return new Promise((resolve) => {
    if (client.disconnected || !client.connected) return resolve();
    client.once('close', () => resolve());
  });
}
