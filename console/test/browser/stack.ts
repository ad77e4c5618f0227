// The real pieces in-process for a browser test: a fresh migrated database, the broker (JetStream sink on a
// private stream and subject prefix, random ports), the processor (durable consumer on that stream) and the
// console serving the built web app on a random port. Everything talks to the machine's PostgreSQL and NATS.
import { randomBytes } from 'node:crypto';
import { loadEnv as loadBrokerEnv, runBroker, type RunningBroker } from '@iotlog/broker';
import { detectStorage } from '@iotlog/drizzle';
import { createTestDatabase, type TestDatabase } from '@iotlog/drizzle/testing';
import { loadEnv as loadProcessorEnv, runProcessor, type RunningProcessor } from '@iotlog/processor';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { pino } from 'pino';
import { defaultConfig, natsBus, startConsole, type RunningConsole } from '../../src/index.js';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

export interface Stack {
  db: TestDatabase;
  consoleUrl: string;
  mqttUrl: string;
  prefix: string;
  close(): Promise<void>;
}

export async function startStack(opts: { staticDir: string }): Promise<Stack> {
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const id = randomBytes(4).toString('hex');
  const prefix = `tui_${id}`;
  const stream = `TUI_${id}`;
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const c of closers.reverse()) await c();
  };
  try {
    const db = await createTestDatabase();
    closers.push(() => db.drop());
    const nc: NatsConnection = await connect({ servers: NATS_URL, name: `console-ui-test-${id}` });
    closers.push(async () => {
      const jsm = await jetstreamManager(nc);
      await jsm.streams.delete(stream).catch((err: unknown) => {
        if ((err as Error).name !== 'StreamNotFoundError') throw err;
      });
      await nc.drain();
    });

    const common = {
      DATABASE_URL: db.url,
      NATS_URL,
      NATS_PREFIX: prefix,
      INGEST_STREAM: stream,
      LOG_LEVEL: 'silent',
    };
    const broker: RunningBroker = await runBroker(
      loadBrokerEnv({
        ...common,
        HOST: '127.0.0.1',
        MQTT_PORT: '0',
        HTTP_PORT: '0',
        INGEST_MAX_AGE_S: '3600',
        AUTH_CACHE_TTL_S: '5',
      }),
      logger.child({ svc: 'broker' }),
    );
    closers.push(() => broker.close());
    const processor: RunningProcessor = await runProcessor(
      loadProcessorEnv({
        ...common,
        INGEST_CONSUMER: 'processor',
        HTTP_PORT: '0',
        HTTP_HOST: '127.0.0.1',
        FETCH_EXPIRES_MS: '1000',
        DEVICE_STATE_FLUSH_MS: '200',
      }),
      logger.child({ svc: 'processor' }),
    );
    closers.push(() => processor.close());

    const running: RunningConsole = await startConsole({
      db: db.database.db,
      bus: natsBus(nc, logger),
      logger: logger.child({ svc: 'console' }),
      detectStorage: () => detectStorage(db.database),
      staticDir: opts.staticDir,
      port: 0,
      host: '127.0.0.1',
      config: { ...defaultConfig, natsPrefix: prefix, tailHeartbeatMs: 2000 },
    });
    closers.push(() => running.close());
    return { db, consoleUrl: running.url, mqttUrl: `mqtt://127.0.0.1:${broker.ports.mqtt}`, prefix, close };
  } catch (err) {
    await close();
    throw err;
  }
}
