// MQTT protocol details through the bridge (QoS 2, wills) and the lab mode AUTH_MODE=open.
import { connect as netConnect } from 'node:net';
import { jetstreamManager } from '@nats-io/jetstream';
import mqttPacket from 'mqtt-packet';
import { decodeEnvelope } from '@iotlog/edge-sdk/protocol';
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

async function payloads(d: SeededDevice, channel: string): Promise<string[]> {
  const jsm = await jetstreamManager(env.nc);
  const info = await jsm.streams.info(env.stream);
  const out: string[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    const m = await jsm.streams.getMessage(env.stream, { seq }).catch(() => null);
    if (m?.subject === `${env.prefix}.ingest.${d.tenantId}.${d.deviceId}.${channel}`) {
      out.push(...decodeEnvelope(m.data).messages.map((x) => Buffer.from(x.payload).toString()));
    }
  }
  return out;
}

describe('MQTT protocol through the bridge', () => {
  it('completes a QoS 2 publish after JetStream stored it', async () => {
    const d = await env.createDevice();
    const c = await connectClient(`mqtt://127.0.0.1:${broker.ports.mqtt}`, {
      username: d.deviceId,
      password: d.token,
      clientId: d.deviceId,
    });
    await c.publishAsync(`d/${d.deviceId}/events`, '{"name":"qos2"}', { qos: 2 });
    expect(await payloads(d, 'events')).toEqual(['{"name":"qos2"}']);
    await c.endAsync();
  });

  it('bridges a resent (DUP) QoS 2 PUBLISH once', async () => {
    const d = await env.createDevice();
    const s = netConnect(broker.ports.mqtt, '127.0.0.1');
    const incoming: number[] = [];
    s.on('data', (b: Buffer) => {
      for (let o = 0; o + 1 < b.length; o += 2 + (b[o + 1] ?? 0)) incoming.push(b[o]! >> 4);
    });
    const gen = (p: object) => s.write(mqttPacket.generate(p as Parameters<typeof mqttPacket.generate>[0]));
    gen({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 4,
      clean: true,
      keepalive: 30,
      clientId: d.deviceId,
      username: d.deviceId,
      password: Buffer.from(d.token),
    });
    await waitFor(() => incoming.includes(2), 20_000, 'CONNACK');
    const publish = {
      cmd: 'publish',
      topic: `d/${d.deviceId}/events`,
      payload: Buffer.from('{"name":"once"}'),
      qos: 2,
      messageId: 7,
      retain: false,
    };
    gen({ ...publish, dup: false });
    await waitFor(() => incoming.filter((t) => t === 5).length === 1, 20_000, 'first PUBREC');
    gen({ ...publish, dup: true }); // as if the PUBREC was lost
    await waitFor(() => incoming.filter((t) => t === 5).length === 2, 20_000, 'second PUBREC');
    gen({ cmd: 'pubrel', messageId: 7 });
    await waitFor(() => incoming.includes(7), 20_000, 'PUBCOMP');
    expect(await payloads(d, 'events')).toEqual(['{"name":"once"}']);
    s.destroy();
  });

  it('bridges the will of a device whose connection drops', async () => {
    const d = await env.createDevice();
    const c = await connectClient(`mqtt://127.0.0.1:${broker.ports.mqtt}`, {
      username: d.deviceId,
      password: d.token,
      clientId: d.deviceId,
      will: {
        topic: `d/${d.deviceId}/events`,
        payload: Buffer.from('{"name":"gone"}'),
        qos: 1,
        retain: false,
      },
    });
    c.stream.destroy(); // no DISCONNECT: the broker publishes the will
    await waitFor(
      async () => (await payloads(d, 'events')).includes('{"name":"gone"}'),
      20_000,
      'will in the stream',
    );
    c.end(true);
  });
});

describe('fan-out and HTTP endpoints', () => {
  it('does not route bridged device publishes through aedes to subscribers', async () => {
    const d = await env.createDevice();
    const routed: string[] = [];
    broker.aedes.on('publish', (packet) => {
      if (packet.topic.startsWith(`d/${d.deviceId}/`)) routed.push(packet.topic);
    });
    const c = await connectClient(`mqtt://127.0.0.1:${broker.ports.mqtt}`, {
      username: d.deviceId,
      password: d.token,
      clientId: d.deviceId,
    });
    await c.publishAsync(`d/${d.deviceId}/logs`, 'not fanned out', { qos: 1 });
    await c.publishAsync(`d/${d.deviceId}/logs`, 'qos0 neither', { qos: 0 });
    await waitFor(async () => (await payloads(d, 'logs')).length === 2);
    expect(routed).toEqual([]);
    await c.endAsync();
  });

  it('serves /metrics, /healthz and /readyz', async () => {
    const base = `http://127.0.0.1:${broker.ports.http}`;
    const metrics = await (await fetch(`${base}/metrics`)).text();
    for (const name of [
      'iotlog_broker_connections',
      'iotlog_broker_connects_total',
      'iotlog_broker_messages_in_total',
      'iotlog_broker_bridge_latency_seconds_bucket',
      'iotlog_broker_jetstream_errors_total',
    ]) {
      expect(metrics).toContain(name);
    }
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });
});

describe('AUTH_MODE=open (lab)', () => {
  it('accepts anyone and is a plain MQTT broker: any topic, retained messages, nothing bridged', async () => {
    const open = await env.startBroker({ AUTH_MODE: 'open' });
    const url = `mqtt://127.0.0.1:${open.ports.mqtt}`;
    const pub = await connectClient(url, { clientId: 'anyone' });
    await pub.publishAsync('lab/x', 'retained hello', { qos: 1, retain: true });
    const sub = await connectClient(url, { clientId: 'another' });
    const got = new Promise<string>((resolve) => sub.on('message', (_t, p) => resolve(p.toString())));
    await sub.subscribeAsync('lab/#', { qos: 1 });
    expect(await got).toBe('retained hello');
    expect((await open.metrics.batches.get()).values[0]?.value ?? 0).toBe(0);
    await pub.endAsync();
    await sub.endAsync();
  });
});
