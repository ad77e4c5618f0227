// PostgreSQL unavailable during a run: the test's own database refuses connections for ~10 s (ALLOW_CONNECTIONS
// false + terminated backends; the machine's server keeps running for everyone else). Batches are nak-ed with
// backoff, nothing is lost, and the backlog is caught up afterwards with exact counts.
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '@iotlog/drizzle/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { fromDatabase, type SqlDatabase } from '../src/store/sql.js';
import { envelope, ids, waitFor } from './helpers.js';
import { createFixture, type Fixture } from './jetstream-fixture.js';

const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
let t: TestDatabase;
let db: SqlDatabase;
let fx: Fixture;
let admin: pg.Client;
let dbName: string;

beforeAll(async () => {
  t = await createTestDatabase();
  dbName = new URL(t.url).pathname.slice(1);
  db = fromDatabase(t.database);
  fx = await createFixture();
  admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
});
afterAll(async () => {
  await admin?.query(`ALTER DATABASE ${dbName} ALLOW_CONNECTIONS true`).catch(() => undefined);
  await admin?.end();
  await fx?.close();
  await t?.drop();
});

it(
  'keeps every record through a database outage and catches up afterwards',
  { timeout: 120_000 },
  async () => {
    const replica = await fx.startReplica(db, { initialBackoffMs: 100, maxBackoffMs: 1000 });
    const { tenantId, deviceId } = ids();
    const subject = fx.subjects.ingest(tenantId, deviceId, 'logs');
    let sent = 0;
    const publishSome = async (n: number) => {
      for (let i = 0; i < n; i++, sent++) {
        await fx.publish(
          subject,
          envelope(tenantId, deviceId, 'logs', [
            { v: 1, records: [{ seq: sent * 2, message: `a${sent}` }, { message: `b${sent}` }] },
          ]),
        );
      }
    };
    await publishSome(100);
    await waitFor(
      async () => Number((await db.query('SELECT count(*)::int AS n FROM logs')).rows[0]?.n) === 200,
      'first 200 rows',
    );

    await admin.query(`ALTER DATABASE ${dbName} ALLOW_CONNECTIONS false`);
    await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
      [dbName],
    );
    const downSince = Date.now();
    await publishSome(300);
    await waitFor(
      async () =>
        (await replica.processor.metrics.writeFailures.get()).values.some(
          (v) => v.labels.kind === 'transient' && v.value >= 2,
        ),
      'failed writes while down',
    );
    expect((await replica.processor.readiness()).ok).toBe(false);
    // stay down for ~10 s while devices keep publishing
    while (Date.now() - downSince < 10_000) await publishSome(20);
    expect(
      Number((await fx.consumerInfo()).pending) + Number((await fx.consumerInfo()).ackPending),
    ).toBeGreaterThan(0);
    await admin.query(`ALTER DATABASE ${dbName} ALLOW_CONNECTIONS true`);

    const expected = sent * 2;
    await waitFor(
      async () => Number((await db.query('SELECT count(*)::int AS n FROM logs')).rows[0]?.n) === expected,
      `${expected} rows after recovery`,
      40_000,
    );
    await waitFor(async () => {
      const i = await fx.consumerInfo();
      return i.pending === 0 && i.ackPending === 0;
    }, 'every message acked');
    await waitFor(async () => (await replica.processor.readiness()).ok, 'ready again');
    expect(Number((await db.query('SELECT count(*)::int AS n FROM dead_letters')).rows[0]?.n)).toBe(0);
    await replica.stop();
  },
);
