// Production wiring of one broker replica: PostgreSQL auth store, NATS (JetStream sink + core bus), Redis
// (optional). Used by src/main.ts and by `iotlog broker`.
import { connect } from '@nats-io/transport-node';
import { assertMigrated, createDatabase } from '@iotlog/drizzle';
import type { Logger } from 'pino';
import { createPgAuthStore } from './auth/pg-store.js';
import { createJetStreamSink, ensureIngestStream } from './bridge/jetstream-sink.js';
import { createBroker, type RunningBroker } from './broker.js';
import { createNatsBus } from './bus/nats-bus.js';
import type { BrokerEnv } from './env.js';
import { createMetrics } from './metrics.js';

export async function runBroker(config: BrokerEnv, logger: Logger): Promise<RunningBroker> {
  const database = await createDatabase(config.DATABASE_URL, {
    onPoolError: (err) => logger.warn({ err }, 'PostgreSQL pool error'),
  });
  // an unmigrated database is refused at start with the fix (`iotlog migrate`), not at the first CONNECT;
  // the lab mode (AUTH_MODE=open) reads no device table, so it needs none
  if (config.AUTH_MODE !== 'open') {
    await assertMigrated(database).catch(async (err: unknown) => {
      await database.close();
      throw err;
    });
  }
  const nc = await connect({
    servers: config.NATS_URL.split(','),
    name: 'iotlog-broker',
    maxReconnectAttempts: -1,
    // no stack capture per request: one JetStream publish per envelope is the hot path
    noAsyncTraces: true,
  });
  let natsUp = true;
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect') natsUp = false;
      if (s.type === 'reconnect') natsUp = true;
      logger.info({ nats: s.type }, 'NATS status');
    }
  })();
  await ensureIngestStream(nc, {
    name: config.INGEST_STREAM,
    prefix: config.NATS_PREFIX,
    maxAgeS: config.INGEST_MAX_AGE_S,
    duplicateWindowS: config.INGEST_DUPLICATE_WINDOW_S,
  });
  const broker = await createBroker({
    config,
    authStore: createPgAuthStore(database),
    sink: createJetStreamSink(nc),
    bus: createNatsBus(nc, (err, subject) => logger.error({ err, subject }, 'NATS subscription error')),
    logger,
    ready: () => natsUp && !nc.isClosed(),
    metrics: createMetrics({ defaultMetrics: true }),
  });
  return {
    ...broker,
    async close() {
      await broker.close();
      await nc.drain();
      await database.close();
    },
  };
}
