// `iotlog up`: broker + processor (+ console) in one process. With no server configured: PGlite under
// DATA_DIR and the in-process bus (processor/src/bus/memory.ts) in place of JetStream, with the same delivery
// rules. DATABASE_URL, NATS_URL and REDIS_URL switch each part to a real server.
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createBroker,
  createJetStreamSink,
  createNatsBus,
  createPgAuthStore,
  ensureIngestStream,
  loadEnv as loadBrokerEnv,
  type IngestSink,
} from '@iotlog/broker';
import { createDatabase, detectStorage, migrate, redactUrl, type StorageInfo } from '@iotlog/drizzle';
import { subjects as makeSubjects } from '@iotlog/edge-sdk/protocol';
import {
  createJetStreamSource,
  createMemoryBus,
  createMetrics,
  createProcessor,
  fromDatabase,
  limitsFromEnv,
  loadEnv as loadProcessorEnv,
  startHttpServer,
  type IngestSource,
  type Logger,
  type SubjectBus,
} from '@iotlog/processor';
import { alertingConfigFromEnv, createAlertingEngine } from '@iotlog/processor/alerting';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { CliError } from '../errors.js';
import { ensureDemo, type Demo } from './demo.js';
import type { UpEnv } from './env.js';

export interface Embedded {
  ports: { mqtt: number; brokerHttp: number; processorHttp: number; console?: number };
  database: string;
  storage: StorageInfo;
  bus: 'in-process' | 'jetstream';
  /** Alerting runs only with NATS (its rule state and leader lease live in NATS KV). */
  alerting: boolean;
  demo: Demo | null;
  /** One line about the console: its URL, or why it is not running. */
  consoleLine: string;
  /** Waits (bounded) until the in-process bus is drained, then stops everything. */
  close(): Promise<void>;
}

type Closer = () => Promise<void>;

/** Re-throws "address in use" as a clear error naming the variable that moves the port. */
async function onPort<T>(variable: string, port: number, host: string, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new CliError(
        `port ${port} on ${host} is already in use: set ${variable} to a free port (e.g. ${variable}=${port + 1} npm start)`,
        'cli.port_in_use',
        { cause: err },
      );
    }
    throw err;
  }
}

/** Fails fast, before the database is opened, when one of the fixed ports is taken. */
async function assertPortsFree(env: UpEnv): Promise<void> {
  const ports: [string, number][] = [
    ['MQTT_PORT', env.MQTT_PORT],
    ['BROKER_HTTP_PORT', env.BROKER_HTTP_PORT],
    ['PROCESSOR_HTTP_PORT', env.PROCESSOR_HTTP_PORT],
    ['CONSOLE_PORT', env.CONSOLE_PORT],
  ];
  for (const [variable, port] of ports) {
    if (port === 0) continue;
    await onPort(variable, port, env.HOST, async () => {
      const server = createServer();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, env.HOST, () => resolve());
      });
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
  }
}

export async function startEmbedded(
  env: UpEnv,
  source: Record<string, string | undefined>,
  logger: Logger,
): Promise<Embedded> {
  await assertPortsFree(env);
  const closers: Closer[] = [];
  const closeAll = async () => {
    for (const c of closers.reverse())
      await c().catch((err: unknown) => logger.error({ err }, 'shutdown step failed'));
  };
  try {
    // database: PGlite under DATA_DIR, or the configured server; migrated at start
    let url = env.DATABASE_URL;
    if (url === undefined) {
      const dir = resolve(env.DATA_DIR, 'db');
      mkdirSync(dir, { recursive: true });
      url = `pglite:${dir}`;
    }
    const database = await createDatabase(url);
    closers.push(() => database.close());
    await migrate(database);
    const storage = await detectStorage(database);
    const demo = await ensureDemo(database);

    // bus: NATS JetStream + core NATS, or the in-process bus
    const subjects = makeSubjects(env.NATS_PREFIX);
    const processorEnv = loadProcessorEnv({
      ...source,
      HTTP_PORT: String(env.PROCESSOR_HTTP_PORT),
      HTTP_HOST: env.HOST,
      NATS_PREFIX: env.NATS_PREFIX,
    });
    const brokerEnv = loadBrokerEnv({
      ...source,
      HOST: env.HOST,
      MQTT_PORT: String(env.MQTT_PORT),
      HTTP_PORT: String(env.BROKER_HTTP_PORT),
      NATS_PREFIX: env.NATS_PREFIX,
      ...(env.REDIS_URL !== undefined ? { REDIS_URL: env.REDIS_URL } : {}),
    });
    let sink: IngestSink;
    let bus: SubjectBus;
    let ingest: IngestSource;
    let drained: () => boolean = () => true;
    let nc: NatsConnection | undefined;
    if (env.NATS_URL !== undefined) {
      const conn = await connect({
        servers: env.NATS_URL.split(','),
        name: 'iotlog-up',
        maxReconnectAttempts: -1,
      });
      nc = conn;
      closers.push(() => conn.drain());
      await ensureIngestStream(conn, {
        name: brokerEnv.INGEST_STREAM,
        prefix: env.NATS_PREFIX,
        maxAgeS: brokerEnv.INGEST_MAX_AGE_S,
        duplicateWindowS: brokerEnv.INGEST_DUPLICATE_WINDOW_S,
      });
      sink = createJetStreamSink(conn);
      bus = createNatsBus(conn, (err, subject) => logger.error({ err, subject }, 'NATS subscription error'));
      ingest = await createJetStreamSource({
        nc: conn,
        stream: processorEnv.INGEST_STREAM,
        subjects: [subjects.ingestAll],
        durable: processorEnv.INGEST_CONSUMER,
        maxMessages: processorEnv.FETCH_MAX_MESSAGES,
        expiresMs: processorEnv.FETCH_EXPIRES_MS,
        ackWaitS: processorEnv.ACK_WAIT_S,
        maxAckPending: processorEnv.MAX_ACK_PENDING,
        logger: logger.child({ component: 'jetstream' }),
      });
    } else {
      const memory = createMemoryBus({ ackWaitMs: processorEnv.ACK_WAIT_S * 1000 });
      closers.push(() => Promise.resolve(memory.close()));
      sink = memory;
      bus = memory.subjects;
      ingest = memory.source();
      drained = () => {
        const s = memory.stats();
        return s.pending === 0 && s.ackPending === 0;
      };
    }

    // processor first, so that nothing the broker accepts waits without a consumer
    const processor = createProcessor({
      db: fromDatabase(database),
      source: ingest,
      subjects,
      logger,
      presenceBus: bus,
      metrics: createMetrics({ defaultMetrics: true }),
      busReady: () => nc === undefined || !nc.isClosed(),
      batchSize: processorEnv.BATCH_SIZE,
      maxInFlight: processorEnv.MAX_IN_FLIGHT,
      limits: limitsFromEnv(processorEnv),
      deviceStateFlushMs: processorEnv.DEVICE_STATE_FLUSH_MS,
    });
    closers.push(async () => {
      // in-process bus: what the broker accepted is only in memory, store it before stopping
      const deadline = Date.now() + 15_000;
      while (!drained() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      await processor.stop();
    });
    const processorHttp = await onPort('PROCESSOR_HTTP_PORT', env.PROCESSOR_HTTP_PORT, env.HOST, () =>
      startHttpServer({ processor, port: env.PROCESSOR_HTTP_PORT, host: env.HOST, logger }),
    );
    closers.push(() => processorHttp.close());

    // alerting: its own durable consumer and KV state, so it needs NATS; the in-process bus has neither
    if (nc !== undefined && processorEnv.ALERTING === 'on') {
      const alerting = createAlertingEngine({
        nc,
        db: database,
        logger,
        config: alertingConfigFromEnv(processorEnv),
      });
      await alerting.start();
      closers.push(() => alerting.stop());
    }

    const broker = await onPort(
      env.MQTT_PORT === 0 ? 'BROKER_HTTP_PORT' : 'MQTT_PORT',
      env.MQTT_PORT,
      env.HOST,
      async () => {
        try {
          return await createBroker({
            config: brokerEnv,
            authStore: createPgAuthStore(database),
            sink,
            bus,
            logger,
            ready: () => nc === undefined || !nc.isClosed(),
          });
        } catch (err) {
          // tell which of the broker's two ports is taken
          const port = (err as { port?: number }).port;
          if (
            (err as NodeJS.ErrnoException).code === 'EADDRINUSE' &&
            port === env.BROKER_HTTP_PORT &&
            port !== env.MQTT_PORT
          ) {
            throw new CliError(
              `port ${port} on ${env.HOST} is already in use: set BROKER_HTTP_PORT to a free port`,
              'cli.port_in_use',
              { cause: err },
            );
          }
          throw err;
        }
      },
    );
    closers.push(() => broker.close());

    const { consoleLine, consolePort } = await startConsoleIfPresent(env, database, bus, logger, closers);

    return {
      ports: {
        mqtt: broker.ports.mqtt,
        brokerHttp: broker.ports.http,
        processorHttp: processorHttp.port,
        ...(consolePort !== undefined ? { console: consolePort } : {}),
      },
      database: redactUrl(url),
      storage,
      bus: nc === undefined ? 'in-process' : 'jetstream',
      alerting: nc !== undefined && processorEnv.ALERTING === 'on',
      demo,
      consoleLine,
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

async function startConsoleIfPresent(
  env: UpEnv,
  database: Awaited<ReturnType<typeof createDatabase>>,
  bus: SubjectBus,
  logger: Logger,
  closers: Closer[],
): Promise<{ consoleLine: string; consolePort?: number }> {
  let consoleModule: typeof import('@iotlog/console');
  try {
    consoleModule = await import('@iotlog/console');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND')
      return { consoleLine: 'console: not started (package missing)' };
    throw err;
  }
  const staticDir = fileURLToPath(new URL('../../console/dist', import.meta.url));
  const hasWebApp = existsSync(join(staticDir, 'index.html'));
  const running = await onPort('CONSOLE_PORT', env.CONSOLE_PORT, env.HOST, () =>
    consoleModule.startConsole({
      db: database.db,
      bus: {
        publish: (subject, data) => bus.publish(subject, data),
        subscribe(subject, onMessage) {
          const off = bus.subscribe(subject, (data, s) => onMessage(s, data));
          return { unsubscribe: off };
        },
      },
      logger,
      detectStorage: () => detectStorage(database),
      ...(hasWebApp ? { staticDir } : {}),
      port: env.CONSOLE_PORT,
      host: env.HOST,
      config: { ...consoleModule.defaultConfig, natsPrefix: env.NATS_PREFIX },
    }),
  );
  closers.push(() => running.close());
  const note = hasWebApp ? '' : ' (API only: build the web app with `npm run build -w console`)';
  return { consoleLine: `console: ${running.url}${note}`, consolePort: running.port };
}
