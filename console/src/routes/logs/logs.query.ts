// Log filters -> SQL, shared by search, histogram, export (and, in memory, the live tail).
import { z } from '@hono/zod-openapi';
import { sql, type SQL } from 'drizzle-orm';
import type { Scope } from '../../auth/scope.js';
import type { Sql } from '../../db/sql.js';
import { ValidationError } from '../../errors.js';
import { decodeCursor, encodeCursor } from '../../lib/cursor.js';
import { iso } from '../../lib/schemas.js';
import { parseSeverity, parseSeverityList } from '../../lib/severity.js';
import { escapeLike, parseTextQuery, type TextQuery } from '../../lib/text-query.js';
import { resolveRange, type TimeRange } from '../../lib/time-range.js';
import { parseLabelSelector } from '../devices/devices.routes.js';

const uuidList = z
  .string()
  .max(40 * 200)
  .transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.uuid()).max(200));

/** Query-string filters common to every log endpoint. */
export const LogFilterQuery = z.object({
  tenantId: z.uuid().optional(),
  deviceIds: uuidList.optional().openapi({ description: 'comma-separated device ids', type: 'string' }),
  since: z
    .string()
    .max(20)
    .optional()
    .openapi({ description: 'relative range, e.g. 15m, 24h, 7d (default 1h)' }),
  from: z.string().max(40).optional().openapi({ description: 'absolute start, ISO-8601' }),
  to: z.string().max(40).optional().openapi({ description: 'absolute end, ISO-8601 (default now)' }),
  severity: z
    .string()
    .max(100)
    .optional()
    .openapi({ description: 'exact severities, comma-separated: 3,4 or error,warning' }),
  maxSeverity: z
    .string()
    .max(10)
    .optional()
    .openapi({ description: 'this severity and worse, e.g. warning (= 0..4)' }),
  labels: z.string().max(1000).optional().openapi({ description: 'device label selector k=v,k2=v2' }),
  q: z.string().max(500).optional().openapi({ description: 'words, "phrases", -negation' }),
});
export type LogFilterInput = z.infer<typeof LogFilterQuery>;

export interface LogFilter {
  range: TimeRange;
  tenantId?: string;
  deviceIds?: string[];
  severities?: number[];
  maxSeverity?: number;
  labels: Record<string, string>;
  text: TextQuery;
}

export function toFilter(q: LogFilterInput, defaultSince = '1h'): LogFilter {
  return {
    range: resolveRange(q, defaultSince),
    tenantId: q.tenantId,
    deviceIds: q.deviceIds && q.deviceIds.length > 0 ? q.deviceIds : undefined,
    severities: parseSeverityList(q.severity),
    maxSeverity: q.maxSeverity ? parseSeverity(q.maxSeverity) : undefined,
    labels: parseLabelSelector(q.labels),
    text: parseTextQuery(q.q),
  };
}

export function whereOf(scope: Scope, f: LogFilter): SQL {
  const w: SQL[] = [
    sql`l.time >= ${f.range.from.toISOString()}::timestamptz`,
    sql`l.time < ${f.range.to.toISOString()}::timestamptz`,
    scope.tenantPredicate(sql`l.tenant_id`),
  ];
  if (f.tenantId) w.push(sql`l.tenant_id = ${f.tenantId}::uuid`);
  if (f.deviceIds) w.push(sql`l.device_id = ANY(${`{${f.deviceIds.join(',')}}`}::uuid[])`);
  if (f.severities) w.push(sql`l.severity = ANY(${`{${f.severities.join(',')}}`}::smallint[])`);
  if (f.maxSeverity !== undefined) w.push(sql`l.severity <= ${f.maxSeverity}`);
  if (Object.keys(f.labels).length > 0) {
    w.push(
      sql`l.device_id IN (SELECT d.id FROM devices d WHERE d.labels @> ${JSON.stringify(f.labels)}::jsonb)`,
    );
  }
  for (const t of f.text.include) w.push(sql`l.message ILIKE ${'%' + escapeLike(t) + '%'}`);
  for (const t of f.text.exclude) w.push(sql`l.message NOT ILIKE ${'%' + escapeLike(t) + '%'}`);
  return sql.join(w, sql` AND `);
}

export const LogLine = z
  .object({
    time: z.string(),
    receivedAt: z.string().nullable(),
    tenantId: z.uuid(),
    deviceId: z.uuid(),
    deviceName: z.string().nullable(),
    seq: z.number(),
    severity: z.number().int(),
    message: z.string(),
    attrs: z.record(z.string(), z.unknown()).nullable(),
  })
  .openapi('LogLine');
export type LogLineDto = z.infer<typeof LogLine>;

type LogRow = {
  time: Date;
  time_us: string;
  received_at: Date | null;
  tenant_id: string;
  device_id: string;
  device_name: string | null;
  seq: string | number;
  severity: number;
  message: string;
  attrs: Record<string, unknown> | null;
};

const toLine = (r: LogRow): LogLineDto => ({
  time: iso(r.time) ?? '',
  receivedAt: iso(r.received_at),
  tenantId: r.tenant_id,
  deviceId: r.device_id,
  deviceName: r.device_name,
  seq: Number(r.seq),
  severity: Number(r.severity),
  message: r.message,
  attrs: r.attrs,
});

/**
 * One page, newest first, keyset on (time, device_id, seq): no OFFSET.
 *
 * Two steps, because PostgreSQL cannot estimate how many messages match `ILIKE '%word%'`: first the newest
 * 1/24 of the range through the (tenant, time) index in time order with bitmap scans off (a common word fills
 * the page after a few hundred rows); only if the page is not full, the rest of the range with the planner's
 * choice (for a rare word: the pg_trgm index). Both steps are ordered and cover disjoint time windows.
 */
export async function searchPage(db: Sql, scope: Scope, f: LogFilter, limit: number, cursor?: string) {
  let after = sql``;
  let upperMs = f.range.to.getTime();
  if (cursor) {
    const [us, deviceId, seq] = decodeCursor(cursor, 3);
    if (!/^-?\d+$/.test(us ?? '') || !/^-?\d+$/.test(seq ?? '') || !/^[0-9a-f-]{36}$/i.test(deviceId ?? '')) {
      throw new ValidationError('invalid cursor; pass nextCursor from the previous page unchanged');
    }
    const t = sql`(timestamptz 'epoch' + ${us}::bigint * interval '1 microsecond')`;
    after = sql` AND l.time <= ${t} AND (l.time, l.device_id, l.seq) < (${t}, ${deviceId}::uuid, ${seq}::bigint)`;
    upperMs = Math.min(upperMs, Number(us) / 1000 + 1);
  }
  const where = whereOf(scope, f);
  const fromMs = f.range.from.getTime();
  const query = (window: SQL, n: number) => sql`
    SELECT x.*, d.name AS device_name FROM (
      SELECT l.time, (extract(epoch FROM l.time) * 1000000)::bigint::text AS time_us, l.received_at, l.tenant_id,
             l.device_id, l.seq, l.severity, l.message, l.attrs
      FROM logs l WHERE ${where}${after}${window}
      ORDER BY l.time DESC, l.device_id DESC, l.seq DESC LIMIT ${n}
    ) x LEFT JOIN devices d ON d.id = x.device_id
    ORDER BY x.time DESC, x.device_id DESC, x.seq DESC`;
  const splitMs = upperMs - (f.range.to.getTime() - fromMs) / 24;
  let rows: LogRow[];
  if (f.text.include.length === 0 || splitMs <= fromMs) {
    rows = await db.rows<LogRow>(query(sql``, limit + 1));
  } else {
    const split = new Date(splitMs).toISOString();
    rows = await db.tx(async (tx) => {
      await tx.rows(sql`SET LOCAL enable_bitmapscan = off`);
      const newest = await tx.rows<LogRow>(query(sql` AND l.time >= ${split}::timestamptz`, limit + 1));
      if (newest.length > limit) return newest;
      await tx.rows(sql`SET LOCAL enable_bitmapscan = on`);
      const older = await tx.rows<LogRow>(
        query(sql` AND l.time < ${split}::timestamptz`, limit + 1 - newest.length),
      );
      return [...newest, ...older];
    });
  }
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map(toLine),
    nextCursor:
      rows.length > limit && last ? encodeCursor([last.time_us, last.device_id, String(last.seq)]) : null,
  };
}
