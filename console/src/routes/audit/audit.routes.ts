// The audit log of the organization: who changed what and when, searchable, newest first.
import { createRoute, z } from '@hono/zod-openapi';
import { sql, type SQL } from 'drizzle-orm';
import { scopeOf } from '../../auth/middleware.js';
import { decodeCursor, encodeCursor } from '../../lib/cursor.js';
import { router } from '../../lib/router.js';
import { errorResponses, iso, json } from '../../lib/schemas.js';
import { escapeLike, parseTextQuery } from '../../lib/text-query.js';
import { resolveRange } from '../../lib/time-range.js';
import type { Services } from '../../services.js';

const AuditQuery = z.object({
  q: z
    .string()
    .max(500)
    .optional()
    .openapi({ description: 'words/"phrases"/-negation over actor, action, target and details' }),
  action: z
    .string()
    .max(100)
    .optional()
    .openapi({ description: 'action prefix, e.g. device. or device.create' }),
  tenantId: z.uuid().optional(),
  since: z.string().max(20).optional().openapi({ description: 'relative range (default 30d)' }),
  from: z.string().max(40).optional(),
  to: z.string().max(40).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(200).optional(),
});
const AuditEntry = z
  .object({
    id: z.number().int(),
    at: z.string(),
    tenantId: z.uuid().nullable(),
    actor: z.string(),
    action: z.string(),
    targetType: z.string(),
    targetId: z.string(),
    details: z.record(z.string(), z.unknown()).nullable(),
  })
  .openapi('AuditEntry');

export function auditRoutes(s: Services) {
  return router().openapi(
    createRoute({
      method: 'get',
      path: '/',
      tags: ['audit'],
      summary: 'Audit log of my organization (admin+), newest first',
      request: { query: AuditQuery },
      responses: {
        200: json(z.object({ items: z.array(AuditEntry), nextCursor: z.string().nullable() })),
        ...errorResponses,
      },
    }),
    async (c) => {
      const scope = scopeOf(c);
      scope.require('audit.read');
      const q = c.req.valid('query');
      const range = resolveRange(q, '30d');
      const w: SQL[] = [
        sql`a.organization_id = ${scope.orgId}::uuid`,
        sql`a.at >= ${range.from.toISOString()}::timestamptz AND a.at < ${range.to.toISOString()}::timestamptz`,
      ];
      if (scope.tenantIds !== null)
        w.push(sql`(a.tenant_id IS NULL OR ${scope.tenantPredicate(sql`a.tenant_id`)})`);
      if (q.tenantId) w.push(sql`a.tenant_id = ${q.tenantId}::uuid`);
      if (q.action) w.push(sql`a.action LIKE ${escapeLike(q.action) + '%'}`);
      const text = parseTextQuery(q.q);
      const hay = sql`(a.actor || ' ' || a.action || ' ' || a.target_type || ' ' || a.target_id || ' ' || coalesce(a.details::text, ''))`;
      for (const t of text.include) w.push(sql`${hay} ILIKE ${'%' + escapeLike(t) + '%'}`);
      for (const t of text.exclude) w.push(sql`${hay} NOT ILIKE ${'%' + escapeLike(t) + '%'}`);
      if (q.cursor) {
        const [id] = decodeCursor(q.cursor, 1);
        w.push(sql`a.id < ${Number(id)}`);
      }
      const rows = await s.sql.rows<{
        id: string | number;
        at: Date;
        tenant_id: string | null;
        actor: string;
        action: string;
        target_type: string;
        target_id: string;
        details: Record<string, unknown> | null;
      }>(sql`
        SELECT a.id, a.at, a.tenant_id, a.actor, a.action, a.target_type, a.target_id, a.details FROM audit_log a
        WHERE ${sql.join(w, sql` AND `)} ORDER BY a.id DESC LIMIT ${q.limit + 1}`);
      const page = rows.slice(0, q.limit);
      const last = page[page.length - 1];
      return c.json(
        {
          items: page.map((r) => ({
            id: Number(r.id),
            at: iso(r.at) ?? '',
            tenantId: r.tenant_id,
            actor: r.actor,
            action: r.action,
            targetType: r.target_type,
            targetId: r.target_id,
            details: r.details,
          })),
          nextCursor: rows.length > q.limit && last ? encodeCursor([Number(last.id)]) : null,
        },
        200,
      );
    },
  );
}
