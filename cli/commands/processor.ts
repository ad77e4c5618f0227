import type { Command } from 'commander';
import { CliError } from '../errors.js';

export function register(program: Command): void {
  program
    .command('processor')
    .description(
      'run a processor replica: JetStream IOT_INGEST -> TimescaleDB (configuration from environment variables, see processor/README.md)',
    )
    .action(async () => {
      const { createLogger, loadEnv, runProcessor } = await import('@iotlog/processor');
      let env;
      try {
        env = loadEnv();
      } catch (err) {
        throw new CliError((err as Error).message, 'cli.config', { cause: err });
      }
      const logger = createLogger(env.LOG_LEVEL);
      let running;
      try {
        running = await runProcessor(env, logger);
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        if (
          code === 'database.migrations_pending' ||
          code === 'database.unreachable' ||
          code === 'database.bad_url'
        ) {
          throw new CliError((err as Error).message, String(code), { cause: err });
        }
        throw err;
      }
      await new Promise<void>((resolve) => {
        for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
      });
      logger.info('shutting down');
      await running.close();
    });
}
