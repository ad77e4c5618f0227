// Fleet overview: counts, online/offline/disabled, per tenant, and the storage mode/edition.
import { createRoute, z } from '@hono/zod-openapi';
import { sql } from 'drizzle-orm';
import { scopeOf } from '../../auth/middleware.js';
import { router } from '../../lib/router.js';
import { errorResponses, json } from '../../lib/schemas.js';
import type { Services } from '../../services.js';

const Fleet = z
  .object({
    tenants: z.number().int(),
    devices: z.number().int(),
    online: z.number().int(),
    offline: z.number().int(),
    disabled: z.number().int(),
    logsLastHour: z.number().int(),
    perTenant: z.array(
      z.object({
        tenantId: z.uuid(),
        name: z.string(),
        devices: z.number().int(),
        online: z.number().int(),
        disabled: z.number().int(),
      }),
    ),
    storage: z.object({
      mode: z.enum(['timescaledb', 'postgres', 'pglite']),
      edition: z.enum(['apache', 'timescale']).nullable(),
      hypertables: z.array(z.string()),
    }),
  })
  .openapi('Fleet');

export function fleetRoutes(s: Services) {
  return router().openapi(
    createRoute({
      method: 'get',
      path: '/',
      tags: ['fleet'],
      summary: 'Fleet overview in scope and the storage mode/edition the system runs on',
      responses: { 200: json(Fleet), ...errorResponses },
    }),
    async (c) => {
      const scope = scopeOf(c);
      const rows = await s.sql.rows<{
        id: string;
        name: string;
        devices: number;
        online: number;
        disabled: number;
      }>(sql`
        SELECT t.id, t.name, count(d.id)::int AS devices,
          count(d.id) FILTER (WHERE d.online AND d.disabled_at IS NULL)::int AS online,
          count(d.id) FILTER (WHERE d.disabled_at IS NOT NULL)::int AS disabled
        FROM tenants t LEFT JOIN devices d ON d.tenant_id = t.id
        WHERE ${scope.tenantPredicate(sql`t.id`)} GROUP BY t.id, t.name ORDER BY t.name, t.id`);
      const logs = await s.sql.one<{ n: number }>(sql`
        SELECT count(*)::int AS n FROM logs l WHERE l.time > now() - interval '1 hour' AND ${scope.tenantPredicate(sql`l.tenant_id`)}`);
      const sum = (k: 'devices' | 'online' | 'disabled') => rows.reduce((a, r) => a + Number(r[k]), 0);
      const storage = await s.storage();
      return c.json(
        {
          tenants: rows.length,
          devices: sum('devices'),
          online: sum('online'),
          offline: sum('devices') - sum('online') - sum('disabled'),
          disabled: sum('disabled'),
          logsLastHour: logs?.n ?? 0,
          perTenant: rows.map((r) => ({
            tenantId: r.id,
            name: r.name,
            devices: Number(r.devices),
            online: Number(r.online),
            disabled: Number(r.disabled),
          })),
          storage,
        },
        200,
      );
    },
  );
}
