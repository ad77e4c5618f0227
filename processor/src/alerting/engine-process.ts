/**
 * One alerting engine in its own process, for the leader-takeover test and bench/alerts:
 * `node --import tsx engine-process.ts '<json config>'` with `{ databaseUrl, natsUrl, config }`.
 * Prints `ready <instanceId>` on stdout once started; stops cleanly on SIGTERM (SIGKILL simulates a crash).
 */
import { createDatabase } from '@iotlog/drizzle';
import { connect } from '@nats-io/transport-node';
import { pino } from 'pino';
import { createAlertingEngine, type AlertingConfig } from './engine.js';

const arg = process.argv[2];
if (!arg) throw new Error('usage: engine-process.ts \'{"databaseUrl":..,"natsUrl":..,"config":{..}}\'');
const { databaseUrl, natsUrl, config } = JSON.parse(arg) as {
  databaseUrl: string;
  natsUrl: string;
  config: Partial<AlertingConfig>;
};
const logger = pino({ level: 'warn' }, pino.destination(2));
const db = await createDatabase(databaseUrl, { max: 3 });
const nc = await connect({ servers: natsUrl, name: 'alerting-engine-process' });
const engine = createAlertingEngine({ nc, db, logger, config });
await engine.start();
process.stdout.write(`ready ${engine.instanceId}\n`);
process.once('SIGTERM', () => {
  void (async () => {
    await engine.stop();
    await nc.drain();
    await db.close();
    process.exit(0);
  })();
});
