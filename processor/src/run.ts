// Production wiring of one processor replica: PostgreSQL/TimescaleDB (refuses an unmigrated schema), NATS
// JetStream (durable pull consumer) and core NATS (presence), and the HTTP endpoints. Used by src/main.ts and
// by `iotlog processor`.
import { assertMigrated, createDatabase, detectStorage } from '@iotlog/drizzle';
import { subjects as makeSubjects } from '@iotlog/edge-sdk/protocol';
import { connect } from '@nats-io/transport-node';
import { alertingConfigFromEnv } from './alerting/env.js';
import { createAlertingEngine } from './alerting/engine.js';
import { createJetStreamSource } from './bus/jetstream.js';
import { createNatsSubjectBus } from './bus/nats.js';
import type { ProcessorEnv } from './env.js';
import { startHttpServer } from './http/server.js';
import type { Logger } from './logger.js';
import { createMetrics } from './metrics.js';
import { createProcessor, type Processor } from './processor.js';
import { fromDatabase } from './store/sql.js';

export interface RunningProcessor {
  processor: Processor;
  httpPort: number;
  close(): Promise<void>;
}

/** Decode limits from the environment, in the protocol module's terms. */
export function limitsFromEnv(env: ProcessorEnv) {
  return {
    maxSkewMs: env.MAX_SKEW_MS,
    maxAgeMs: env.MAX_AGE_MS,
    maxPayloadBytes: env.MAX_PAYLOAD_BYTES,
    maxMessageChars: env.MAX_MESSAGE_CHARS,
    maxAttrsBytes: env.MAX_ATTRS_BYTES,
  };
}

export async function runProcessor(env: ProcessorEnv, logger: Logger): Promise<RunningProcessor> {
  const database = await createDatabase(env.DATABASE_URL, {
    max: env.DATABASE_POOL_SIZE,
    onPoolError: (err) => logger.warn({ err }, 'PostgreSQL pool error'),
  });
  try {
    await assertMigrated(database);
    const storage = await detectStorage(database);
    logger.info({ storage }, 'database ready');
  } catch (err) {
    await database.close();
    throw err;
  }
  const nc = await connect({
    servers: env.NATS_URL.split(','),
    name: 'iotlog-processor',
    maxReconnectAttempts: -1,
  });
  let natsUp = true;
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect') natsUp = false;
      if (s.type === 'reconnect') natsUp = true;
      logger.info({ nats: s.type }, 'NATS status');
    }
  })();
  const subjects = makeSubjects(env.NATS_PREFIX);
  const source = await createJetStreamSource({
    nc,
    stream: env.INGEST_STREAM,
    subjects: [subjects.ingestAll],
    durable: env.INGEST_CONSUMER,
    maxMessages: env.FETCH_MAX_MESSAGES,
    expiresMs: env.FETCH_EXPIRES_MS,
    ackWaitS: env.ACK_WAIT_S,
    maxAckPending: env.MAX_ACK_PENDING,
    logger: logger.child({ component: 'jetstream' }),
  });
  const processor = createProcessor({
    db: fromDatabase(database),
    source,
    subjects,
    logger,
    presenceBus: createNatsSubjectBus(nc, logger),
    metrics: createMetrics({ defaultMetrics: true }),
    busReady: () => natsUp && !nc.isClosed(),
    batchSize: env.BATCH_SIZE,
    maxInFlight: env.MAX_IN_FLIGHT,
    limits: limitsFromEnv(env),
    deviceStateFlushMs: env.DEVICE_STATE_FLUSH_MS,
  });
  // alerting: its own durable consumer on the same stream, so storage never waits on rule evaluation
  const alerting =
    env.ALERTING === 'on'
      ? createAlertingEngine({ nc, db: database, logger, config: alertingConfigFromEnv(env) })
      : undefined;
  await alerting?.start();
  const http = await startHttpServer({ processor, port: env.HTTP_PORT, host: env.HTTP_HOST, logger });
  logger.info(
    { stream: env.INGEST_STREAM, consumer: env.INGEST_CONSUMER, httpPort: http.port },
    'processor consuming',
  );
  return {
    processor,
    httpPort: http.port,
    async close() {
      await processor.stop();
      await alerting?.stop();
      await http.close();
      await nc.drain();
      await database.close();
    },
  };
}
