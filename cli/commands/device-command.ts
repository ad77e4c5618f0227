// `iotlog device command DEVICE NAME --data JSON --timeout 10s` and `iotlog device config set|get DEVICE [JSON]`:
// commands and desired configuration over NATS (`{NATS_PREFIX}.cmd.{tenant}.{device}`), the device looked up in
// DATABASE_URL. Same contract as the console API (ARCHITECTURE.md "MQTT topics", "NATS subjects").
import { InvalidArgumentError, type Command } from 'commander';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { subjects } from '@iotlog/edge-sdk/protocol';
import {
  AlertingError,
  checkConfig,
  getDeviceConfig,
  natsCommandBus,
  publishDesiredConfig,
  resolveDevice,
  sendCommand,
  setDesiredConfig,
  type DeviceConfig,
} from '@iotlog/processor/alerting';
import { CliError } from '../errors.js';
import { withDatabase } from '../lib/db.js';
import { cliEnv } from '../lib/env.js';
import { printJson, printLine } from '../lib/output.js';
import { deviceGroup } from './device.js';

/** `10s`, `500ms`, `2m` or plain seconds -> ms. */
export function parseDuration(value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError(`"${value}" is not a duration such as 10s, 500ms or 2m`);
  const n = Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 'm' ? 60_000 : 1000);
  if (n < 100 || n > 600_000)
    throw new InvalidArgumentError(`timeout ${value} must be between 100ms and 10m`);
  return Math.round(n);
}

function parseJson(value: string, what: string): unknown {
  try {
    return JSON.parse(value);
  } catch (err) {
    throw new InvalidArgumentError(`${what} is not valid JSON: ${(err as Error).message}`);
  }
}

async function withNats<T>(fn: (nc: NatsConnection) => Promise<T>): Promise<T> {
  const env = cliEnv();
  let nc: NatsConnection;
  try {
    nc = await connect({ servers: env.NATS_URL, timeout: 3000, reconnect: false, name: 'iotlog-cli' });
  } catch (err) {
    throw new CliError(
      `NATS at ${env.NATS_URL} is not reachable (${(err as Error).message}): start it or set NATS_URL`,
      'cli.nats',
      { cause: err },
    );
  }
  try {
    return await fn(nc);
  } finally {
    await nc.close();
  }
}

function cliErrorOf(err: unknown): unknown {
  return err instanceof AlertingError ? new CliError(err.message, err.code, { cause: err }) : err;
}

function printConfig(c: DeviceConfig, json?: boolean): void {
  if (json) return printJson(c);
  printLine(`desired  v${c.desired.version}: ${JSON.stringify(c.desired.config)}`);
  printLine(
    c.reported
      ? `reported v${c.reported.version}: ${JSON.stringify(c.reported.config)} (at ${c.reportedAt})`
      : 'reported: nothing yet',
  );
  printLine(c.inSync ? 'in sync' : 'not in sync');
}

export function register(program: Command): void {
  const device = deviceGroup(program);
  device
    .command('command')
    .description(
      'send a command to a device and wait for its reply (exit 1 when the device answers ok=false)',
    )
    .argument('<device>', 'device id (or a device name unique across tenants)')
    .argument('<name>', 'command name, e.g. set-log-level')
    .option('--data <json>', 'command data as JSON', (v) => parseJson(v, '--data'))
    .option('--timeout <duration>', 'how long to wait for the reply (10s, 500ms, 2m)', parseDuration, 10_000)
    .action(async (ref: string, name: string, opts: { data?: unknown; timeout: number }) => {
      const env = cliEnv();
      const dev = await withDatabase((db) =>
        resolveDevice(db, ref).catch((err: unknown) => Promise.reject(cliErrorOf(err))),
      );
      const reply = await withNats((nc) =>
        sendCommand(natsCommandBus(nc), subjects(env.NATS_PREFIX), {
          tenantId: dev.tenantId,
          deviceId: dev.id,
          name,
          data: opts.data,
          timeoutMs: opts.timeout,
        }),
      ).catch((err: unknown) => Promise.reject(cliErrorOf(err)));
      printJson(reply);
      if (!reply.ok) process.exitCode = 1;
    });

  const config =
    device.commands.find((c) => c.name() === 'config') ??
    device.command('config').description('desired and reported configuration');
  config
    .command('set')
    .description('store a new desired configuration (version + 1) and send it retained to the device')
    .argument('<device>', 'device id (or a unique device name)')
    .argument('<json>', 'the whole configuration object, e.g. \'{"logLevel":"debug"}\'')
    .option('--json', 'print the result as JSON')
    .action(async (ref: string, json: string, opts: { json?: boolean }) => {
      const env = cliEnv();
      let doc: Record<string, unknown>;
      try {
        doc = checkConfig(parseJson(json, 'configuration'));
      } catch (err) {
        throw cliErrorOf(err);
      }
      const stored = await withDatabase(async (db) => {
        const dev = await resolveDevice(db, ref);
        return { dev, cfg: await setDesiredConfig(db, dev.id, doc) };
      }).catch((err: unknown) => Promise.reject(cliErrorOf(err)));
      await withNats((nc) =>
        publishDesiredConfig(natsCommandBus(nc), subjects(env.NATS_PREFIX), {
          tenantId: stored.dev.tenantId,
          deviceId: stored.dev.id,
          version: stored.cfg.desired.version,
          config: doc,
        }).then(() => nc.flush()),
      );
      printConfig(stored.cfg, opts.json);
    });
  config
    .command('get')
    .description('show the desired and the reported configuration of a device')
    .argument('<device>', 'device id (or a unique device name)')
    .option('--json', 'print the result as JSON')
    .action(async (ref: string, opts: { json?: boolean }) => {
      const cfg = await withDatabase(async (db) =>
        getDeviceConfig(db, (await resolveDevice(db, ref)).id),
      ).catch((err: unknown) => Promise.reject(cliErrorOf(err)));
      printConfig(cfg, opts.json);
    });
}
