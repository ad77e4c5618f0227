// Two broker replicas sharing sessions through Redis (own key prefix): a persistent session moves from
// one replica to the other with its queued QoS1 command; revocation closes sessions on every replica.
import { Redis } from 'ioredis';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBroker } from '../src/broker.js';
import {
  closed,
  connackCode,
  connectClient,
  REDIS_URL,
  setupEnv,
  suffix,
  waitFor,
  type Env,
} from './helpers.js';

let env: Env;
let a: RunningBroker;
let b: RunningBroker;
const redisPrefix = `tb_${suffix()}:`;

beforeAll(async () => {
  env = await setupEnv();
  const shared = { REDIS_URL, REDIS_PREFIX: redisPrefix };
  a = await env.startBroker(shared);
  b = await env.startBroker(shared);
});
afterAll(async () => {
  await env?.close();
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${redisPrefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

describe('replicas on Redis', () => {
  it('delivers a command queued while offline after the device reconnects to the other replica', async () => {
    const d = await env.createDevice();
    const opts = { username: d.deviceId, password: d.token, clientId: d.deviceId, clean: false };
    const first = await connectClient(`mqtt://127.0.0.1:${a.ports.mqtt}`, opts);
    await first.subscribeAsync(`d/${d.deviceId}/cmd/#`, { qos: 1 });
    await first.endAsync();
    const reply = await env.nc.request(
      `${env.prefix}.cmd.${d.tenantId}.${d.deviceId}`,
      JSON.stringify({ id: 'r1', name: 'flush', data: { all: true } }),
      { timeout: 10_000 },
    );
    expect(reply.json()).toMatchObject({ ok: true });
    const got: { topic: string; body: unknown }[] = [];
    const second = mqtt.connect(`mqtt://127.0.0.1:${b.ports.mqtt}`, {
      ...opts,
      reconnectPeriod: 0,
      protocolVersion: 4,
    });
    second.on('message', (topic, payload) => got.push({ topic, body: JSON.parse(payload.toString()) }));
    await waitFor(() => got.length > 0, 20_000, 'queued command on the other replica');
    expect(got).toEqual([
      { topic: `d/${d.deviceId}/cmd/flush`, body: { id: 'r1', name: 'flush', data: { all: true } } },
    ]);
    await second.endAsync();
  });

  it('delivers a command to a device online on either replica exactly once', async () => {
    const d = await env.createDevice();
    const c = await connectClient(`mqtt://127.0.0.1:${b.ports.mqtt}`, {
      username: d.deviceId,
      password: d.token,
      clientId: d.deviceId,
    });
    await c.subscribeAsync(`d/${d.deviceId}/cmd/#`, { qos: 1 });
    const got: string[] = [];
    c.on('message', (topic) => got.push(topic));
    for (let i = 0; i < 4; i++) {
      await env.nc.request(
        `${env.prefix}.cmd.${d.tenantId}.${d.deviceId}`,
        JSON.stringify({ id: `x${i}`, name: 'ping' }),
        { timeout: 10_000 },
      );
    }
    await waitFor(() => got.length >= 4);
    await new Promise((r) => setTimeout(r, 200)); // a duplicate would arrive right behind
    expect(got).toHaveLength(4);
    await c.endAsync();
  });

  it('closes the session on whichever replica holds it when the device is disabled', async () => {
    const d = await env.createDevice();
    const onA = await connectClient(`mqtt://127.0.0.1:${a.ports.mqtt}`, {
      username: d.deviceId,
      password: d.token,
      clientId: `${d.deviceId}:1`,
    });
    const onB = await connectClient(`mqtt://127.0.0.1:${b.ports.mqtt}`, {
      username: d.deviceId,
      password: d.token,
      clientId: `${d.deviceId}:2`,
    });
    await env.db.database.query(`UPDATE devices SET disabled_at = now() WHERE id = $1`, [d.deviceId]);
    const t0 = Date.now();
    env.nc.publish(
      `${env.prefix}.ctl.device`,
      JSON.stringify({ type: 'device.disabled', deviceId: d.deviceId }),
    );
    await Promise.all([closed(onA), closed(onB)]);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(
      await connackCode(`mqtt://127.0.0.1:${b.ports.mqtt}`, {
        username: d.deviceId,
        password: d.token,
        clientId: d.deviceId,
      }),
    ).toBe(5);
  });
});
