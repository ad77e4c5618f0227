import { InvalidArgumentError, type Command } from 'commander';
import { cliActor } from '../lib/actor.js';
import { printJson, printLine, printTable } from '../lib/output.js';

// The database, provisioning and NATS modules load only when a command runs, so `iotlog --help` and the other
// command groups start fast.
const provisioning = () => import('@iotlog/drizzle/provisioning');
const withDatabase = async <T>(fn: Parameters<typeof import('../lib/db.js').withDatabase<T>>[0]) =>
  (await import('../lib/db.js')).withDatabase(fn);
const publishControlEvents = async (events: import('@iotlog/drizzle/provisioning').DeviceControlEvent[]) =>
  (await import('../lib/control.js')).publishControlEvents(events);

/**
 * The `device` command group, created on first use. Other command files add subcommands through it
 * (e.g. `deviceGroup(program).command('command')`), whichever file registers first.
 */
export function deviceGroup(program: Command): Command {
  return (
    program.commands.find((c) => c.name() === 'device') ??
    program.command('device').description('devices and their credentials')
  );
}

function tokenGroup(device: Command): Command {
  return (
    device.commands.find((c) => c.name() === 'token') ?? device.command('token').description('device tokens')
  );
}

const tenantOpt = (t?: string) => (t === undefined ? {} : { tenant: t });

function parseLabel(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`label "${value}" must be KEY=VALUE`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

function parseSeconds(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n))
    throw new InvalidArgumentError(`"${value}" is not whole seconds`);
  return n;
}

export function register(program: Command): void {
  const device = deviceGroup(program);

  device
    .command('create')
    .description('create a device and print its id and token (shown once)')
    .requiredOption('--tenant <tenant>', 'tenant id, slug or ORG/TENANT')
    .argument('<name>', 'device name, unique in the tenant (letters, digits, . _ : -)')
    .option('--label <key=value>', 'a label (repeatable)', parseLabel)
    .option('--json', 'print one JSON object {"deviceId", "token", ...}')
    .action(
      async (name: string, opts: { tenant: string; label?: Record<string, string>; json?: boolean }) => {
        const p = await provisioning();
        const created = await withDatabase((database) =>
          p.createDevice(database.db, {
            tenant: opts.tenant,
            name,
            labels: opts.label ?? {},
            actor: cliActor(),
          }),
        );
        if (opts.json) {
          printJson({
            deviceId: created.device.id,
            token: created.token,
            name: created.device.name,
            tenantId: created.device.tenantId,
          });
          return;
        }
        printLine(`device ${created.device.name} created`);
        printLine(`device id: ${created.device.id}`);
        printLine(`token:     ${created.token}`);
        printLine(
          'The token is shown only once: store it now (MQTT username = device id, password = token).',
        );
      },
    );

  device
    .command('list')
    .description('list the devices of a tenant')
    .requiredOption('--tenant <tenant>', 'tenant id, slug or ORG/TENANT')
    .option('--json', 'print one JSON object {"devices": [...]}')
    .action(async (opts: { tenant: string; json?: boolean }) => {
      const p = await provisioning();
      const devices = await withDatabase((database) => p.listDevices(database.db, opts.tenant));
      if (opts.json) {
        printJson({
          devices: devices.map((d) => ({
            id: d.id,
            name: d.name,
            labels: d.labels,
            createdAt: d.createdAt,
            lastSeenAt: d.lastSeenAt,
            online: d.online,
            disabled: d.disabledAt !== null,
            activeCredentials: d.activeCredentials,
          })),
        });
        return;
      }
      printTable(
        ['ID', 'NAME', 'STATE', 'LAST SEEN', 'CREDENTIALS'],
        devices.map((d) => [
          d.id,
          d.name,
          d.disabledAt ? 'disabled' : d.online ? 'online' : 'offline',
          d.lastSeenAt?.toISOString() ?? '-',
          String(d.activeCredentials),
        ]),
      );
    });

  const token = tokenGroup(device);
  token
    .command('rotate')
    .description(
      'add a new token to a device (old tokens stay valid until revoked, or until --grace seconds)',
    )
    .argument('<device>', 'device id (or name with --tenant)')
    .option('--tenant <tenant>', 'tenant of a device given by name')
    .option('--grace <seconds>', 'old tokens expire after this many seconds', parseSeconds)
    .option('--json', 'print one JSON object {"deviceId", "token", "credentialId"}')
    .action(async (ref: string, opts: { tenant?: string; grace?: number; json?: boolean }) => {
      const p = await provisioning();
      const rotated = await withDatabase((database) =>
        p.rotateToken(database.db, ref, {
          ...tenantOpt(opts.tenant),
          ...(opts.grace === undefined ? {} : { graceSeconds: opts.grace }),
          actor: cliActor(),
        }),
      );
      await publishControlEvents(rotated.events);
      if (opts.json) {
        printJson({ deviceId: rotated.device.id, token: rotated.token, credentialId: rotated.credentialId });
        return;
      }
      printLine(`new token for device ${rotated.device.name} (${rotated.device.id}):`);
      printLine(`token:     ${rotated.token}`);
      printLine(
        opts.grace === undefined
          ? 'Older tokens stay valid until `iotlog device token revoke`.'
          : `Older tokens expire in ${opts.grace} s.`,
      );
    });

  token
    .command('revoke')
    .description(
      'revoke every token of a device (or one credential with --credential) and close its live sessions',
    )
    .argument('<device>', 'device id (or name with --tenant)')
    .option('--tenant <tenant>', 'tenant of a device given by name')
    .option('--credential <id>', 'revoke only this credential id')
    .option('--json', 'print one JSON object {"deviceId", "revoked": [...]}')
    .action(async (ref: string, opts: { tenant?: string; credential?: string; json?: boolean }) => {
      const p = await provisioning();
      const result = await withDatabase(async (database) => {
        if (opts.credential === undefined)
          return p.revokeDeviceTokens(database.db, ref, { ...tenantOpt(opts.tenant), actor: cliActor() });
        return p.revokeCredential(database.db, opts.credential, { device: ref, actor: cliActor() });
      });
      const published = await publishControlEvents(result.events);
      if (opts.json) {
        printJson({ deviceId: result.device.id, revoked: result.credentialIds, sessionsClosed: published });
        return;
      }
      printLine(
        `revoked ${result.credentialIds.length} credential(s) of device ${result.device.name} (${result.device.id})`,
      );
    });

  device
    .command('disable')
    .description('disable a device: it can no longer connect and its live sessions are closed')
    .argument('<device>', 'device id (or name with --tenant)')
    .option('--tenant <tenant>', 'tenant of a device given by name')
    .option('--json', 'print one JSON object')
    .action(async (ref: string, opts: { tenant?: string; json?: boolean }) => {
      const p = await provisioning();
      const result = await withDatabase((database) =>
        p.disableDevice(database.db, ref, { ...tenantOpt(opts.tenant), actor: cliActor() }),
      );
      const published = await publishControlEvents(result.events);
      if (opts.json) printJson({ deviceId: result.device.id, disabled: true, sessionsClosed: published });
      else printLine(`device ${result.device.name} (${result.device.id}) disabled`);
    });

  device
    .command('enable')
    .description('enable a disabled device again')
    .argument('<device>', 'device id (or name with --tenant)')
    .option('--tenant <tenant>', 'tenant of a device given by name')
    .option('--json', 'print one JSON object')
    .action(async (ref: string, opts: { tenant?: string; json?: boolean }) => {
      const p = await provisioning();
      const result = await withDatabase((database) =>
        p.enableDevice(database.db, ref, { ...tenantOpt(opts.tenant), actor: cliActor() }),
      );
      if (opts.json) printJson({ deviceId: result.device.id, disabled: false });
      else printLine(`device ${result.device.name} (${result.device.id}) enabled`);
    });
}
