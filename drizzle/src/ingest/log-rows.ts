import { randomUUID } from 'node:crypto';
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

const WORDS = ['sensor', 'pump', 'valve', 'temperature', 'pressure', 'timeout', 'reconnect', 'battery', 'firmware', 'overflow'];

/**
 * Deterministic synthetic log rows for benchmarks: `devices` devices of one tenant, one row per device per
 * `stepMs`, short varied messages (a few in 1,000 contain "error"), small attrs.
 */
export function generateLogRows(count: number, options: { devices?: number; start?: Date; stepMs?: number; tenantId?: string } = {}): LogRow[] {
  const devices = Array.from({ length: options.devices ?? 100 }, () => randomUUID());
  const tenantId = options.tenantId ?? randomUUID();
  const start = options.start?.getTime() ?? Date.now() - count * 10;
  const stepMs = options.stepMs ?? 10;
  const rows: LogRow[] = new Array<LogRow>(count);
  for (let i = 0; i < count; i++) {
    const w1 = WORDS[i % WORDS.length] ?? 'x';
    const w2 = WORDS[(i * 7 + 3) % WORDS.length] ?? 'y';
    const t = new Date(start + i * stepMs);
    rows[i] = {
      time: t,
      receivedAt: t,
      tenantId,
      deviceId: devices[i % devices.length] ?? tenantId,
      seq: Math.floor(i / devices.length),
      severity: i % 997 === 0 ? 3 : 6,
      message: i % 997 === 0 ? `error: ${w1} ${w2} failed code=${i % 113}` : `${w1} ${w2} reading=${(i * 31) % 1000} n=${i}`,
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
  const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
  let out = '';
  for (const r of rows) {
    out += `${r.time.toISOString()}\t${r.receivedAt.toISOString()}\t${r.tenantId}\t${r.deviceId}\t${r.seq}\t${r.severity}\t${esc(r.message)}\t${r.attrs === null ? '\\N' : esc(JSON.stringify(r.attrs))}\n`;
  }
  return out;
}

export const LOG_COPY_COLUMNS = 'time, received_at, tenant_id, device_id, seq, severity, message, attrs';
