// Commands down (iot.cmd), replies up (iot.reply), desired configuration (retained) and presence events.
import type { Msg } from '@nats-io/transport-node';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBroker } from '../src/broker.js';
import { connectClient, setupEnv, waitFor, type Env, type SeededDevice } from './helpers.js';

let env: Env;
let broker: RunningBroker;

beforeAll(async () => {
  env = await setupEnv();
  broker = await env.startBroker();
});
afterAll(async () => {
  await env?.close();
});

const connectDevice = (d: SeededDevice, extra = {}) =>
  connectClient(`mqtt://127.0.0.1:${broker.ports.mqtt}`, {
    username: d.deviceId,
    password: d.token,
    clientId: d.deviceId,
    ...extra,
  });

function collect(subject: string): Msg[] {
  const got: Msg[] = [];
  env.nc.subscribe(subject, { callback: (_err, m) => void got.push(m) });
  return got;
}

describe('commands and presence', () => {
  it('publishes presence online/offline events', async () => {
    const d = await env.createDevice();
    const events = collect(`${env.prefix}.presence.${d.tenantId}.${d.deviceId}`);
    await env.nc.flush();
    const c = await connectDevice(d);
    await waitFor(() => events.length >= 1);
    await c.endAsync();
    await waitFor(() => events.length >= 2);
    expect(events.map((m) => (m.json() as { online: boolean }).online)).toEqual([true, false]);
    expect(events[0]!.json()).toMatchObject({ deviceId: d.deviceId });
  });

  it('delivers a command to the connected device and answers the request', async () => {
    const d = await env.createDevice();
    const c = await connectDevice(d);
    await c.subscribeAsync(`d/${d.deviceId}/cmd/#`, { qos: 1 });
    const received = new Promise<{ topic: string; body: unknown }>((resolve) =>
      c.once('message', (topic, payload) => resolve({ topic, body: JSON.parse(payload.toString()) })),
    );
    const cmd = { id: 'c1', name: 'reboot', data: { delay: 5 }, ts: Date.now() };
    const reply = await env.nc.request(`${env.prefix}.cmd.${d.tenantId}.${d.deviceId}`, JSON.stringify(cmd), {
      timeout: 10_000,
    });
    expect(reply.json()).toMatchObject({ ok: true });
    const got = await received;
    expect(got.topic).toBe(`d/${d.deviceId}/cmd/reboot`);
    expect(got.body).toEqual(cmd);
    await c.endAsync();
  });

  it('republishes device replies on the reply subject', async () => {
    const d = await env.createDevice();
    const replies = collect(`${env.prefix}.reply.${d.tenantId}.${d.deviceId}`);
    await env.nc.flush();
    const c = await connectDevice(d);
    await c.publishAsync(`d/${d.deviceId}/reply`, JSON.stringify({ id: 'c1', ok: true }), { qos: 1 });
    await waitFor(() => replies.length === 1);
    expect(replies[0]!.json()).toEqual({ id: 'c1', ok: true });
    await c.endAsync();
  });

  it('keeps a QoS1 command for an offline persistent session and retains desired configuration', async () => {
    const d = await env.createDevice();
    const first = await connectDevice(d, { clean: false });
    await first.subscribeAsync(`d/${d.deviceId}/cmd/#`, { qos: 1 });
    await first.endAsync();
    env.nc.publish(
      `${env.prefix}.cmd.${d.tenantId}.${d.deviceId}`,
      JSON.stringify({ id: 'q1', name: 'upload', data: null }),
    );
    env.nc.publish(
      `${env.prefix}.cmd.${d.tenantId}.${d.deviceId}`,
      JSON.stringify({
        id: 'cfg1',
        name: '_config',
        retain: true,
        data: { version: 3, config: { level: 'debug' } },
      }),
    );
    await env.nc.flush();
    await waitFor(async () => ((await broker.metrics.commands.get()).values[0]?.value ?? 0) >= 2);
    const got: { topic: string; body: unknown; retain: boolean }[] = [];
    // handler attached before CONNECT: the queued command follows the CONNACK immediately
    const again = mqtt.connect(`mqtt://127.0.0.1:${broker.ports.mqtt}`, {
      username: d.deviceId,
      password: d.token,
      clientId: d.deviceId,
      clean: false,
      reconnectPeriod: 0,
      protocolVersion: 4,
    });
    again.on('message', (topic, payload, packet) =>
      got.push({ topic, body: JSON.parse(payload.toString()), retain: packet.retain }),
    );
    await waitFor(() => got.some((g) => g.topic.endsWith('/cmd/upload')), 20_000, 'queued command');
    expect(got.find((g) => g.topic.endsWith('/cmd/upload'))!.body).toMatchObject({
      id: 'q1',
      name: 'upload',
    });
    await again.endAsync();
    // a new clean session subscribing later gets the retained desired configuration
    const fresh = await connectDevice(d);
    const cfg = new Promise<{ topic: string; body: unknown; retain: boolean }>((resolve) =>
      fresh.on('message', (topic, payload, packet) =>
        resolve({ topic, body: JSON.parse(payload.toString()), retain: packet.retain }),
      ),
    );
    await fresh.subscribeAsync(`d/${d.deviceId}/cmd/#`, { qos: 1 });
    expect(await cfg).toEqual({
      topic: `d/${d.deviceId}/cmd/_config`,
      body: { version: 3, config: { level: 'debug' } },
      retain: true,
    });
    await fresh.endAsync();
  });

  it('answers a malformed command with ok=false', async () => {
    const d = await env.createDevice();
    const reply = await env.nc.request(`${env.prefix}.cmd.${d.tenantId}.${d.deviceId}`, 'not json', {
      timeout: 10_000,
    });
    expect(reply.json()).toMatchObject({ ok: false });
  });
});
