// JetStream -> processor -> TimescaleDB: poison among good messages, two replicas sharing the consumer,
// device state (last seen, presence). Real NATS JetStream and PostgreSQL/TimescaleDB.
import { createOrganization, createTenant, createDevice } from '@iotlog/drizzle/provisioning';
import { createTestDatabase, type TestDatabase } from '@iotlog/drizzle/testing';
import { encodeEnvelope } from '@iotlog/edge-sdk/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromDatabase, type SqlDatabase } from '../src/store/sql.js';
import { envelope, ids, waitFor } from './helpers.js';
import { createFixture, type Fixture } from './jetstream-fixture.js';

let t: TestDatabase;
let db: SqlDatabase;
let fx: Fixture;

const count = async (sql: string, params: unknown[] = []) => Number((await db.query(sql, params)).rows[0]?.n);

beforeAll(async () => {
  t = await createTestDatabase();
  db = fromDatabase(t.database);
  fx = await createFixture();
});
afterAll(async () => {
  await fx?.close();
  await t?.drop();
});

describe('processor on JetStream', () => {
  it('stores the good records of a stream with poison in it and dead-letters the rest', async () => {
    const replica = await fx.startReplica(db);
    const { tenantId, deviceId } = ids();
    const subj = fx.subjects.ingest(tenantId, deviceId, 'logs');
    const good = { v: 1, records: Array.from({ length: 50 }, (_, i) => ({ seq: i, message: `good ${i}` })) };
    await fx.publish(subj, envelope(tenantId, deviceId, 'logs', [good]));
    await fx.publish(subj, new TextEncoder().encode('not an envelope at all'));
    await fx.publish(
      fx.subjects.ingest(tenantId, 'not-a-uuid', 'logs'),
      envelope(tenantId, 'not-a-uuid', 'logs', ['hello']),
    );
    await fx.publish(
      subj,
      envelope(tenantId, deviceId, 'logs', [
        '{"message": broken json',
        {
          v: 1,
          records: [
            { seq: 100, message: 'kept' },
            { seq: 101, message: 42 },
            { seq: 102, ts: Date.now() + 86_400_000, message: 'future' },
            { seq: 103, message: 'kept too' },
          ],
        },
        { seq: 104, message: 'nul \u0000 inside' },
        { seq: 105, message: 'big attrs', attrs: { blob: 'x'.repeat(20_000) } },
        'a plain text line',
      ]),
    );
    await fx.publish(
      subj,
      encodeEnvelope({
        channel: 'logs',
        tenantId,
        deviceId,
        messages: [{ receivedAtMs: Date.now(), payload: new Uint8Array([0xff, 0xfe]) }],
      }),
    );
    await fx.publish(
      subj,
      envelope(tenantId, deviceId, 'logs', [{ v: 1, records: [{ seq: 200, message: 'after the poison' }] }]),
    );

    // 50 + kept + kept too + plain text line + after the poison
    await waitFor(
      async () =>
        (await count(`SELECT count(*)::int AS n FROM logs WHERE device_id = $1`, [deviceId])) === 54,
      '54 good logs',
    );
    await waitFor(async () => {
      const i = await fx.consumerInfo();
      return i.pending === 0 && i.ackPending === 0;
    }, 'every message acked');
    const codes = (await db.query(`SELECT code FROM dead_letters ORDER BY code`)).rows.map((r) => r.code);
    expect(codes).toEqual([
      'protocol.bad_json',
      'protocol.bad_type',
      'protocol.bad_utf8',
      'protocol.bad_version',
      'protocol.too_large',
      'protocol.ts_skew',
      'store.bad_id',
      'store.nul_char',
    ]);
    const dl = (
      await db.query(
        `SELECT tenant_id, device_id, channel, reason, stream_seq, payload FROM dead_letters WHERE code = 'protocol.bad_type'`,
      )
    ).rows[0];
    expect(dl).toMatchObject({ tenant_id: tenantId, device_id: deviceId, channel: 'logs' });
    expect(String(dl?.reason)).toMatch(/^record 1: /);
    expect(Number(dl?.stream_seq)).toBeGreaterThan(0);
    const metrics = await replica.processor.metrics.registry.getSingleMetricAsString(
      'iotlog_processor_dead_letters_total',
    );
    expect(metrics).toContain('code="store.nul_char"} 1');
    await replica.stop();
  });

  it('two replicas sharing the consumer store every record exactly once', async () => {
    await db.query('TRUNCATE logs');
    const a = await fx.startReplica(db, { batchSize: 300 });
    const b = await fx.startReplica(db, { batchSize: 300 });
    const devices = Array.from({ length: 5 }, () => ids());
    const messages = 400;
    const perMessage = 5;
    const pubs: Promise<void>[] = [];
    for (let m = 0; m < messages; m++) {
      const d = devices[m % devices.length]!;
      // half with device seqs, half without (stream-derived keys)
      const records = Array.from({ length: perMessage }, (_, i) =>
        m % 2 === 0 ? { seq: m * perMessage + i, message: `m${m} r${i}` } : { message: `m${m} r${i}` },
      );
      pubs.push(
        fx.publish(
          fx.subjects.ingest(d.tenantId, d.deviceId, 'logs'),
          envelope(d.tenantId, d.deviceId, 'logs', [{ v: 1, records }]),
        ),
      );
    }
    await Promise.all(pubs);
    const total = messages * perMessage;
    await waitFor(
      async () => (await count(`SELECT count(*)::int AS n FROM logs`)) === total,
      `${total} logs`,
    );
    await waitFor(async () => {
      const i = await fx.consumerInfo();
      return i.pending === 0 && i.ackPending === 0;
    }, 'every message acked');
    const written = async (p: typeof a) =>
      (await p.processor.metrics.rowsWritten.get()).values.find((v) => v.labels.table === 'logs')?.value ?? 0;
    expect((await written(a)) + (await written(b))).toBe(total);
    expect(
      await count(
        `SELECT count(*)::int AS n FROM (SELECT device_id, seq, time FROM logs GROUP BY 1, 2, 3 HAVING count(*) > 1) d`,
      ),
    ).toBe(0);
    await a.stop();
    await b.stop();
  });

  it('updates last_seen_at from data and online from presence, in batches', async () => {
    const org = await createOrganization(t.database.db, { name: 'Acme' });
    const tenant = await createTenant(t.database.db, { organization: org.id, name: 'Plant' });
    const { device } = await createDevice(t.database.db, { tenant: tenant.id, name: 'pump-1' });
    const replica = await fx.startReplica(db);
    const at = Date.now();
    await fx.publish(
      fx.subjects.ingest(tenant.id, device.id, 'logs'),
      envelope(tenant.id, device.id, 'logs', ['hello'], at),
    );
    await fx.publish(
      fx.subjects.ingest(tenant.id, device.id, 'config'),
      envelope(tenant.id, device.id, 'config', [{ version: 3, config: { rate: 5 } }], at),
    );
    const state = () =>
      db
        .query(`SELECT last_seen_at, online, reported_config FROM devices WHERE id = $1`, [device.id])
        .then((r) => r.rows[0]);
    await waitFor(
      async () => (await state())?.last_seen_at !== null && (await state())?.reported_config !== null,
      'last_seen_at and reported config',
    );
    expect(new Date((await state())?.last_seen_at as string).getTime()).toBe(at);
    expect((await state())?.reported_config).toEqual({ version: 3, config: { rate: 5 } });
    await waitFor(async () => {
      // presence is core NATS (no persistence): publish until the replica's subscription has seen it
      replica.nc.publish(
        fx.subjects.presence(tenant.id, device.id),
        new TextEncoder().encode(JSON.stringify({ deviceId: device.id, online: true, at: Date.now() })),
      );
      return (await state())?.online === true;
    }, 'online from presence');
    await replica.stop();
  });
});
