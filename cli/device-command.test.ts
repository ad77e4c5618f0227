import { randomBytes } from 'node:crypto';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@iotlog/drizzle/testing';
import { runCli } from './lib/testing.js';

// `iotlog device command` and `iotlog device config set|get` as child processes against a test database and a
// private NATS prefix; a NATS responder with the broker's contract plays the device (answers "ping" only).
describe('iotlog device command / config', () => {
  let t: TestDatabase;
  let nc: NatsConnection;
  let env: Record<string, string>;
  let deviceId: string;
  let tenantId: string;
  const prefix = `t_${randomBytes(5).toString('hex')}`;
  const configs: Record<string, unknown>[] = [];
  const cli = (...args: string[]) => runCli(args, env);

  beforeAll(async () => {
    t = await createTestDatabase();
    nc = await connect({ servers: 'nats://127.0.0.1:4222' });
    const q = t.database;
    const [org] = await q.query<{ id: string }>(
      `INSERT INTO organizations (name, slug) VALUES ('o', 'o') RETURNING id`,
    );
    [{ id: tenantId }] = (await q.query<{ id: string }>(
      `INSERT INTO tenants (organization_id, name, slug) VALUES ($1, 't', 't') RETURNING id`,
      [org!.id],
    )) as [{ id: string }];
    [{ id: deviceId }] = (await q.query<{ id: string }>(
      `INSERT INTO devices (tenant_id, name) VALUES ($1, 'sensor-7') RETURNING id`,
      [tenantId],
    )) as [{ id: string }];
    nc.subscribe(`${prefix}.cmd.${tenantId}.${deviceId}`, {
      callback: (_err, m) => {
        const cmd = m.json<{ id: string; name: string; data: unknown; retain?: boolean }>();
        if (cmd.retain) configs.push(cmd);
        else if (cmd.name === 'ping')
          nc.publish(
            `${prefix}.reply.${tenantId}.${deviceId}`,
            JSON.stringify({ id: cmd.id, ok: true, data: { got: cmd.data } }),
          );
        else if (cmd.name === 'fail')
          nc.publish(
            `${prefix}.reply.${tenantId}.${deviceId}`,
            JSON.stringify({ id: cmd.id, ok: false, error: 'nope' }),
          );
      },
    });
    await nc.flush();
    env = { DATABASE_URL: t.url, NATS_URL: 'nats://127.0.0.1:4222', NATS_PREFIX: prefix };
  });
  afterAll(async () => {
    await nc?.close();
    await t?.drop();
  });

  it('sends a command by device name and prints the reply', { timeout: 120_000 }, async () => {
    const r = await cli('device', 'command', 'sensor-7', 'ping', '--data', '{"n":1}', '--timeout', '10s');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, data: { got: { n: 1 } } });
    const failed = await cli('device', 'command', deviceId, 'fail');
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stdout)).toMatchObject({ ok: false, error: 'nope' });
  });

  it('times out with a clear message and exit code 2; refuses bad input', { timeout: 120_000 }, async () => {
    const r = await cli('device', 'command', deviceId, 'hang', '--timeout', '500ms');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/did not reply within 500 ms/);
    expect((await cli('device', 'command', deviceId, 'ping', '--data', '{oops')).stderr).toMatch(
      /not valid JSON/,
    );
    expect((await cli('device', 'command', 'no-such-device', 'ping')).stderr).toMatch(
      /device no-such-device not found/,
    );
  });

  it(
    'sets desired configuration (version + 1, published retained) and gets it back',
    { timeout: 120_000 },
    async () => {
      const r = await cli('device', 'config', 'set', deviceId, '{"logLevel":"debug"}', '--json');
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({
        desired: { version: 1, config: { logLevel: 'debug' } },
        reported: null,
      });
      const deadline = Date.now() + 20_000;
      while (configs.length === 0 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
      expect(configs[0]).toMatchObject({
        name: '_config',
        retain: true,
        data: { version: 1, config: { logLevel: 'debug' } },
      });
      const got = await cli('device', 'config', 'get', 'sensor-7');
      expect(got.stdout).toContain('desired  v1: {"logLevel":"debug"}');
      expect(got.stdout).toContain('not in sync');
      expect((await cli('device', 'config', 'set', deviceId, '[1]')).stderr).toMatch(/must be a JSON object/);
    },
  );
});
