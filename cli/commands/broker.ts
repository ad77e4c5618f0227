import type { Command } from 'commander';
import { CliError } from '../errors.js';

export function register(program: Command): void {
  program
    .command('broker')
    .description('run the MQTT broker (configuration from environment variables, see broker/README.md)')
    .action(async () => {
      const { createLogger, loadEnv, runBroker } = await import('@iotlog/broker');
      let config;
      try {
        config = loadEnv();
      } catch (err) {
        throw new CliError((err as Error).message, 'cli.config', { cause: err });
      }
      const logger = createLogger(config.LOG_LEVEL);
      let broker;
      try {
        broker = await runBroker(config, logger);
      } catch (err) {
        // database unreachable or not migrated: one line with the fix instead of a stack trace
        const code = (err as { code?: unknown }).code;
        if (typeof code === 'string' && code.startsWith('database.'))
          throw new CliError((err as Error).message, code, { cause: err });
        throw err;
      }
      await new Promise<void>((resolve) => {
        for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
      });
      logger.info('shutting down');
      await broker.close();
    });
}
