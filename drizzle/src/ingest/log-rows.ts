import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Queryable } from '../database.js';

/** One row of the `logs` table, as the processor writes it. */
export interface LogRow {
  time: Date;
  receivedAt: Date;
  tenantId: string;
  deviceId: string;
  seq: number;
  severity: number;
  message: string;
  attrs: Record<string, unknown> | null;
}

const WORDS = [
  'sensor',
  'pump',
  'valve',
  'temperature',
  'pressure',
  'timeout',
  'reconnect',
  'battery',
  'firmware',
  'overflow',
];

export interface GenerateOptions {
  /** Device ids to spread rows over (default: `devices` random ids). */
  deviceIds?: string[];
  devices?: number;
  tenantId?: string;
  /** Time of row 0 (default: now - count * stepMs). */
  start?: Date;
  stepMs?: number;
  /** Index of the first row, to generate a long stream batch by batch with the same start/devices. */
  offset?: number;
}

/**
 * Deterministic synthetic log rows for benchmarks: one tenant, rows spread round-robin over devices, one row
 * per `stepMs`, per-device increasing seq, short varied messages (1 in 997 is an "error: ..." line), small attrs.
 */
export function generateLogRows(count: number, options: GenerateOptions = {}): LogRow[] {
  const devices = options.deviceIds ?? Array.from({ length: options.devices ?? 100 }, () => randomUUID());
  const tenantId = options.tenantId ?? randomUUID();
  const stepMs = options.stepMs ?? 10;
  const start = options.start?.getTime() ?? Date.now() - count * stepMs;
  const offset = options.offset ?? 0;
  const rows: LogRow[] = new Array<LogRow>(count);
  for (let k = 0; k < count; k++) {
    const i = offset + k;
    const w1 = WORDS[i % WORDS.length] ?? 'x';
    const w2 = WORDS[(i * 7 + 3) % WORDS.length] ?? 'y';
    const t = new Date(start + i * stepMs);
    rows[k] = {
      time: t,
      receivedAt: t,
      tenantId,
      deviceId: devices[i % devices.length] ?? tenantId,
      seq: Math.floor(i / devices.length),
      severity: i % 997 === 0 ? 3 : 6,
      message:
        i % 997 === 0
          ? `error: ${w1} ${w2} failed code=${i % 113}`
          : `${w1} ${w2} reading=${(i * 31) % 1000} n=${i}`,
      attrs: i % 5 === 0 ? { fw: '1.2.3', slot: i % 16 } : null,
    };
  }
  return rows;
}

/** The processor's write: one `INSERT ... SELECT * FROM unnest(...) ON CONFLICT DO NOTHING`. Returns rows inserted. */
export async function insertLogsUnnest(q: Queryable, rows: readonly LogRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  const result = await q.query<{ n: number }>(
    `WITH ins AS (
       INSERT INTO logs (time, received_at, tenant_id, device_id, seq, severity, message, attrs)
       SELECT * FROM unnest($1::timestamptz[], $2::timestamptz[], $3::uuid[], $4::uuid[], $5::bigint[], $6::smallint[], $7::text[], $8::jsonb[])
       ON CONFLICT DO NOTHING RETURNING 1)
     SELECT count(*)::int AS n FROM ins`,
    [
      rows.map((r) => r.time.toISOString()),
      rows.map((r) => r.receivedAt.toISOString()),
      rows.map((r) => r.tenantId),
      rows.map((r) => r.deviceId),
      rows.map((r) => r.seq),
      rows.map((r) => r.severity),
      rows.map((r) => r.message),
      rows.map((r) => (r.attrs === null ? null : JSON.stringify(r.attrs))),
    ],
  );
  return result[0]?.n ?? 0;
}

/** The same rows as COPY text format (tab separated, \N for null), for `COPY logs (...) FROM STDIN`. */
export function logRowsToCopyText(rows: readonly LogRow[]): string {
  const esc = (s: string) =>
    s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
  let out = '';
  for (const r of rows) {
    out += `${r.time.toISOString()}\t${r.receivedAt.toISOString()}\t${r.tenantId}\t${r.deviceId}\t${r.seq}\t${r.severity}\t${esc(r.message)}\t${r.attrs === null ? '\\N' : esc(JSON.stringify(r.attrs))}\n`;
  }
  return out;
}

export const LOG_COPY_COLUMNS = 'time, received_at, tenant_id, device_id, seq, severity, message, attrs';

/**
 * COPY rows into `logs` on one pooled connection (kind `postgres` only). COPY has no ON CONFLICT: a duplicate
 * fails the whole batch, so this is the raw ceiling, not the processor's idempotent write path.
 */
export async function copyLogs(pool: pg.Pool, rows: readonly LogRow[]): Promise<number> {
  const client = await pool.connect();
  try {
    const stream = client.query(copyFrom(`COPY logs (${LOG_COPY_COLUMNS}) FROM STDIN`));
    await pipeline(Readable.from([logRowsToCopyText(rows)]), stream);
    return rows.length;
  } finally {
    client.release();
  }
}
