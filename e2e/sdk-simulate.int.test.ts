// `iotlog simulate --tenant`: provisions devices through @iotlog/drizzle, runs the truck fleet on the SDK
// through the real pipeline (`iotlog up` with PostgreSQL + JetStream), and its summary matches what is stored.
import { randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@iotlog/drizzle/testing';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect as natsConnect } from '@nats-io/transport-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Embedded } from '../cli/embedded/start.js';
import { runCli } from '../cli/lib/testing.js';
import { startUp, waitFor } from './embedded-fixture.js';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const s = randomBytes(4).toString('hex');
const stream = `SIM_${s}_INGEST`;
let t: TestDatabase;
let up: Embedded | undefined;

beforeAll(async () => {
  t = await createTestDatabase();
  up = await startUp({
    DATABASE_URL: t.url,
    NATS_URL,
    NATS_PREFIX: `sim_${s}`,
    INGEST_STREAM: stream,
    INGEST_CONSUMER: `processor_${s}`,
  });
});
afterAll(async () => {
  await up?.close();
  const nc = await natsConnect({ servers: NATS_URL });
  await (await jetstreamManager(nc)).streams.delete(stream).catch(() => undefined);
  await nc.drain();
  await t?.drop();
});

it(
  'simulates a provisioned truck fleet and everything acknowledged is stored',
  { timeout: 120_000 },
  async () => {
    const tenant = up!.demo!.tenantId;
    const url = `mqtt://127.0.0.1:${up!.ports.mqtt}`;
    const r = await runCli(
      [
        'simulate',
        '--tenant',
        tenant,
        '--devices',
        '3',
        '--rate',
        '30',
        '--duration',
        '3',
        '--url',
        url,
        '--json',
      ],
      { DATABASE_URL: t.url },
    );
    expect(r.stderr).toMatch(/created 3 devices/);
    expect(r.stderr).toMatch(/connected \d\/3 +sent \d+/); // progress line
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as {
      devices: number;
      sent: number;
      acked: number;
      buffered: number;
      dropped: number;
    };
    expect(summary.devices).toBe(3);
    expect(summary.sent).toBeGreaterThan(100);
    expect(summary).toMatchObject({ acked: summary.sent, buffered: 0, dropped: 0 });
    const stored = async () =>
      (
        await t.database.query<{ n: number }>(
          `SELECT (SELECT count(*) FROM logs l JOIN devices d ON d.id = l.device_id WHERE d.labels ? 'simulator')::int
              + (SELECT count(*) FROM events e JOIN devices d ON d.id = e.device_id WHERE d.labels ? 'simulator')::int
              + (SELECT count(DISTINCT (x.device_id, x.time)) FROM telemetry x JOIN devices d ON d.id = x.device_id WHERE d.labels ? 'simulator')::int AS n`,
        )
      )[0]?.n;
    await waitFor(async () => (await stored()) === summary.sent, `${summary.sent} stored records`, 60_000);
    const severities = await t.database.query<{ severity: number }>(`SELECT DISTINCT severity FROM logs`);
    expect(severities.length).toBeGreaterThanOrEqual(3);
  },
);

it('refuses to run without credentials or tenant', async () => {
  const r = await runCli(['simulate', '--devices', '1', '--duration', '1'], { DATABASE_URL: t.url });
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/exactly one of --credentials FILE or --tenant TENANT/);
});
