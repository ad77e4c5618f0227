// The write path on TimescaleDB, plain PostgreSQL and PGlite: one transaction per batch, idempotent on
// redelivery, refused rows split out as dead letters.
import { createTestDatabase, type TestDatabase } from '@iotlog/drizzle/testing';
import { subjects } from '@iotlog/edge-sdk/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMessageDecoder } from '../src/decode/message.js';
import { writeRowByRow } from '../src/store/row-by-row.js';
import { emptyRows } from '../src/store/rows.js';
import { fromDatabase, type SqlDatabase } from '../src/store/sql.js';
import { writeBatch } from '../src/store/writer.js';
import { envelope, ids } from './helpers.js';

const kinds = [
  { name: 'TimescaleDB', options: {} },
  { name: 'plain PostgreSQL', options: { timescale: false } },
  { name: 'PGlite', options: { pglite: true } },
] as const;

describe.each(kinds)('writer on $name', ({ options }) => {
  let t: TestDatabase;
  let db: SqlDatabase;
  const decoder = createMessageDecoder({ subjects: subjects('t') });
  const count = async (table: string) =>
    Number((await db.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]?.n);

  beforeAll(async () => {
    t = await createTestDatabase(options);
    db = fromDatabase(t.database);
  });
  afterAll(async () => {
    await t?.drop();
  });

  it('writes logs, telemetry and events of a batch once, however often it is redelivered', async () => {
    const { tenantId, deviceId } = ids();
    const rows = emptyRows();
    decoder.decode(
      {
        seq: 7,
        subject: 'x',
        data: envelope(tenantId, deviceId, 'logs', [
          'plain text line',
          {
            v: 1,
            records: [
              { seq: 1, message: 'a', attrs: { k: 'é"\\' } },
              { message: 'no seq', severity: 'error' },
            ],
          },
        ]),
      },
      rows,
    );
    decoder.decode(
      {
        seq: 8,
        subject: 'x',
        data: envelope(tenantId, deviceId, 'telemetry', [
          { temp: 21.5, hum: 40 },
          { v: 1, records: [{ ts: Date.now() - 1000, metrics: { temp: 22 } }] },
        ]),
      },
      rows,
    );
    decoder.decode(
      {
        seq: 9,
        subject: 'x',
        data: envelope(tenantId, deviceId, 'events', [
          { name: 'boot', data: { reason: 'power' } },
          { seq: 3, name: 'door', data: 'open' },
        ]),
      },
      rows,
    );
    const first = await writeBatch(db, rows);
    expect(first).toEqual({ logs: 3, telemetry: 3, events: 2, deadLetters: 0 });
    const again = await writeBatch(db, rows);
    expect(again).toEqual({ logs: 0, telemetry: 0, events: 0, deadLetters: 0 });
    expect(await count('logs')).toBe(3);
    expect(await count('telemetry')).toBe(3);
    expect(await count('events')).toBe(2);
    const log = (await db.query(`SELECT seq, severity, message, attrs FROM logs WHERE seq = 1`)).rows[0];
    expect(log).toMatchObject({ severity: 6, message: 'a', attrs: { k: 'é"\\' } });
    const negative = (
      await db.query(`SELECT seq::text AS s FROM logs WHERE seq < 0 ORDER BY seq DESC`)
    ).rows.map((r) => r.s);
    expect(negative).toEqual([String(-(7 * 65536 + 0)), String(-(7 * 65536 + 2))]);
  });

  it('writes the dead letters of a batch once, however often it is redelivered', async () => {
    const { tenantId, deviceId } = ids();
    const rows = emptyRows();
    decoder.decode(
      {
        seq: 30,
        subject: 'x',
        data: envelope(tenantId, deviceId, 'telemetry', [
          'not json',
          { v: 1, records: [{ metrics: 'x' }, {}] },
        ]),
      },
      rows,
    );
    const first = await writeBatch(db, rows);
    expect(first.deadLetters).toBeGreaterThanOrEqual(3);
    const again = await writeBatch(db, rows);
    expect(again.deadLetters).toBe(0);
    const stored = (
      await db.query(`SELECT count(*)::int AS n FROM dead_letters WHERE device_id = $1`, [deviceId])
    ).rows[0]?.n;
    expect(stored).toBe(first.deadLetters);
  });

  it('writes a refused row as a dead letter and keeps the rest of the batch', async () => {
    const { tenantId, deviceId } = ids();
    await db.query(`ALTER TABLE events ADD CONSTRAINT no_forbidden CHECK (name <> 'forbidden')`);
    const rows = emptyRows();
    decoder.decode(
      {
        seq: 20,
        subject: 'x',
        data: envelope(tenantId, deviceId, 'events', [
          {
            v: 1,
            records: [
              { seq: 1, name: 'ok1' },
              { seq: 2, name: 'forbidden' },
              { seq: 3, name: 'ok2' },
            ],
          },
        ]),
      },
      rows,
    );
    await expect(writeBatch(db, rows)).rejects.toMatchObject({ code: '23514' });
    const r = await writeRowByRow(db, rows);
    expect(r).toMatchObject({ events: 2, rejected: 1, deadLetters: 1 });
    const names = (
      await db.query(`SELECT name FROM events WHERE device_id = $1 ORDER BY seq`, [deviceId])
    ).rows.map((x) => x.name);
    expect(names).toEqual(['ok1', 'ok2']);
    const dead = (
      await db.query(`SELECT code, channel, device_id FROM dead_letters WHERE device_id = $1`, [deviceId])
    ).rows;
    expect(dead).toEqual([{ code: 'store.rejected', channel: 'events', device_id: deviceId }]);
  });
});
