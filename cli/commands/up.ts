import type { Command } from 'commander';
import { CliError } from '../errors.js';

export function register(program: Command): void {
  program
    .command('up')
    .description(
      'run broker, processor and console in one process (PGlite under ./data and an in-process bus unless DATABASE_URL / NATS_URL / REDIS_URL are set)',
    )
    .action(async () => {
      const { loadUpEnv } = await import('../embedded/env.js');
      const { startEmbedded } = await import('../embedded/start.js');
      const { createLogger } = await import('@iotlog/processor');
      let env;
      try {
        env = loadUpEnv(process.env);
      } catch (err) {
        throw new CliError((err as Error).message, 'cli.config', { cause: err });
      }
      const logger = createLogger(env.LOG_LEVEL, 'iotlog');
      const up = await startEmbedded(env, process.env, logger);
      const host = env.HOST === '0.0.0.0' ? '127.0.0.1' : env.HOST;
      const lines = [
        '',
        `iotlog is running (${up.bus === 'in-process' ? 'in-process bus' : 'NATS JetStream'}, ${up.storage.mode} at ${up.database})`,
        `  mqtt:      mqtt://${host}:${up.ports.mqtt}`,
        `  metrics:   broker http://${host}:${up.ports.brokerHttp}/metrics, processor http://${host}:${up.ports.processorHttp}/metrics`,
        `  ${up.consoleLine}`,
        `  alerting:  ${up.alerting ? 'on' : 'off (needs NATS: set NATS_URL)'}`,
      ];
      const d = up.demo;
      if (d?.created && d.token) {
        lines.push(
          '',
          `demo device ${d.deviceName} created (organization "demo", tenant "default"):`,
          `  device id: ${d.deviceId}`,
          `  token:     ${d.token}   (shown once: store it now)`,
          '',
          'send a log line:',
          `  mosquitto_pub -h ${host} -p ${up.ports.mqtt} -i ${d.deviceId} -u ${d.deviceId} -P '${d.token}' -t d/${d.deviceId}/logs -m 'hello'`,
        );
        if (d.owner.password)
          lines.push(
            '',
            'console sign-in (organization "demo"):',
            `  email:     ${d.owner.email}`,
            `  password:  ${d.owner.password}   (one-time: change it after signing in)`,
          );
      } else if (d) {
        lines.push(
          '',
          `demo device ${d.deviceName}: id ${d.deviceId} (its token was shown on the first run)`,
        );
      }
      process.stdout.write(`${lines.join('\n')}\n\n`);
      await new Promise<void>((resolve) => {
        for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
      });
      logger.info('shutting down');
      await up.close();
    });
}
