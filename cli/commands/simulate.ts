// `iotlog simulate`: a truck fleet on the edge SDK. Device credentials come from --credentials FILE
// (JSON array of {deviceId, token}) or are created in --tenant through @iotlog/drizzle provisioning.
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { InvalidArgumentError, type Command } from 'commander';
import { createDevice } from '@iotlog/drizzle/provisioning';
import { runFleet, type DeviceCredential, type FleetProgress } from '@iotlog/edge-sdk/sim';
import { CliError } from '../errors.js';
import { cliActor } from '../lib/actor.js';
import { withDatabase } from '../lib/db.js';
import { printJson, printLine } from '../lib/output.js';

function positive(kind: 'int' | 'number') {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0 || (kind === 'int' && !Number.isInteger(n))) {
      throw new InvalidArgumentError(`"${value}" is not a positive ${kind === 'int' ? 'integer' : 'number'}`);
    }
    return n;
  };
}

function readCredentials(file: string): DeviceCredential[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CliError(`cannot read credentials from ${file}: ${(err as Error).message}`, 'cli.credentials', {
      cause: err,
    });
  }
  if (
    !Array.isArray(parsed) ||
    parsed.some(
      (c: { deviceId?: unknown; token?: unknown }) =>
        typeof c?.deviceId !== 'string' || typeof c?.token !== 'string',
    )
  ) {
    throw new CliError(
      `${file} must hold a JSON array of {"deviceId": string, "token": string}`,
      'cli.credentials',
    );
  }
  return parsed as DeviceCredential[];
}

function progressLine(p: FleetProgress): string {
  return `[${p.elapsedSec.toFixed(0)}s/${p.durationSec}s] connected ${p.connected}/${p.devices}  sent ${p.sent}  acked ${p.acked}  buffered ${p.buffered}  dropped ${p.dropped}  errors ${p.errors}`;
}

export function register(program: Command): void {
  program
    .command('simulate')
    .description(
      'simulate a truck fleet with the edge SDK (telemetry, logs with error bursts and stack traces, events)',
    )
    .option('--url <url>', 'broker URL (mqtt://, mqtts://, ws://, wss://)', 'mqtt://127.0.0.1:1884')
    .option('--devices <n>', 'number of devices', positive('int'), 10)
    .option('--rate <r>', 'records per second per device', positive('number'), 1)
    .option('--duration <s>', 'seconds to run', positive('number'), 30)
    .option('--credentials <file>', 'JSON array of {"deviceId", "token"} (uses the first --devices entries)')
    .option(
      '--tenant <tenant>',
      'create --devices devices in this tenant (id, slug or ORG/TENANT; needs DATABASE_URL)',
    )
    .option('--buffer-dir <dir>', 'durable on-disk buffers under this directory (default: memory buffers)')
    .option('--ca <file>', 'CA certificate (PEM) for mqtts:// or wss:// with a private CA')
    .option('--seed <n>', 'random seed (same seed, same fleet)', positive('int'), 1)
    .option('--json', 'print the summary as one JSON object')
    .action(
      async (opts: {
        url: string;
        devices: number;
        rate: number;
        duration: number;
        credentials?: string;
        tenant?: string;
        bufferDir?: string;
        ca?: string;
        seed: number;
        json?: boolean;
      }) => {
        if ((opts.credentials === undefined) === (opts.tenant === undefined)) {
          throw new CliError('give exactly one of --credentials FILE or --tenant TENANT', 'cli.usage');
        }
        let devices: DeviceCredential[];
        if (opts.credentials !== undefined) {
          devices = readCredentials(opts.credentials).slice(0, opts.devices);
          if (devices.length < opts.devices)
            process.stderr.write(`iotlog: warning: ${opts.credentials} has only ${devices.length} devices\n`);
        } else {
          const tenant = opts.tenant as string;
          const run = randomBytes(3).toString('hex');
          devices = await withDatabase(async (database) => {
            const out: DeviceCredential[] = [];
            for (let i = 0; i < opts.devices; i++) {
              const created = await createDevice(database.db, {
                tenant,
                name: `sim-${run}-${String(i).padStart(4, '0')}`,
                labels: { simulator: run },
                actor: cliActor(),
              });
              out.push({ deviceId: created.device.id, token: created.token });
            }
            return out;
          });
          process.stderr.write(`iotlog: created ${devices.length} devices labelled simulator=${run}\n`);
        }
        const tty = process.stderr.isTTY === true;
        const summary = await runFleet({
          url: opts.url,
          devices,
          rate: opts.rate,
          durationSec: opts.duration,
          seed: opts.seed,
          ...(opts.bufferDir === undefined ? {} : { bufferDir: opts.bufferDir }),
          ...(opts.ca === undefined ? {} : { ca: readFileSync(opts.ca, 'utf8') }),
          onProgress: (p) =>
            process.stderr.write(tty ? `\r${progressLine(p)}\x1b[K` : `${progressLine(p)}\n`),
        });
        if (tty) process.stderr.write('\n');
        if (opts.json) {
          printJson(summary);
          return;
        }
        printLine(
          `devices=${summary.devices} sent=${summary.sent} acknowledged=${summary.acked} buffered=${summary.buffered} dropped=${summary.dropped} errors=${summary.errors}`,
        );
        if (summary.lastError !== null) printLine(`last error: ${summary.lastError}`);
      },
    );
}
