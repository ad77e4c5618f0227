// Dead letters: records the processor refused (bad JSON, wrong types, bad timestamps...), newest first, so
// operators can find and fix what a device sends. Only rows of tenants in the caller's scope are visible; rows
// stored without a tenant (the tenant could not be resolved) are never shown by the console.
import { createRoute, z } from '@hono/zod-openapi';
import { sql, type SQL } from 'drizzle-orm';
import { scopeOf } from '../../auth/middleware.js';
import { decodeCursor, encodeCursor } from '../../lib/cursor.js';
import { router } from '../../lib/router.js';
import { errorResponses, iso, json } from '../../lib/schemas.js';
import { ValidationError } from '../../errors.js';
import type { Services } from '../../services.js';

/** Bytes of the payload returned as text in each item. */
export const PREVIEW_BYTES = 512;

const DeadLetterQuery = z.object({
  tenantId: z.uuid().optional(),
  deviceId: z.uuid().optional(),
  code: z.string().max(100).optional().openapi({ description: 'exact code, e.g. payload.json' }),
  from: z.string().max(40).optional().openapi({ description: 'ISO-8601, inclusive' }),
  to: z.string().max(40).optional().openapi({ description: 'ISO-8601, exclusive' }),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(200).optional(),
});
const CodesQuery = z.object({
  tenantId: z.uuid().optional(),
  deviceId: z.uuid().optional(),
});
const DeadLetter = z
  .object({
    id: z.number().int(),
    receivedAt: z.string(),
    tenantId: z.uuid(),
    deviceId: z.uuid().nullable(),
    deviceName: z.string().nullable(),
    channel: z.string(),
    code: z.string(),
    reason: z.string(),
    payloadPreview: z
      .string()
      .nullable()
      .openapi({
        description: `first ${PREVIEW_BYTES} bytes of the payload as UTF-8 (U+FFFD where invalid)`,
      }),
    payloadBytes: z.number().int(),
  })
  .openapi('DeadLetter');

function time(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new ValidationError(`${name} must be an ISO-8601 time`);
  return d.toISOString();
}

export function deadLettersRoutes(s: Services) {
  return router()
    .openapi(
      createRoute({
        method: 'get',
        path: '/',
        tags: ['dead-letters'],
        summary: 'Records the processor refused, in my scope, newest first',
        request: { query: DeadLetterQuery },
        responses: {
          200: json(z.object({ items: z.array(DeadLetter), nextCursor: z.string().nullable() })),
          ...errorResponses,
        },
      }),
      async (c) => {
        const scope = scopeOf(c);
        scope.require('read');
        const q = c.req.valid('query');
        const from = time(q.from, 'from');
        const to = time(q.to, 'to');
        const w: SQL[] = [scope.tenantPredicate(sql`d.tenant_id`)];
        if (q.tenantId) w.push(sql`d.tenant_id = ${q.tenantId}::uuid`);
        if (q.deviceId) w.push(sql`d.device_id = ${q.deviceId}::uuid`);
        if (q.code) w.push(sql`d.code = ${q.code}`);
        if (from) w.push(sql`d.received_at >= ${from}::timestamptz`);
        if (to) w.push(sql`d.received_at < ${to}::timestamptz`);
        if (q.cursor) {
          // (received_at in epoch microseconds, id): exact, no millisecond rounding
          const [us, id] = decodeCursor(q.cursor, 2);
          if (!/^-?\d{1,20}$/.test(us ?? '') || !/^\d{1,20}$/.test(id ?? ''))
            throw new ValidationError('invalid cursor; pass nextCursor from the previous page unchanged');
          w.push(
            sql`(d.received_at, d.id) < (timestamptz 'epoch' + ${us}::bigint * interval '1 microsecond', ${id}::bigint)`,
          );
        }
        const rows = await s.sql.rows<{
          id: string | number;
          received_at: Date | string;
          us: string;
          tenant_id: string;
          device_id: string | null;
          device_name: string | null;
          channel: string;
          code: string;
          reason: string;
          preview: string | null;
          payload_bytes: string | number | null;
        }>(sql`
          SELECT d.id, d.received_at,
            ((extract(epoch FROM d.received_at) * 1000000)::numeric(30,0))::text AS us,
            d.tenant_id, d.device_id, dv.name AS device_name, d.channel, d.code, d.reason,
            encode(substring(d.payload FROM 1 FOR ${PREVIEW_BYTES}), 'base64') AS preview,
            octet_length(d.payload) AS payload_bytes
          FROM dead_letters d
          LEFT JOIN devices dv ON dv.id = d.device_id AND dv.tenant_id = d.tenant_id
          WHERE ${sql.join(w, sql` AND `)}
          ORDER BY d.received_at DESC, d.id DESC
          LIMIT ${q.limit + 1}`);
        const page = rows.slice(0, q.limit);
        const last = page[page.length - 1];
        const decoder = new TextDecoder('utf-8');
        return c.json(
          {
            items: page.map((r) => ({
              id: Number(r.id),
              receivedAt: iso(r.received_at) ?? '',
              tenantId: r.tenant_id,
              deviceId: r.device_id,
              deviceName: r.device_name,
              channel: r.channel,
              code: r.code,
              reason: r.reason,
              payloadPreview:
                r.preview === null
                  ? null
                  : decoder.decode(Buffer.from(r.preview.replace(/\s/g, ''), 'base64')),
              payloadBytes: Number(r.payload_bytes ?? 0),
            })),
            nextCursor: rows.length > q.limit && last ? encodeCursor([last.us, String(last.id)]) : null,
          },
          200,
        );
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/codes',
        tags: ['dead-letters'],
        summary: 'Dead letters per code over the last 24 hours, in my scope (most frequent first)',
        request: { query: CodesQuery },
        responses: {
          200: json(
            z.object({
              since: z.string(),
              total: z.number().int(),
              items: z.array(z.object({ code: z.string(), count: z.number().int(), lastAt: z.string() })),
            }),
          ),
          ...errorResponses,
        },
      }),
      async (c) => {
        const scope = scopeOf(c);
        scope.require('read');
        const q = c.req.valid('query');
        const since = new Date(Date.now() - 24 * 3600_000).toISOString();
        const w: SQL[] = [
          scope.tenantPredicate(sql`d.tenant_id`),
          sql`d.received_at >= ${since}::timestamptz`,
        ];
        if (q.tenantId) w.push(sql`d.tenant_id = ${q.tenantId}::uuid`);
        if (q.deviceId) w.push(sql`d.device_id = ${q.deviceId}::uuid`);
        const rows = await s.sql.rows<{ code: string; count: string | number; last_at: Date | string }>(sql`
          SELECT d.code, count(*) AS count, max(d.received_at) AS last_at FROM dead_letters d
          WHERE ${sql.join(w, sql` AND `)}
          GROUP BY d.code ORDER BY count(*) DESC, d.code`);
        const items = rows.map((r) => ({
          code: r.code,
          count: Number(r.count),
          lastAt: iso(r.last_at) ?? '',
        }));
        return c.json({ since, total: items.reduce((n, i) => n + i.count, 0), items }, 200);
      },
    );
}
