// A processor process SIGKILLed in the middle of a batch: a slow-insert trigger in this test's database holds
// the batch's transaction open, the kill lands while it runs, and a restarted process stores every record
// exactly once (the unacked messages are redelivered after ACK_WAIT_S).
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '@iotlog/drizzle/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { envelope, ids, waitFor } from './helpers.js';
import { createFixture, type Fixture } from './jetstream-fixture.js';

const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const processorDir = fileURLToPath(new URL('..', import.meta.url));
let t: TestDatabase;
let fx: Fixture;
let admin: pg.Client;
let dbName: string;
const children: ChildProcess[] = [];

function startChild(): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: processorDir,
    env: {
      ...process.env,
      DATABASE_URL: t.url,
      NATS_PREFIX: fx.prefix,
      INGEST_STREAM: fx.stream,
      INGEST_CONSUMER: fx.durable,
      ACK_WAIT_S: '3',
      BATCH_SIZE: '200',
      HTTP_PORT: '0',
      HTTP_HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  children.push(child);
  return child;
}

const exited = (c: ChildProcess) =>
  new Promise<void>((resolve) =>
    c.exitCode !== null || c.signalCode !== null ? resolve() : c.once('exit', () => resolve()),
  );

beforeAll(async () => {
  t = await createTestDatabase();
  dbName = new URL(t.url).pathname.slice(1);
  fx = await createFixture({ ackWaitS: 3 });
  admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await Promise.all(children.map(exited));
  await admin?.end();
  await fx?.close();
  await t?.drop();
});

it(
  'stores every record exactly once after a SIGKILL mid-batch and a restart',
  { timeout: 180_000 },
  async () => {
    const q = (sql: string, params: unknown[] = []) => t.database.query<Record<string, unknown>>(sql, params);
    await q(
      `CREATE FUNCTION slow_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(30); RETURN NULL; END $$`,
    );
    await q(
      `CREATE TRIGGER slow_insert BEFORE INSERT ON logs FOR EACH STATEMENT EXECUTE FUNCTION slow_insert()`,
    );
    const devices = Array.from({ length: 4 }, () => ids());
    const messages = 200;
    for (let m = 0; m < messages; m++) {
      const d = devices[m % devices.length]!;
      const records = Array.from({ length: 10 }, (_, i) =>
        m % 2 === 0 ? { seq: m * 10 + i, message: `m${m}.${i}` } : { message: `m${m}.${i}` },
      );
      await fx.publish(
        fx.subjects.ingest(d.tenantId, d.deviceId, 'logs'),
        envelope(d.tenantId, d.deviceId, 'logs', [{ v: 1, records }]),
      );
    }

    const first = startChild();
    // the batch's INSERT is running (inside the trigger's pg_sleep): kill the process now
    await waitFor(
      async () => {
        const r = await admin.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND wait_event = 'PgSleep'`,
          [dbName],
        );
        return r.rows[0].n > 0;
      },
      'a batch insert in progress',
      60_000,
    );
    first.kill('SIGKILL');
    await exited(first);
    expect(Number((await q('SELECT count(*)::int AS n FROM logs'))[0]?.n)).toBe(0);

    // end the orphaned transaction, remove the slow trigger, restart
    await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND wait_event = 'PgSleep'`,
      [dbName],
    );
    await q('DROP TRIGGER slow_insert ON logs');
    startChild();

    const expected = messages * 10;
    await waitFor(
      async () => Number((await q('SELECT count(*)::int AS n FROM logs'))[0]?.n) === expected,
      `${expected} rows`,
      40_000,
    );
    await waitFor(
      async () => {
        const i = await fx.consumerInfo();
        return i.pending === 0 && i.ackPending === 0;
      },
      'every message acked',
      30_000,
    );
    expect(Number((await q('SELECT count(*)::int AS n FROM logs'))[0]?.n)).toBe(expected);
    expect(
      Number(
        (
          await q(
            `SELECT count(*)::int AS n FROM (SELECT 1 FROM logs GROUP BY device_id, seq, time HAVING count(*) > 1) d`,
          )
        )[0]?.n,
      ),
    ).toBe(0);
  },
);
