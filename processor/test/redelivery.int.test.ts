// A replica that commits a batch and dies before its acks reach JetStream: the messages are redelivered
// (ack wait) and written again, which adds no row. The lost acks are simulated by a source that drops the
// first ack of every message.
import { createTestDatabase, type TestDatabase } from '@iotlog/drizzle/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { IngestSource } from '../src/bus/types.js';
import { fromDatabase, type SqlDatabase } from '../src/store/sql.js';
import { envelope, ids, waitFor } from './helpers.js';
import { createFixture, type Fixture } from './jetstream-fixture.js';

let t: TestDatabase;
let db: SqlDatabase;
let fx: Fixture;

beforeAll(async () => {
  t = await createTestDatabase();
  db = fromDatabase(t.database);
  fx = await createFixture({ ackWaitS: 2 });
});
afterAll(async () => {
  await fx?.close();
  await t?.drop();
});

function dropFirstAcks(source: IngestSource): IngestSource & { dropped: number; redelivered: number } {
  const seen = new Set<number>();
  const wrapped = {
    dropped: 0,
    redelivered: 0,
    poll() {
      const m = source.poll();
      if (m === undefined) return undefined;
      if (seen.has(m.seq)) {
        wrapped.redelivered++;
        return m;
      }
      seen.add(m.seq);
      return {
        ...m,
        ack() {
          wrapped.dropped++; // committed, but the ack never leaves: as if the process died right after COMMIT
        },
      };
    },
    ready: () => source.ready(),
    lag: () => source.lag(),
    problem: () => source.problem(),
    close: () => source.close(),
  };
  return wrapped;
}

it('adds no row when committed messages are redelivered because their acks were lost', async () => {
  let wrapped: ReturnType<typeof dropFirstAcks> | undefined;
  const replica = await fx.startReplica(db, {
    wrapSource: (s) => {
      wrapped = dropFirstAcks(s);
      return wrapped;
    },
  });
  const { tenantId, deviceId } = ids();
  const messages = 50;
  const t0 = Date.now() - 60_000;
  for (let m = 0; m < messages; m++) {
    // with device seqs and without (stream-derived keys), logs, telemetry and events
    await fx.publish(
      fx.subjects.ingest(tenantId, deviceId, 'logs'),
      envelope(tenantId, deviceId, 'logs', [{ seq: m, message: `m${m}` }, `plain ${m}`]),
    );
    await fx.publish(
      fx.subjects.ingest(tenantId, deviceId, 'telemetry'),
      envelope(tenantId, deviceId, 'telemetry', [{ ts: t0 + m, metrics: { a: m, b: 1 } }]),
    );
    await fx.publish(
      fx.subjects.ingest(tenantId, deviceId, 'events'),
      envelope(tenantId, deviceId, 'events', [{ name: 'e', data: { m } }]),
    );
  }
  await waitFor(
    () => (wrapped?.redelivered ?? 0) >= messages * 3 && wrapped,
    'every message redelivered after its lost ack',
    30_000,
  );
  await waitFor(
    async () => {
      const i = await fx.consumerInfo();
      return i.pending === 0 && i.ackPending === 0;
    },
    'every message finally acked',
    30_000,
  );
  const n = async (table: string) =>
    Number((await db.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]?.n);
  expect(await n('logs')).toBe(messages * 2);
  expect(await n('telemetry')).toBe(messages * 2);
  expect(await n('events')).toBe(messages);
  expect(await n('dead_letters')).toBe(0);
  const written = (await replica.processor.metrics.rowsWritten.get()).values;
  // the second write of each message inserted nothing
  expect(written.find((v) => v.labels.table === 'logs')?.value).toBe(messages * 2);
  expect(written.find((v) => v.labels.table === 'events')?.value).toBe(messages);
  await replica.stop();
});
