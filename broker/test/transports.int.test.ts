// TCP, TLS (token and client certificate), WebSocket, secure WebSocket and the PROXY protocol, with
// mqtt.js and Debian's mosquitto_pub / mosquitto_sub.
import { execFile, spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { promisify } from 'node:util';
import { jetstreamManager } from '@nats-io/jetstream';
import { decodeEnvelope } from '@iotlog/edge-sdk/protocol';
import mqttPacket from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBroker } from '../src/broker.js';
import { createTestPki, type TestPki } from './certs.js';
import { connackCode, connectClient, setupEnv, type Env, type SeededDevice } from './helpers.js';

const run = promisify(execFile);
let env: Env;
let pki: TestPki;
let broker: RunningBroker;

beforeAll(async () => {
  env = await setupEnv();
  pki = createTestPki();
  broker = await env.startBroker({
    MQTT_TLS_PORT: '0',
    MQTT_WS_PORT: '0',
    MQTT_WSS_PORT: '0',
    TLS_CERT_FILE: pki.certFile,
    TLS_KEY_FILE: pki.keyFile,
    TLS_CA_FILE: pki.caFile,
  });
});
afterAll(async () => {
  await env?.close();
  if (pki) rmSync(pki.dir, { recursive: true, force: true });
});

async function storedPayloads(d: SeededDevice, channel = 'logs'): Promise<string[]> {
  const jsm = await jetstreamManager(env.nc);
  const m = await jsm.streams
    .getMessage(env.stream, { last_by_subj: `${env.prefix}.ingest.${d.tenantId}.${d.deviceId}.${channel}` })
    .catch(() => null);
  return m ? decodeEnvelope(m.data).messages.map((x) => Buffer.from(x.payload).toString()) : [];
}

const creds = (d: SeededDevice) => ['-u', d.deviceId, '-P', d.token, '-i', d.deviceId];

describe('mosquitto clients', () => {
  it('mosquitto_pub publishes QoS1 over TCP with a token', async () => {
    const d = await env.createDevice();
    await run('mosquitto_pub', [
      '-h',
      '127.0.0.1',
      '-p',
      String(broker.ports.mqtt),
      ...creds(d),
      '-q',
      '1',
      '-t',
      `d/${d.deviceId}/logs`,
      '-m',
      'tcp line',
    ]);
    expect(await storedPayloads(d)).toEqual(['tcp line']);
  });

  it('mosquitto_pub publishes over TLS, and is refused with a wrong token', async () => {
    const d = await env.createDevice();
    const tls = ['-h', '127.0.0.1', '-p', String(broker.ports.tls), '--cafile', pki.caFile];
    await run('mosquitto_pub', [
      ...tls,
      ...creds(d),
      '-q',
      '1',
      '-t',
      `d/${d.deviceId}/logs`,
      '-m',
      'tls line',
    ]);
    expect(await storedPayloads(d)).toEqual(['tls line']);
    await expect(
      run('mosquitto_pub', [
        ...tls,
        '-u',
        d.deviceId,
        '-P',
        'iot_wrong',
        '-i',
        d.deviceId,
        '-q',
        '1',
        '-t',
        `d/${d.deviceId}/logs`,
        '-m',
        'x',
      ]),
    ).rejects.toThrow();
  });

  it('mosquitto_sub over TLS receives a command', async () => {
    const d = await env.createDevice();
    const subscribed = new Promise<void>((resolve) =>
      broker.aedes.on('subscribe', (_subs, client) => {
        if (client.id === d.deviceId) resolve();
      }),
    );
    const sub = spawn('mosquitto_sub', [
      '-h',
      '127.0.0.1',
      '-p',
      String(broker.ports.tls),
      '--cafile',
      pki.caFile,
      ...creds(d),
      '-q',
      '1',
      '-t',
      `d/${d.deviceId}/cmd/#`,
      '-C',
      '1',
      '-v',
    ]);
    let out = '';
    sub.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>((resolve) => sub.on('close', resolve));
    await subscribed;
    env.nc.publish(
      `${env.prefix}.cmd.${d.tenantId}.${d.deviceId}`,
      JSON.stringify({ id: 'm1', name: 'blink', data: 2 }),
    );
    expect(await exited).toBe(0);
    expect(out).toContain(`d/${d.deviceId}/cmd/blink {"id":"m1","name":"blink","data":2}`);
  });
});

describe('client certificates, WebSocket, PROXY protocol', () => {
  it('authenticates a device by its registered client certificate (no password)', async () => {
    const cert = pki.client('device-a');
    const d = await env.createDevice({ x509Fingerprint: cert.fingerprint });
    const stranger = await env.createDevice();
    const tlsOpts = {
      ca: readFileSync(pki.caFile),
      cert: readFileSync(cert.certFile),
      key: readFileSync(cert.keyFile),
    };
    const url = `mqtts://127.0.0.1:${broker.ports.tls}`;
    const c = await connectClient(url, { ...tlsOpts, username: d.deviceId, clientId: d.deviceId });
    await c.publishAsync(`d/${d.deviceId}/events`, '{"name":"x509"}', { qos: 1 });
    await c.endAsync();
    // the same certificate is not a credential of another device
    expect(
      await connackCode(url, { ...tlsOpts, username: stranger.deviceId, clientId: stranger.deviceId }),
    ).toBe(4);
    // without a certificate there is nothing to authenticate with
    expect(await connackCode(url, { ca: tlsOpts.ca, username: d.deviceId, clientId: d.deviceId })).toBe(4);
  });

  it('refuses TLS handshakes without a client certificate when TLS_REQUIRE_CLIENT_CERT=true', async () => {
    const strict = await env.startBroker({
      MQTT_TLS_PORT: '0',
      TLS_CERT_FILE: pki.certFile,
      TLS_KEY_FILE: pki.keyFile,
      TLS_CA_FILE: pki.caFile,
      TLS_REQUIRE_CLIENT_CERT: 'true',
    });
    const cert = pki.client('device-strict');
    const d = await env.createDevice({ x509Fingerprint: cert.fingerprint });
    const url = `mqtts://127.0.0.1:${strict.ports.tls}`;
    const ca = readFileSync(pki.caFile);
    await expect(
      connectClient(url, { ca, username: d.deviceId, password: d.token, clientId: d.deviceId }),
    ).rejects.toThrow();
    const c = await connectClient(url, {
      ca,
      cert: readFileSync(cert.certFile),
      key: readFileSync(cert.keyFile),
      username: d.deviceId,
      clientId: d.deviceId,
    });
    await c.endAsync();
  });

  it('accepts WebSocket and secure WebSocket connections', async () => {
    const d = await env.createDevice();
    const opts = { username: d.deviceId, password: d.token, clientId: d.deviceId };
    const ws = await connectClient(`ws://127.0.0.1:${broker.ports.ws}/mqtt`, opts);
    await ws.publishAsync(`d/${d.deviceId}/logs`, 'over ws', { qos: 1 });
    await ws.endAsync();
    const wss = await connectClient(`wss://127.0.0.1:${broker.ports.wss}/mqtt`, {
      ...opts,
      ca: readFileSync(pki.caFile),
    });
    await wss.publishAsync(`d/${d.deviceId}/logs`, 'over wss', { qos: 1 });
    await wss.endAsync();
    expect(await storedPayloads(d)).toEqual(['over wss']);
  });

  it('takes the source address from the PROXY header (per-address failure limit)', async () => {
    const b = await env.startBroker({ PROXY_PROTOCOL: 'true', AUTH_FAIL_LIMIT_PER_MIN: '2' });
    const d = await env.createDevice();
    const d2 = await env.createDevice();
    const connect = (password: string, dev = d) =>
      mqttPacket.generate({
        cmd: 'connect',
        protocolId: 'MQTT',
        protocolVersion: 4,
        clean: true,
        keepalive: 30,
        clientId: dev.deviceId,
        username: dev.deviceId,
        password: Buffer.from(password),
      });
    const v1 = (ip: string) => Buffer.from(`PROXY TCP4 ${ip} 127.0.0.1 40000 1884\r\n`);
    const connack = (bytes: Buffer) =>
      new Promise<number>((resolve, reject) => {
        const s = netConnect(b.ports.mqtt, '127.0.0.1', () => s.write(bytes));
        s.on('data', (chunk: Buffer) => {
          s.destroy();
          resolve(chunk[3] ?? -1);
        });
        s.on('error', reject);
      });
    expect(await connack(Buffer.concat([v1('203.0.113.7'), connect('iot_wrong')]))).toBe(4);
    expect(await connack(Buffer.concat([v1('203.0.113.7'), connect('iot_wrong')]))).toBe(4);
    // that address is now blocked even with the right token; another address is not
    expect(await connack(Buffer.concat([v1('203.0.113.7'), connect(d2.token, d2)]))).toBe(5);
    expect(await connack(Buffer.concat([v1('198.51.100.1'), connect(d2.token, d2)]))).toBe(0);
    expect(
      (await b.metrics.authFailures.get()).values.find((v) => v.labels.reason === 'rate_limited')?.value,
    ).toBe(1);
  });
});
