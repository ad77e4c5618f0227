// The lean CONNECT path on a real aedes (in-memory, one process) with real MQTT clients.
import { createServer, type AddressInfo, type Server } from 'node:net';
import { Aedes } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installLeanConnect, type LeanStats } from './lean-connect.js';
import { TrackedMemoryPersistence } from './tracked-memory.js';

let aedes: Aedes;
let server: Server;
let url: string;
let stats: LeanStats;
const persistence = new TrackedMemoryPersistence();
const clients: MqttClient[] = [];

async function waitFor(cond: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function connect(
  clientId: string,
  clean: boolean,
): Promise<{ c: MqttClient; sessionPresent: boolean }> {
  const c = mqtt.connect(url, { clientId, clean, reconnectPeriod: 0, protocolVersion: 4 });
  clients.push(c);
  return new Promise((resolve, reject) => {
    c.once('connect', (ack) => resolve({ c, sessionPresent: ack.sessionPresent }));
    c.once('error', reject);
  });
}

const end = (c: MqttClient) => new Promise<void>((r) => c.end(false, {}, () => r()));

beforeAll(async () => {
  aedes = await Aedes.createBroker({ persistence: persistence as never });
  stats = installLeanConnect(aedes, persistence, { announce: false });
  server = createServer(aedes.handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const c of clients) c.end(true);
  await new Promise<void>((r) => server.close(() => r()));
  await new Promise<void>((r) => aedes.close(() => r()));
});

describe('lean connect', () => {
  it('connects a clean client that then subscribes and receives', async () => {
    const lean0 = stats.lean;
    const { c, sessionPresent } = await connect('lean-1', true);
    expect(sessionPresent).toBe(false);
    expect(stats.lean).toBe(lean0 + 1);
    await c.subscribeAsync('t/lean-1', { qos: 1 });
    const got: string[] = [];
    c.on('message', (_t, p) => got.push(p.toString()));
    aedes.publish(
      { cmd: 'publish', topic: 't/lean-1', payload: Buffer.from('hi'), qos: 1, retain: false, dup: false },
      () => {},
    );
    await waitFor(() => got.length === 1, 'the message');
    expect(got).toEqual(['hi']);
    await end(c);
  });

  it('a second CONNECT with the same client id takes the session over', async () => {
    const first = await connect('lean-2', true);
    let closed = false;
    first.c.on('close', () => (closed = true));
    await connect('lean-2', true);
    await waitFor(() => closed, 'the first connection to close');
    expect(Object.keys((aedes as unknown as { clients: object }).clients)).toContain('lean-2');
  });

  it('keeps a persistent session and its offline queue, and a clean CONNECT wipes it', async () => {
    const full0 = stats.full;
    const p1 = await connect('lean-3', false);
    await p1.c.subscribeAsync('t/lean-3', { qos: 1 });
    await end(p1.c);
    expect(persistence.isPristine('lean-3')).toBe(false);
    await new Promise<void>((r, j) =>
      aedes.publish(
        {
          cmd: 'publish',
          topic: 't/lean-3',
          payload: Buffer.from('queued'),
          qos: 1,
          retain: false,
          dup: false,
        },
        (e) => (e ? j(e) : r()),
      ),
    );
    const p2 = mqtt.connect(url, { clientId: 'lean-3', clean: false, reconnectPeriod: 0 });
    clients.push(p2);
    const got: string[] = [];
    p2.on('message', (_t, p) => got.push(p.toString()));
    const ack = await new Promise<{ sessionPresent: boolean }>((r) => p2.once('connect', r));
    expect(ack.sessionPresent).toBe(true);
    await waitFor(() => got.length === 1, 'the queued message');
    expect(got).toEqual(['queued']);
    await end(p2);
    const clean = await connect('lean-3', true);
    expect(clean.sessionPresent).toBe(false);
    expect(stats.full).toBe(full0 + 3); // persistent, persistent, clean with stored state: aedes' path
    await waitFor(() => persistence.isPristine('lean-3'), 'the session to be wiped');
    await end(clean.c);
  });
});
