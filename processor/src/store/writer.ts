// Writes one batch (logs, telemetry, events, dead letters) in ONE transaction with INSERT ... SELECT FROM
// unnest(...) ON CONFLICT DO NOTHING: a redelivered batch adds no row (ARCHITECTURE.md "Storage"), dead letters
// included (their natural key is stream sequence, receive time, code and reason).
import type { BatchRows } from './rows.js';
import type { SqlDatabase, SqlQueryable } from './sql.js';

// Times travel as epoch milliseconds (float8): cheap to serialize, exact to the microsecond.
const INSERT_LOGS = `INSERT INTO logs (time, received_at, tenant_id, device_id, seq, severity, message, attrs)
SELECT to_timestamp(t / 1000.0), to_timestamp(r / 1000.0), tn, d, s, sv, m, a
FROM unnest($1::float8[], $2::float8[], $3::uuid[], $4::uuid[], $5::int8[], $6::int2[], $7::text[], $8::jsonb[])
  AS u(t, r, tn, d, s, sv, m, a)
ON CONFLICT DO NOTHING`;

const INSERT_TELEMETRY = `INSERT INTO telemetry (time, tenant_id, device_id, metric, value)
SELECT to_timestamp(t / 1000.0), tn, d, m, v
FROM unnest($1::float8[], $2::uuid[], $3::uuid[], $4::text[], $5::float8[]) AS u(t, tn, d, m, v)
ON CONFLICT DO NOTHING`;

const INSERT_EVENTS = `INSERT INTO events (time, received_at, tenant_id, device_id, seq, name, data)
SELECT to_timestamp(t / 1000.0), to_timestamp(r / 1000.0), tn, d, s, n, x
FROM unnest($1::float8[], $2::float8[], $3::uuid[], $4::uuid[], $5::int8[], $6::text[], $7::jsonb[])
  AS u(t, r, tn, d, s, n, x)
ON CONFLICT DO NOTHING`;

const INSERT_DEAD_LETTERS = `INSERT INTO dead_letters (received_at, tenant_id, device_id, channel, code, reason, payload, stream_seq, position)
SELECT to_timestamp(r / 1000.0), tn, d, c, k, why, decode(p, 'hex'), s, pos
FROM unnest($1::float8[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int8[], $9::int4[])
  AS u(r, tn, d, c, k, why, p, s, pos)
ON CONFLICT DO NOTHING`;

export interface WriteResult {
  /** Rows inserted per table (rows already present are skipped and not counted). */
  logs: number;
  telemetry: number;
  events: number;
  deadLetters: number;
}

/** Inserts every row of the batch with the caller's connection or transaction. */
export async function writeRows(tx: SqlQueryable, rows: BatchRows): Promise<WriteResult> {
  const result: WriteResult = { logs: 0, telemetry: 0, events: 0, deadLetters: 0 };
  const { logs: l, telemetry: t, events: e, deadLetters: x } = rows;
  if (l.time.length > 0) {
    const r = await tx.query(INSERT_LOGS, [
      l.time,
      l.receivedAt,
      l.tenantId,
      l.deviceId,
      l.seq,
      l.severity,
      l.message,
      l.attrs,
    ]);
    result.logs = r.rowCount;
  }
  if (t.time.length > 0) {
    const r = await tx.query(INSERT_TELEMETRY, [t.time, t.tenantId, t.deviceId, t.metric, t.value]);
    result.telemetry = r.rowCount;
  }
  if (e.time.length > 0) {
    const r = await tx.query(INSERT_EVENTS, [
      e.time,
      e.receivedAt,
      e.tenantId,
      e.deviceId,
      e.seq,
      e.name,
      e.data,
    ]);
    result.events = r.rowCount;
  }
  if (x.code.length > 0) {
    const r = await tx.query(INSERT_DEAD_LETTERS, [
      x.receivedAt,
      x.tenantId,
      x.deviceId,
      x.channel,
      x.code,
      x.reason,
      x.payloadHex,
      x.streamSeq,
      x.position,
    ]);
    result.deadLetters = r.rowCount;
  }
  return result;
}

/** Inserts every row of the batch in one transaction; resolves after COMMIT. */
export function writeBatch(db: SqlDatabase, rows: BatchRows): Promise<WriteResult> {
  return db.transaction((tx) => writeRows(tx, rows));
}
