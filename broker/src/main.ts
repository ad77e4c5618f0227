// Process entry of the broker: env, logger, wiring, signals. `npx tsx broker/src/main.ts`.
import { loadEnv } from './env.js';
import { createLogger } from './logger.js';
import { runBroker } from './run.js';

const config = loadEnv();
const logger = createLogger(config.LOG_LEVEL);
const broker = await runBroker(config, logger);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    logger.info({ signal }, 'shutting down');
    broker.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
