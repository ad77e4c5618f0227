// Commands, desired configuration and TLS verification against a real MQTT broker (in-test aedes).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { Aedes, type Client } from 'aedes';
import { afterEach, describe, expect, it } from 'vitest';
import type { EdgeClient } from '../src/client.js';
import { EdgeError } from '../src/errors.js';
import { connect } from '../src/index.js';
import { decodePayload, type DecodedConfig, type DecodedReply } from '../src/protocol/index.js';
import { startAedes, tempDir, waitFor } from './helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup() {
  const replies: DecodedReply[] = [];
  const reported: DecodedConfig[] = [];
  const b = await startAedes({
    authorizePublish: (client: Client | null, packet, cb) => {
      if (client !== null && packet.topic === 'd/dev-1/reply') {
        replies.push(decodePayload('reply', packet.payload as Buffer, Date.now()).records[0] as DecodedReply);
      }
      if (client !== null && packet.topic === 'd/dev-1/config/reported') {
        reported.push(
          decodePayload('config', packet.payload as Buffer, Date.now()).records[0] as DecodedConfig,
        );
      }
      cb(null);
    },
  });
  cleanups.push(() => b.close());
  const send = (topic: string, value: unknown, retain = false) =>
    new Promise<void>((resolve, reject) =>
      b.aedes.publish(
        { cmd: 'publish', topic, payload: Buffer.from(JSON.stringify(value)), qos: 1, retain, dup: false },
        (err) => (err ? reject(err) : resolve()),
      ),
    );
  return { b, replies, reported, send };
}

function client(url: string, extra: Partial<Parameters<typeof connect>[0]> = {}): EdgeClient {
  const c = connect({ url, deviceId: 'dev-1', token: 't', buffer: 'memory', ...extra });
  c.on('error', () => {});
  cleanups.push(() => c.close({ flushTimeoutMs: 0 }));
  return c;
}

describe('commands', () => {
  it('round trip: handler return value is the reply; errors and unknown commands reply ok=false', async () => {
    const { b, replies, send } = await setup();
    const c = client(b.url);
    c.onCommand('reboot', async (data) => ({ rebooting: true, delay: (data as { delay: number }).delay }));
    c.onCommand('fail', () => {
      throw new Error('not now');
    });
    await c.whenConnected();
    await waitFor('subscription', () => b.aedes.connectedClients === 1 && c.status().connected);
    // the SUBACK may still be in flight: resend until the first reply arrives
    await waitFor('first reply', async () => {
      await send('d/dev-1/cmd/reboot', { id: 'c1', name: 'reboot', data: { delay: 5 }, ts: Date.now() });
      await new Promise((r) => setTimeout(r, 100));
      return replies.length > 0;
    });
    await send('d/dev-1/cmd/fail', { id: 'c2', name: 'fail', data: null, ts: Date.now() });
    await send('d/dev-1/cmd/nope', { id: 'c3', name: 'nope', data: null, ts: Date.now() });
    await waitFor('three replies', () => new Set(replies.map((r) => r.id)).size === 3);
    expect(replies.find((r) => r.id === 'c1')).toMatchObject({
      ok: true,
      data: { rebooting: true, delay: 5 },
    });
    expect(replies.find((r) => r.id === 'c2')).toMatchObject({ ok: false, error: 'not now' });
    expect(replies.find((r) => r.id === 'c3')).toMatchObject({ ok: false, error: 'unknown command "nope"' });
    expect(replies.filter((r) => r.id === 'c1')).toHaveLength(1); // redelivered command ids are handled once
    expect(c.status().lastError?.code).toBe('sdk.handler');
  });

  it('desired configuration: retained document applied on connect, changes applied, version reported', async () => {
    const { b, reported, send } = await setup();
    await send('d/dev-1/cmd/_config', { version: 1, config: { rate: 5 } }, true);
    const c = client(b.url);
    const seen: unknown[] = [];
    c.onConfig((config, doc) => {
      seen.push([doc.version, config]);
    });
    await waitFor('config v1 reported', () => reported.some((r) => r.version === 1));
    await send('d/dev-1/cmd/_config', { version: 2, config: { rate: 10 } }, true);
    await waitFor('config v2 reported', () => reported.some((r) => r.version === 2));
    expect(seen).toEqual([
      [1, { rate: 5 }],
      [2, { rate: 10 }],
    ]);
    expect(reported.at(-1)).toMatchObject({ version: 2, config: { rate: 10 } });
  });

  it('a bad command document is an sdk.command error event, not a crash', async () => {
    const { b } = await setup();
    const c = client(b.url);
    const errors: EdgeError[] = [];
    c.on('error', (e) => errors.push(e));
    await c.whenConnected();
    await waitFor('bad command reported', async () => {
      await new Promise<void>((r) =>
        b.aedes.publish(
          {
            cmd: 'publish',
            topic: 'd/dev-1/cmd/x',
            payload: Buffer.from('nope'),
            qos: 1,
            retain: false,
            dup: false,
          },
          () => r(),
        ),
      );
      await new Promise((r) => setTimeout(r, 100));
      return errors.some((e) => e.code === 'sdk.command');
    });
  });
});

describe('TLS', () => {
  it('refuses an untrusted server certificate with sdk.tls; accepts it with the CA', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const key = join(t.dir, 'key.pem');
    const cert = join(t.dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
      ],
      { stdio: 'ignore' },
    );
    const aedes = await Aedes.createBroker();
    const server = createTlsServer({ key: readFileSync(key), cert: readFileSync(cert) }, aedes.handle);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    cleanups.push(
      () =>
        new Promise<void>((r) => {
          server.close(() => r());
          aedes.close();
        }),
    );
    const url = `mqtts://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const refused = client(url, { reconnect: { minDelayMs: 60_000 } });
    const err = await refused.whenConnected(20_000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EdgeError);
    expect((err as EdgeError).code).toBe('sdk.tls');
    expect((err as EdgeError).message).toMatch(/server certificate refused/);

    const trusted = client(url, { ca: readFileSync(cert, 'utf8') });
    await trusted.whenConnected(20_000);
    expect(trusted.status().connected).toBe(true);
  });

  it('mTLS: a client certificate without deviceId connects as the certificate CN', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const p = (f: string) => join(t.dir, f);
    const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
    openssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      p('skey.pem'),
      '-out',
      p('scert.pem'),
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    );
    openssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      p('ckey.pem'),
      '-out',
      p('ccert.pem'),
      '-days',
      '1',
      '-subj',
      '/CN=dev-cert',
    );
    const clientIds: string[] = [];
    const aedes = await Aedes.createBroker({
      authenticate: (c: Client, _u, _p, cb) => {
        clientIds.push(c.id);
        cb(null, true);
      },
    });
    const server = createTlsServer(
      {
        key: readFileSync(p('skey.pem')),
        cert: readFileSync(p('scert.pem')),
        requestCert: true,
        rejectUnauthorized: true,
        ca: [readFileSync(p('ccert.pem'))],
      },
      aedes.handle,
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    cleanups.push(
      () =>
        new Promise<void>((r) => {
          server.close(() => r());
          aedes.close();
        }),
    );
    const c = connect({
      url: `mqtts://127.0.0.1:${(server.address() as AddressInfo).port}`,
      cert: readFileSync(p('ccert.pem'), 'utf8'),
      key: readFileSync(p('ckey.pem'), 'utf8'),
      ca: readFileSync(p('scert.pem'), 'utf8'),
      buffer: 'memory',
    });
    c.on('error', () => {});
    cleanups.push(() => c.close({ flushTimeoutMs: 0 }));
    expect(c.deviceId).toBe('dev-cert');
    await c.whenConnected(20_000);
    expect(clientIds).toContain('dev-cert');
  });
});
