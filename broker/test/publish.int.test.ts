// PUBLISH/SUBSCRIBE authorization, limits and the JetStream bridge, with mqtt.js against real NATS.
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { decodeEnvelope } from '@iotlog/edge-sdk/protocol';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBroker } from '../src/broker.js';
import { closed, connectClient, setupEnv, waitFor, type Env, type SeededDevice } from './helpers.js';

let env: Env;
let broker: RunningBroker;
let jsm: JetStreamManager;

beforeAll(async () => {
  env = await setupEnv();
  broker = await env.startBroker({
    MAX_PAYLOAD_BYTES: '4096',
    DEVICE_RATE_PER_S: '20',
    BRIDGE_BATCH_MS: '5',
  });
  jsm = await jetstreamManager(env.nc);
});
afterAll(async () => {
  await env?.close();
});

const connectDevice = (d: SeededDevice, b = broker, extra = {}) =>
  connectClient(`mqtt://127.0.0.1:${b.ports.mqtt}`, {
    username: d.deviceId,
    password: d.token,
    clientId: d.deviceId,
    ...extra,
  });

async function refused(reason: string, b = broker): Promise<number> {
  const m = await b.metrics.refused.get();
  return m.values.find((v) => v.labels.reason === reason)?.value ?? 0;
}

/** All envelopes stored for one subject, decoded. */
async function stored(subject: string) {
  const info = await jsm.streams.info(env.stream);
  const out = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    const m = await jsm.streams.getMessage(env.stream, { seq }).catch(() => null);
    if (m && m.subject === subject) out.push(decodeEnvelope(m.data));
  }
  return out;
}

function expectClosedWithoutAck(c: MqttClient, topic: string, payload: string | Buffer, qos: 0 | 1 = 1) {
  let acked = false;
  c.publish(topic, payload, { qos }, (err) => {
    if (!err) acked = true;
  });
  return closed(c).then(() => expect(acked).toBe(false));
}

describe('publish to JetStream', () => {
  it('acknowledges QoS1 after the envelope is in the stream, with tenant, device, channel and receive time', async () => {
    const d = await env.createDevice();
    const c = await connectDevice(d);
    const before = Date.now();
    await c.publishAsync(`d/${d.deviceId}/logs`, 'hello from the device', { qos: 1 });
    const subject = `${env.prefix}.ingest.${d.tenantId}.${d.deviceId}.logs`;
    const envs = await stored(subject); // PUBACK came: it must be stored already, no waiting
    expect(envs).toHaveLength(1);
    const e = envs[0]!;
    expect(e).toMatchObject({ channel: 'logs', tenantId: d.tenantId, deviceId: d.deviceId });
    expect(Buffer.from(e.messages[0]!.payload).toString()).toBe('hello from the device');
    expect(e.messages[0]!.receivedAtMs).toBeGreaterThanOrEqual(before - 5);
    await c.endAsync();
  });

  it('micro-batches a burst into few envelopes, in order, QoS0 included', async () => {
    const d = await env.createDevice();
    const c = await connectDevice(d);
    const sends = [];
    for (let i = 0; i < 30; i++)
      sends.push(
        c.publishAsync(`d/${d.deviceId}/telemetry`, JSON.stringify({ seq: i, metrics: { t: i } }), {
          qos: 1,
        }),
      );
    await Promise.all(sends);
    await c.publishAsync(`d/${d.deviceId}/events`, JSON.stringify({ name: 'boot' }), { qos: 0 });
    const subject = `${env.prefix}.ingest.${d.tenantId}.${d.deviceId}.telemetry`;
    const envs = await stored(subject);
    const seqs = envs.flatMap((e) =>
      e.messages.map((m) => (JSON.parse(Buffer.from(m.payload).toString()) as { seq: number }).seq),
    );
    expect(seqs).toEqual([...Array(30).keys()]);
    expect(envs.length).toBeLessThan(30);
    await waitFor(
      async () => (await stored(`${env.prefix}.ingest.${d.tenantId}.${d.deviceId}.events`)).length === 1,
    );
    await c.endAsync();
  });

  it('sends PUBACKs in the order the PUBLISHes came, across channels', async () => {
    const d = await env.createDevice();
    const c = await connectDevice(d);
    const acks: number[] = [];
    c.on('packetreceive', (p) => {
      if (p.cmd === 'puback' && p.messageId !== undefined) acks.push(p.messageId);
    });
    const sent: number[] = [];
    c.on('packetsend', (p) => {
      if (p.cmd === 'publish' && p.messageId !== undefined) sent.push(p.messageId);
    });
    const channels = ['logs', 'telemetry', 'events', 'logs', 'events', 'telemetry', 'logs', 'events'];
    await Promise.all(
      channels.map((ch, i) =>
        c.publishAsync(
          `d/${d.deviceId}/${ch}`,
          JSON.stringify({ seq: i, message: 'x', name: 'e', metrics: { a: 1 } }),
          { qos: 1 },
        ),
      ),
    );
    expect(acks).toEqual(sent);
    await c.endAsync();
  });
});

describe('authorization and limits', () => {
  it('closes the connection on a publish to another device, without PUBACK', async () => {
    const d = await env.createDevice();
    const other = await env.createDevice();
    const before = await refused('acl_publish');
    await expectClosedWithoutAck(await connectDevice(d), `d/${other.deviceId}/logs`, 'spoof');
    await expectClosedWithoutAck(await connectDevice(d), `d/${d.deviceId}/cmd/reboot`, 'not an up topic');
    await expectClosedWithoutAck(await connectDevice(d), `$SYS/x`, 'sys');
    expect(await refused('acl_publish')).toBe(before + 3);
    expect(await stored(`${env.prefix}.ingest.${d.tenantId}.${other.deviceId}.logs`)).toHaveLength(0);
  });

  it('grants 0x80 to a forbidden SUBSCRIBE and QoS to its own command topics', async () => {
    const d = await env.createDevice();
    const other = await env.createDevice();
    const c = await connectDevice(d);
    const granted = await new Promise<number[]>((resolve) => {
      c.on('packetreceive', (p) => {
        if (p.cmd === 'suback') resolve(p.granted as number[]);
      });
      c.subscribe(
        {
          [`d/${d.deviceId}/cmd/#`]: { qos: 1 },
          [`d/${other.deviceId}/cmd/#`]: { qos: 1 },
          '#': { qos: 0 },
          [`d/${d.deviceId}/logs`]: { qos: 0 },
        },
        () => undefined, // mqtt.js reports the 0x80 grants as an error: the SUBACK itself is checked
      );
    });
    expect(granted).toEqual([1, 128, 128, 128]);
    expect(await refused('acl_subscribe')).toBeGreaterThanOrEqual(3);
    expect(c.connected).toBe(true);
    await c.endAsync();
  });

  it('refuses an oversized payload: connection closed, never acknowledged, counted', async () => {
    const d = await env.createDevice();
    await expectClosedWithoutAck(await connectDevice(d), `d/${d.deviceId}/logs`, Buffer.alloc(5000, 65));
    expect(await refused('payload_too_large')).toBe(1);
    expect(await stored(`${env.prefix}.ingest.${d.tenantId}.${d.deviceId}.logs`)).toHaveLength(0);
  });

  it('refuses publishes over the per-device rate', async () => {
    const d = await env.createDevice();
    const c = await connectDevice(d);
    let acked = 0;
    for (let i = 0; i < 100; i++) {
      c.publish(`d/${d.deviceId}/logs`, `m${i}`, { qos: 1 }, (err) => {
        if (!err) acked++;
      });
    }
    await closed(c);
    expect(await refused('device_rate')).toBeGreaterThanOrEqual(1);
    expect(acked).toBeLessThan(100);
    // everything acknowledged is stored; nothing refused is
    const envs = await stored(`${env.prefix}.ingest.${d.tenantId}.${d.deviceId}.logs`);
    const count = envs.reduce((n, e) => n + e.messages.length, 0);
    expect(count).toBeGreaterThanOrEqual(acked);
    expect(count).toBeLessThanOrEqual(40 + 1); // burst = 2 s worth at 20/s
  });

  it('refuses publishes over the per-tenant quota', async () => {
    const b = await env.startBroker({ TENANT_QUOTA_PER_S: '5' });
    const d1 = await env.createDevice();
    const d2 = await env.createDevice();
    const c1 = await connectDevice(d1, b);
    for (let i = 0; i < 10; i++) await c1.publishAsync(`d/${d1.deviceId}/logs`, `m${i}`, { qos: 1 });
    const c2 = await connectDevice(d2, b);
    await expectClosedWithoutAck(c2, `d/${d2.deviceId}/logs`, 'over quota');
    expect(await refused('tenant_quota', b)).toBe(1);
    await c1.endAsync();
  });
});

describe('ingest sink failure', () => {
  it('does not acknowledge QoS1 while JetStream cannot store, and stores it once when it is back', async () => {
    const d = await env.createDevice();
    const b = await env.startBroker();
    const c = await connectDevice(d, b, { reconnectPeriod: 200 });
    await jsm.streams.delete(env.stream);
    let acked = false;
    const payload = `only-once-${Date.now()}`;
    c.publish(`d/${d.deviceId}/logs`, payload, { qos: 1 }, (err) => {
      if (!err) acked = true;
    });
    // no stream: the broker closes the connection without PUBACK, mqtt.js reconnects and resends
    await waitFor(
      () => b.metrics.sinkErrors.get().then((m) => (m.values[0]?.value ?? 0) >= 3),
      20_000,
      'sink errors',
    );
    expect(acked).toBe(false);
    await jsm.streams.add({
      name: env.stream,
      subjects: [`${env.prefix}.ingest.>`],
      duplicate_window: 120_000_000_000,
    });
    await waitFor(() => acked, 20_000, 'PUBACK after JetStream is back');
    const envs = await stored(`${env.prefix}.ingest.${d.tenantId}.${d.deviceId}.logs`);
    const copies = envs
      .flatMap((e) => e.messages)
      .filter((m) => Buffer.from(m.payload).toString() === payload);
    expect(copies).toHaveLength(1);
    await c.endAsync();
  });
});
