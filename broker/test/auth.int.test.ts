// CONNECT authentication and refusals, against PostgreSQL and NATS, with mqtt.js and a raw MQTT 5 socket.
import { connect as netConnect } from 'node:net';
import mqttPacket from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closed, connackCode, connectClient, setupEnv, waitFor, type Env } from './helpers.js';
import { createDatabase } from '@iotlog/drizzle';
import { createPgAuthStore } from '../src/auth/pg-store.js';
import type { RunningBroker } from '../src/broker.js';

let env: Env;
let broker: RunningBroker;
let url: string;

beforeAll(async () => {
  env = await setupEnv();
  broker = await env.startBroker();
  url = `mqtt://127.0.0.1:${broker.ports.mqtt}`;
});
afterAll(async () => {
  await env?.close();
});

async function failures(reason: string): Promise<number> {
  const m = await broker.metrics.authFailures.get();
  return m.values.find((v) => v.labels.reason === reason)?.value ?? 0;
}

describe('CONNECT authentication', () => {
  it('accepts a device with its token and a client id that belongs to it', async () => {
    const d = await env.createDevice();
    const c = await connectClient(url, { username: d.deviceId, password: d.token, clientId: d.deviceId });
    expect(c.connected).toBe(true);
    await c.endAsync();
    const c2 = await connectClient(url, {
      username: d.deviceId,
      password: d.token,
      clientId: `${d.deviceId}:sensor-2`,
    });
    await c2.endAsync();
  });

  it('refuses unknown devices and wrong tokens with code 4 (bad credentials)', async () => {
    const d = await env.createDevice();
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect(await connackCode(url, { username: unknown, password: d.token, clientId: unknown })).toBe(4);
    expect(await connackCode(url, { username: 'not-a-uuid', password: 'x', clientId: 'not-a-uuid' })).toBe(4);
    expect(
      await connackCode(url, { username: d.deviceId, password: 'iot_wrong', clientId: d.deviceId }),
    ).toBe(4);
    expect(await connackCode(url, { username: d.deviceId, clientId: d.deviceId })).toBe(4);
    expect(await failures('bad_credentials')).toBeGreaterThanOrEqual(1);
    expect(await failures('unknown_device')).toBeGreaterThanOrEqual(2);
  });

  it('refuses revoked, expired, disabled and foreign client ids with code 5 (not authorized)', async () => {
    const revoked = await env.createDevice({ revoked: true });
    const expired = await env.createDevice({ expired: true });
    const disabled = await env.createDevice({ disabled: true });
    const ok = await env.createDevice();
    const other = await env.createDevice();
    const opts = (d: typeof ok, clientId = d.deviceId) => ({
      username: d.deviceId,
      password: d.token,
      clientId,
    });
    expect(await connackCode(url, opts(revoked))).toBe(5);
    expect(await connackCode(url, opts(expired))).toBe(5);
    expect(await connackCode(url, opts(disabled))).toBe(5);
    expect(await connackCode(url, opts(ok, other.deviceId))).toBe(5);
    expect(await connackCode(url, opts(ok, `${ok.deviceId}x`))).toBe(5);
    for (const reason of ['revoked', 'expired', 'disabled', 'client_id'])
      expect(await failures(reason)).toBeGreaterThanOrEqual(1);
  });

  it('refuses an MQTT 5 CONNECT with code 1 (unacceptable protocol version)', async () => {
    const d = await env.createDevice();
    const bytes = mqttPacket.generate(
      {
        cmd: 'connect',
        protocolId: 'MQTT',
        protocolVersion: 5,
        clean: true,
        keepalive: 30,
        clientId: d.deviceId,
        username: d.deviceId,
        password: Buffer.from(d.token),
      },
      { protocolVersion: 5 },
    );
    const reply = await new Promise<Buffer>((resolve, reject) => {
      const s = netConnect(broker.ports.mqtt, '127.0.0.1', () => s.write(bytes));
      let buf = Buffer.alloc(0);
      s.on('data', (chunk) => {
        buf = Buffer.concat([buf, chunk]);
        if (buf.length >= 4) {
          s.destroy();
          resolve(buf);
        }
      });
      s.on('error', reject);
      s.on('close', () => resolve(buf));
    });
    expect([...reply.subarray(0, 4)]).toEqual([0x20, 0x02, 0x00, 0x01]);
  });

  it('closes the live session within 2 s when the credential is revoked, and refuses the next CONNECT', async () => {
    const d = await env.createDevice();
    const c = await connectClient(url, { username: d.deviceId, password: d.token, clientId: d.deviceId });
    const gone = closed(c);
    await env.db.database.query(`UPDATE device_credentials SET revoked_at = now() WHERE id = $1`, [
      d.credentialId,
    ]);
    const t0 = Date.now();
    env.nc.publish(
      `${env.prefix}.ctl.device`,
      JSON.stringify({ type: 'credential.revoked', deviceId: d.deviceId, credentialId: d.credentialId }),
    );
    await gone;
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(await connackCode(url, { username: d.deviceId, password: d.token, clientId: d.deviceId })).toBe(5);
  });

  it('closes sessions of a disabled device on every transport it uses', async () => {
    const d = await env.createDevice();
    const a = await connectClient(url, {
      username: d.deviceId,
      password: d.token,
      clientId: `${d.deviceId}:a`,
    });
    const b = await connectClient(url, {
      username: d.deviceId,
      password: d.token,
      clientId: `${d.deviceId}:b`,
    });
    await env.db.database.query(`UPDATE devices SET disabled_at = now() WHERE id = $1`, [d.deviceId]);
    env.nc.publish(
      `${env.prefix}.ctl.device`,
      JSON.stringify({ type: 'device.disabled', deviceId: d.deviceId }),
    );
    await Promise.all([closed(a), closed(b)]);
    await waitFor(
      async () =>
        (await connackCode(url, { username: d.deviceId, password: d.token, clientId: d.deviceId })) === 5,
    );
  });

  it('keeps known devices connecting from the cache while PostgreSQL is unreachable', async () => {
    const d = await env.createDevice();
    const stranger = await env.createDevice();
    const own = await createDatabase(env.db.url, { timescaledb: false, max: 1 });
    const b = await env.startBroker({ AUTH_CACHE_TTL_S: '0.05' }, { authStore: createPgAuthStore(own) });
    const u = `mqtt://127.0.0.1:${b.ports.mqtt}`;
    const first = await connectClient(u, { username: d.deviceId, password: d.token, clientId: d.deviceId });
    await first.endAsync();
    await own.close(); // every lookup fails from now on
    await new Promise((r) => setTimeout(r, 100)); // let the cache entry go stale (TTL 50 ms)
    const again = await connectClient(u, { username: d.deviceId, password: d.token, clientId: d.deviceId });
    await again.endAsync();
    // an unknown-to-the-cache device gets "server unavailable" (3), not a credential verdict
    expect(
      await connackCode(u, {
        username: stranger.deviceId,
        password: stranger.token,
        clientId: stranger.deviceId,
      }),
    ).toBe(3);
  });
});
