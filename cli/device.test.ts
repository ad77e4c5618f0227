import { randomBytes } from 'node:crypto';
import { connect, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findCredentialForAuth, hashSecret } from '@iotlog/drizzle/provisioning';
import { createTestDatabase, type TestDatabase } from '@iotlog/drizzle/testing';
import { runCli } from './lib/testing.js';

// org / tenant / device commands run as child processes against a fresh test database and a private NATS prefix.
// Each CLI call is a new node + tsx process (seconds on a busy 2-core machine): generous timeouts.
describe('iotlog org, tenant and device', { timeout: 180_000 }, () => {
  let t: TestDatabase;
  let nc: NatsConnection;
  let sub: Subscription;
  const received: unknown[] = [];
  const prefix = `t_${randomBytes(5).toString('hex')}`;
  let env: Record<string, string>;
  const cli = (...args: string[]) => runCli(args, env);
  const count = async (table: string) =>
    (await t.database.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0]?.n;

  async function waitFor(cond: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 20_000;
    while (!cond()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  beforeAll(async () => {
    t = await createTestDatabase();
    nc = await connect({ servers: 'nats://127.0.0.1:4222' });
    sub = nc.subscribe(`${prefix}.ctl.device`);
    void (async () => {
      for await (const m of sub) received.push(m.json());
    })();
    await nc.flush();
    env = { DATABASE_URL: t.url, NATS_URL: 'nats://127.0.0.1:4222', NATS_PREFIX: prefix };
  });
  afterAll(async () => {
    await nc?.close();
    await t?.drop();
  });

  let deviceId = '';
  let token = '';

  it('creates an organization, a tenant and a device, printing the token once', async () => {
    const org = await cli('org', 'create', 'Acme Corp', '--json');
    expect(org.code).toBe(0);
    expect(JSON.parse(org.stdout)).toMatchObject({ slug: 'acme-corp' });
    const tenant = await cli('tenant', 'create', '--org', 'acme-corp', 'Plant 1');
    expect(tenant.stdout).toMatch(/^tenant acme-corp\/plant-1 created: [0-9a-f-]{36}\n$/);

    const dev = await cli('device', 'create', '--tenant', 'plant-1', 'pump-1', '--json');
    expect(dev.code).toBe(0);
    expect(dev.stdout.trim().split('\n')).toHaveLength(1);
    const created = JSON.parse(dev.stdout) as { deviceId: string; token: string };
    ({ deviceId, token } = created);
    expect(token).toMatch(/^iot_/);
    expect(
      (await findCredentialForAuth(t.database.db, deviceId, hashSecret(token)))?.credential.revokedAt,
    ).toBeNull();

    const text = await cli(
      'device',
      'create',
      '--tenant',
      'acme-corp/plant-1',
      'pump-2',
      '--label',
      'site=north',
    );
    expect(text.stdout).toMatch(/device id: [0-9a-f-]{36}\ntoken: +iot_\S+\n/);
  });

  it('lists devices as a table and as one JSON object', async () => {
    const table = await cli('device', 'list', '--tenant', 'plant-1');
    expect(table.stdout.split('\n')[0]).toMatch(/^ID +NAME +STATE/);
    expect(table.stdout).toContain('pump-1');
    const json = JSON.parse((await cli('device', 'list', '--tenant', 'plant-1', '--json')).stdout) as {
      devices: { name: string; labels: object }[];
    };
    expect(json.devices.map((d) => d.name)).toEqual(['pump-1', 'pump-2']);
    expect(json.devices[1]?.labels).toEqual({ site: 'north' });
  });

  it('refuses bad input with one line naming the fix, exit code 2, and writes nothing', async () => {
    const before = [
      await count('organizations'),
      await count('tenants'),
      await count('devices'),
      await count('audit_log'),
    ];
    const cases: [string[], RegExp][] = [
      [['org', 'create', 'acme corp'], /already exists: choose another name/],
      [['org', 'create', '%%%'], /slug "" is invalid/],
      [
        ['tenant', 'create', '--org', 'nope', 'X'],
        /organization "nope" not found: give an existing organization/,
      ],
      [
        ['tenant', 'create', '--org', 'acme-corp', 'Plant 1'],
        /tenant "plant-1" already exists in organization "acme-corp"/,
      ],
      [['device', 'create', '--tenant', 'nope', 'd'], /tenant "nope" not found/],
      [
        ['device', 'create', '--tenant', 'plant-1', 'pump-1'],
        /device "pump-1" already exists in tenant "plant-1"/,
      ],
      [
        ['device', 'create', '--tenant', 'plant-1', 'bad name'],
        /device name "bad name" is invalid: use 1-128 letters/,
      ],
      [['device', 'list', '--tenant', 'nope'], /tenant "nope" not found/],
      [['device', 'disable', 'pump-1'], /give the device id, or its name with --tenant/],
      [['device', 'disable', '00000000-0000-4000-8000-000000000000'], /device "0{8}-.*" not found/],
      [
        ['device', 'token', 'rotate', 'pump-1', '--tenant', 'plant-1', '--grace', 'soon'],
        /"soon" is not whole seconds/,
      ],
      [
        [
          'device',
          'token',
          'revoke',
          'pump-2',
          '--tenant',
          'plant-1',
          '--credential',
          '00000000-0000-4000-8000-000000000000',
        ],
        /credential .* not found/,
      ],
    ];
    const results = [];
    for (let i = 0; i < cases.length; i += 4) {
      results.push(...(await Promise.all(cases.slice(i, i + 4).map(([args]) => cli(...args)))));
    }
    results.forEach((r, i) => {
      const [args, pattern] = cases[i]!;
      expect({ args, code: r.code, stdout: r.stdout }).toEqual({ args, code: 2, stdout: '' });
      expect(r.stderr).toMatch(pattern);
      if (!r.stderr.startsWith('error:')) expect(r.stderr.trim().split('\n')).toHaveLength(1);
    });
    const missing = await cli('device', 'create', 'x');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/required option '--tenant <tenant>'/);
    const nodb = await runCli(['org', 'create', 'x'], {
      ...env,
      DATABASE_URL: 'postgres://postgres@127.0.0.1:1/x',
    });
    expect(nodb.code).toBe(2);
    expect(nodb.stderr).toMatch(/^iotlog: cannot connect .* set DATABASE_URL\n$/);
    expect([
      await count('organizations'),
      await count('tenants'),
      await count('devices'),
      await count('audit_log'),
    ]).toEqual(before);
  });

  it('rotates a token: both stay valid, a credential.rotated event is published', async () => {
    const r = await cli('device', 'token', 'rotate', deviceId, '--json');
    expect(r.code).toBe(0);
    const rotated = JSON.parse(r.stdout) as { token: string; credentialId: string };
    expect(rotated.token).not.toBe(token);
    expect(
      (await findCredentialForAuth(t.database.db, deviceId, hashSecret(token)))?.credential.revokedAt,
    ).toBeNull();
    expect(
      (await findCredentialForAuth(t.database.db, deviceId, hashSecret(rotated.token)))?.credential.revokedAt,
    ).toBeNull();
    await waitFor(() => received.length >= 1, 'credential.rotated');
    expect(received[0]).toEqual({ type: 'credential.rotated', deviceId, credentialId: rotated.credentialId });
  });

  it('revokes every token and disables the device, publishing control events', async () => {
    const r = await cli('device', 'token', 'revoke', 'pump-1', '--tenant', 'plant-1');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^revoked 2 credential\(s\) of device pump-1/);
    expect(
      (await findCredentialForAuth(t.database.db, deviceId, hashSecret(token)))?.credential.revokedAt,
    ).toBeInstanceOf(Date);
    await waitFor(() => received.length >= 3, 'two credential.revoked events');
    expect(received.slice(1).map((e) => (e as { type: string }).type)).toEqual([
      'credential.revoked',
      'credential.revoked',
    ]);

    const d = await cli('device', 'disable', deviceId, '--json');
    expect(JSON.parse(d.stdout)).toEqual({ deviceId, disabled: true, sessionsClosed: true });
    await waitFor(() => received.length >= 4, 'device.disabled');
    expect(received[3]).toEqual({ type: 'device.disabled', deviceId });
    const [row] = await t.database.query<{ disabled: boolean }>(
      'SELECT disabled_at IS NOT NULL AS disabled FROM devices WHERE id = $1',
      [deviceId],
    );
    expect(row?.disabled).toBe(true);
  });

  it('still succeeds with a warning when NATS is down', async () => {
    const r = await runCli(['device', 'disable', 'pump-2', '--tenant', 'plant-1'], {
      ...env,
      NATS_URL: 'nats://127.0.0.1:1',
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/device pump-2 .* disabled/);
    expect(r.stderr).toMatch(/warning: NATS .* not reachable.*live MQTT sessions were not closed/);
    const audit = await t.database.query<{ actor: string }>(
      `SELECT actor FROM audit_log WHERE action = 'device.disable'`,
    );
    expect(audit).toHaveLength(2);
    expect(audit[0]?.actor).toMatch(/^cli/);
    const enabled = await cli('device', 'enable', 'pump-2', '--tenant', 'plant-1', '--json');
    expect(JSON.parse(enabled.stdout)).toMatchObject({ disabled: false });
    const list = JSON.parse((await cli('device', 'list', '--tenant', 'plant-1', '--json')).stdout) as {
      devices: { name: string; disabled: boolean }[];
    };
    expect(list.devices.map((d) => [d.name, d.disabled])).toEqual([
      ['pump-1', true],
      ['pump-2', false],
    ]);
  });
});
