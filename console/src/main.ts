// `iotlog console`: wiring only.
import { fileURLToPath } from 'node:url';
import { assertMigrated, createDatabase, detectStorage } from '@iotlog/drizzle';
import { connect } from '@nats-io/transport-node';
import { defaultConfig } from './deps.js';
import { loadEnv } from './env.js';
import { natsBus } from './lib/bus.js';
import { createLogger } from './logger.js';
import { startConsole } from './server.js';

export async function main(): Promise<{ close(): Promise<void> }> {
  const env = loadEnv();
  const logger = createLogger(env.LOG_LEVEL);
  const database = await createDatabase(env.DATABASE_URL);
  // an unmigrated database is refused at start with the fix (`iotlog migrate`)
  await assertMigrated(database).catch(async (err: unknown) => {
    await database.close();
    throw err;
  });
  const nc = await connect({ servers: env.NATS_URL, name: 'iotlog-console' });
  const staticDir = env.CONSOLE_STATIC_DIR ?? fileURLToPath(new URL('../dist', import.meta.url));
  const running = await startConsole({
    db: database.db,
    bus: natsBus(nc, logger),
    logger,
    detectStorage: () => detectStorage(database),
    staticDir,
    port: env.CONSOLE_PORT,
    host: env.CONSOLE_HOST,
    config: {
      ...defaultConfig,
      sessionTtlSeconds: env.SESSION_TTL,
      cookieSecure: env.COOKIE_SECURE,
      trustProxy: env.TRUST_PROXY,
      loginMaxAttempts: env.LOGIN_MAX_ATTEMPTS,
      loginWindowSeconds: env.LOGIN_WINDOW,
      natsPrefix: env.NATS_PREFIX,
    },
  });
  logger.info({ url: running.url }, 'iotlog console ready');
  return {
    async close() {
      await running.close();
      await nc.drain();
      await database.close();
    },
  };
}
