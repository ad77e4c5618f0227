// Tenants of the caller's organization (limited to the caller's tenants when the membership is).
import { createRoute, z } from '@hono/zod-openapi';
import { sql } from 'drizzle-orm';
import { scopeOf } from '../../auth/middleware.js';
import type { Scope } from '../../auth/scope.js';
import { writeAudit } from '../../audit.js';
import type { Sql } from '../../db/sql.js';
import { ConflictError, NotFoundError } from '../../errors.js';
import { router } from '../../lib/router.js';
import { body, errorResponses, IdParam, iso, json, Slug, slugify } from '../../lib/schemas.js';
import type { Services } from '../../services.js';

export const Tenant = z
  .object({
    id: z.uuid(),
    organizationId: z.uuid(),
    name: z.string(),
    slug: z.string(),
    createdAt: z.string(),
    deviceCount: z.number().int(),
  })
  .openapi('Tenant');

type TenantRow = {
  id: string;
  organization_id: string;
  name: string;
  slug: string;
  created_at: Date;
  device_count: number;
};
const toTenant = (r: TenantRow) => ({
  id: r.id,
  organizationId: r.organization_id,
  name: r.name,
  slug: r.slug,
  createdAt: iso(r.created_at) ?? '',
  deviceCount: Number(r.device_count),
});

const select = sql`SELECT t.id, t.organization_id, t.name, t.slug, t.created_at,
  (SELECT count(*)::int FROM devices d WHERE d.tenant_id = t.id) AS device_count FROM tenants t`;

/** The tenant if it is in the caller's scope; 404 otherwise (no hint that it exists elsewhere). */
export async function tenantInScope(db: Sql, scope: Scope, id: string) {
  const row = await db.one<TenantRow>(
    sql`${select} WHERE t.id = ${id}::uuid AND ${scope.tenantPredicate(sql`t.id`)}`,
  );
  if (!row) throw new NotFoundError('tenant', id);
  return toTenant(row);
}

const CreateTenant = z.object({ name: z.string().min(1).max(200), slug: Slug.optional() });
const UpdateTenant = z.object({ name: z.string().min(1).max(200).optional(), slug: Slug.optional() });

export function tenantsRoutes(s: Services) {
  return router()
    .openapi(
      createRoute({
        method: 'get',
        path: '/',
        tags: ['tenants'],
        summary: 'List tenants in scope',
        responses: { 200: json(z.object({ items: z.array(Tenant) })), ...errorResponses },
      }),
      async (c) => {
        const scope = scopeOf(c);
        const rows = await s.sql.rows<TenantRow>(
          sql`${select} WHERE ${scope.tenantPredicate(sql`t.id`)} ORDER BY t.name, t.id`,
        );
        return c.json({ items: rows.map(toTenant) }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/',
        tags: ['tenants'],
        summary: 'Create a tenant (admin+, with access to all tenants)',
        request: { body: body(CreateTenant) },
        responses: { 201: json(Tenant, 'Created'), ...errorResponses },
      }),
      async (c) => {
        const scope = scopeOf(c);
        scope.require('tenants.write');
        const input = c.req.valid('json');
        const slug = input.slug ?? slugify(input.name);
        const tenant = await s.sql.tx(async (tx) => {
          const dup = await tx.one(
            sql`SELECT 1 FROM tenants WHERE organization_id = ${scope.orgId}::uuid AND slug = ${slug}`,
          );
          if (dup)
            throw new ConflictError(
              'tenant.duplicate',
              `a tenant with slug "${slug}" exists; choose another name or slug`,
            );
          const row = await tx.one<{ id: string }>(sql`
            INSERT INTO tenants (organization_id, name, slug) VALUES (${scope.orgId}::uuid, ${input.name}, ${slug}) RETURNING id`);
          if (!row) throw new Error('insert into tenants returned no row');
          await writeAudit(tx, scope, {
            action: 'tenant.create',
            targetType: 'tenant',
            targetId: row.id,
            tenantId: row.id,
            details: { name: input.name, slug },
          });
          // not yet in this request's scope (resolved before the insert): read it by id
          const created = await tx.one<TenantRow>(sql`${select} WHERE t.id = ${row.id}::uuid`);
          if (!created) throw new Error('created tenant not found');
          return toTenant(created);
        });
        return c.json(tenant, 201);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/{id}',
        tags: ['tenants'],
        summary: 'One tenant',
        request: { params: IdParam },
        responses: { 200: json(Tenant), ...errorResponses },
      }),
      async (c) => c.json(await tenantInScope(s.sql, scopeOf(c), c.req.valid('param').id), 200),
    )
    .openapi(
      createRoute({
        method: 'patch',
        path: '/{id}',
        tags: ['tenants'],
        summary: 'Rename a tenant (admin+)',
        request: { params: IdParam, body: body(UpdateTenant) },
        responses: { 200: json(Tenant), ...errorResponses },
      }),
      async (c) => {
        const scope = scopeOf(c);
        scope.require('tenants.write');
        const { id } = c.req.valid('param');
        const input = c.req.valid('json');
        const tenant = await s.sql.tx(async (tx) => {
          await tenantInScope(tx, scope, id);
          await tx.rows(sql`UPDATE tenants SET name = coalesce(${input.name ?? null}, name), slug = coalesce(${input.slug ?? null}, slug)
            WHERE id = ${id}::uuid`);
          await writeAudit(tx, scope, {
            action: 'tenant.update',
            targetType: 'tenant',
            targetId: id,
            tenantId: id,
            details: input,
          });
          return tenantInScope(tx, scope, id);
        });
        return c.json(tenant, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'delete',
        path: '/{id}',
        tags: ['tenants'],
        summary: 'Delete an empty tenant (admin+); 409 while it has devices',
        request: { params: IdParam },
        responses: { 204: { description: 'Deleted' }, ...errorResponses },
      }),
      async (c) => {
        const scope = scopeOf(c);
        scope.require('tenants.write');
        const { id } = c.req.valid('param');
        await s.sql.tx(async (tx) => {
          const t = await tenantInScope(tx, scope, id);
          if (t.deviceCount > 0)
            throw new ConflictError(
              'tenant.not_empty',
              `tenant has ${t.deviceCount} devices; delete them first`,
            );
          await tx.rows(sql`DELETE FROM tenants WHERE id = ${id}::uuid`);
          await writeAudit(tx, scope, {
            action: 'tenant.delete',
            targetType: 'tenant',
            targetId: id,
            tenantId: id,
            details: { name: t.name },
          });
        });
        return c.body(null, 204);
      },
    );
}
