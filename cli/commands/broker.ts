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
      const broker = await runBroker(config, logger);
      await new Promise<void>((resolve) => {
        for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
      });
      logger.info('shutting down');
      await broker.close();
    });
}
