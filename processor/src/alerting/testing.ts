/**
 * Helpers for the alerting integration tests and bench/alerts: a test world (own database, own NATS subject
 * prefix, stream and KV bucket), a simulated device publishing envelopes, a local webhook receiver.
 * Real services only: PostgreSQL/TimescaleDB and NATS JetStream must be running.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  encodeEnvelope,
  subjects as makeSubjects,
  type Channel,
  type Subjects,
} from '@iotlog/edge-sdk/protocol';
import { createTestDatabase, type TestDatabase } from '@iotlog/drizzle/testing';
import { parseRule, type RuleInput } from './rules.js';
import { ruleToRow } from './rule-source.js';
import { verifySignature } from './webhook.js';

export const NATS_URL = 'nats://127.0.0.1:4222';

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface World {
  db: TestDatabase;
  nc: NatsConnection;
  subjects: Subjects;
  prefix: string;
  bucket: string;
  tenantId: string;
  addDevice(name: string, labels?: Record<string, string>): Promise<string>;
  addRule(input: RuleInput): Promise<string>;
  /** Publishes one envelope (one MQTT payload per record) for a device on the test stream. */
  send(deviceId: string, channel: Channel, records: unknown[], receivedAtMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function createWorld(): Promise<World> {
  const db = await createTestDatabase();
  const nc = await connect({ servers: NATS_URL, name: 'alerting-test' });
  const suffix = randomBytes(4).toString('hex');
  const prefix = `t_al_${suffix}`;
  const subjects = makeSubjects(prefix);
  const bucket = `alerting_${suffix}`;
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({
    name: subjects.stream,
    subjects: [subjects.ingestAll],
    max_age: 3600e9,
    duplicate_window: 120e9,
  });
  const js = jetstream(nc);
  const q = db.database;
  const [org] = await q.query<{ id: string }>(
    `INSERT INTO organizations (name, slug) VALUES ('o', $1) RETURNING id`,
    [`o-${suffix}`],
  );
  const [tenant] = await q.query<{ id: string }>(
    `INSERT INTO tenants (organization_id, name, slug) VALUES ($1, 't', 't') RETURNING id`,
    [org!.id],
  );
  const tenantId = tenant!.id;
  let counter = 0;
  return {
    db,
    nc,
    subjects,
    prefix,
    bucket,
    tenantId,
    async addDevice(name, labels = {}) {
      const [d] = await q.query<{ id: string }>(
        'INSERT INTO devices (tenant_id, name, labels) VALUES ($1, $2, $3) RETURNING id',
        [tenantId, name, JSON.stringify(labels)],
      );
      return d!.id;
    },
    async addRule(input) {
      const r = ruleToRow(parseRule(input));
      const [row] = await q.query<{ id: string }>(
        `INSERT INTO alert_rules (tenant_id, name, kind, spec, label_selector, webhook_url, webhook_secret, actions, enabled)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
        [
          tenantId,
          r.name,
          r.kind,
          JSON.stringify(r.spec),
          JSON.stringify(r.labelSelector),
          r.webhookUrl,
          r.webhookSecret,
          JSON.stringify(r.actions),
          r.enabled,
        ],
      );
      return row!.id;
    },
    async send(deviceId, channel, records, receivedAtMs = Date.now()) {
      const payloads = records.map((r) => new TextEncoder().encode(JSON.stringify(r)));
      const data = encodeEnvelope({
        channel,
        tenantId,
        deviceId,
        messages: payloads.map((payload) => ({ receivedAtMs, payload })),
      });
      await js.publish(subjects.ingest(tenantId, deviceId, channel), data, {
        msgID: `${suffix}-${++counter}`,
      });
    },
    async close() {
      await jsm.streams.delete(subjects.stream).catch(() => undefined);
      await new Kvm(nc)
        .open(bucket)
        .then((kv) => kv.destroy())
        .catch(() => undefined);
      await nc.drain();
      await db.drop();
    },
  };
}

export interface ReceivedHook {
  body: string;
  json: { event: string; alert: { id: string; state: string; deviceId: string }; rule: { id: string } };
  validSignature: boolean;
  at: number;
}

/** A local webhook receiver on a random port; answers `status(n)` for the n-th request (default 200). */
export async function startWebhookReceiver(
  secret: string,
  status: (n: number) => number = () => 200,
): Promise<{
  url: string;
  received: ReceivedHook[];
  close(): Promise<void>;
}> {
  const received: ReceivedHook[] = [];
  let n = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const code = status(++n);
      const body = Buffer.concat(chunks).toString('utf8');
      if (code >= 200 && code < 300) {
        received.push({
          body,
          json: JSON.parse(body) as ReceivedHook['json'],
          validSignature: verifySignature(
            secret,
            body,
            req.headers['x-iotlog-signature'] as string | undefined,
          ),
          at: Date.now(),
        });
      }
      res.writeHead(code).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
