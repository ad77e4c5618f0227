// Process entry of a processor replica: env, logger, wiring, signals. `npx tsx processor/src/main.ts`.
import { loadEnv } from './env.js';
import { createLogger } from './logger.js';
import { runProcessor } from './run.js';

const env = loadEnv();
const logger = createLogger(env.LOG_LEVEL);
const running = await runProcessor(env, logger);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    logger.info({ signal }, 'shutting down');
    running.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
