// Members of the organization: invite (new users get a one-time password), change role, remove.
import { createRoute, z } from '@hono/zod-openapi';
import { sql } from 'drizzle-orm';
import { scopeOf } from '../../auth/middleware.js';
import { roleAtLeast, roles, type Role, type Scope } from '../../auth/scope.js';
import { randomSecret } from '../../auth/secrets.js';
import { writeAudit } from '../../audit.js';
import type { Sql } from '../../db/sql.js';
import { ConflictError, ForbiddenError, NotFoundError } from '../../errors.js';
import { router } from '../../lib/router.js';
import { body, errorResponses, iso, json } from '../../lib/schemas.js';
import type { Services } from '../../services.js';
import { Email } from '../auth/auth.schemas.js';
import { addMember } from './members.service.js';

export const Member = z
  .object({
    userId: z.uuid(),
    email: z.string(),
    name: z.string().nullable(),
    role: z.enum(roles),
    tenantIds: z.array(z.uuid()).nullable(),
    createdAt: z.string(),
  })
  .openapi('Member');

type MemberRow = {
  user_id: string;
  email: string;
  name: string | null;
  role: Role;
  tenant_ids: string[] | null;
  created_at: Date;
};
const toMember = (r: MemberRow) => ({
  userId: r.user_id,
  email: r.email,
  name: r.name,
  role: r.role,
  tenantIds: r.tenant_ids,
  createdAt: iso(r.created_at) ?? '',
});

async function memberOf(db: Sql, orgId: string, userId: string) {
  const row = await db.one<MemberRow>(sql`
    SELECT m.user_id, u.email, u.name, m.role, m.tenant_ids, u.created_at FROM memberships m JOIN users u ON u.id = m.user_id
    WHERE m.organization_id = ${orgId}::uuid AND m.user_id = ${userId}::uuid`);
  if (!row) throw new NotFoundError('member', userId);
  return toMember(row);
}

/** Only an owner grants or changes the owner role; a caller never grants more than it has. */
function assertMayGrant(scope: Scope, role: Role, current?: Role) {
  if ((role === 'owner' || current === 'owner') && scope.role !== 'owner') {
    throw new ForbiddenError('only an owner may grant, change or remove the owner role');
  }
  if (!roleAtLeast(scope.role, role)) throw new ForbiddenError(`you may not grant ${role}`);
}

async function assertTenantsOfOrg(db: Sql, orgId: string, ids: string[] | null | undefined) {
  if (!ids || ids.length === 0) return;
  const row = await db.one<{ n: number }>(sql`
    SELECT count(*)::int AS n FROM tenants WHERE organization_id = ${orgId}::uuid AND id = ANY(${`{${ids.join(',')}}`}::uuid[])`);
  if ((row?.n ?? 0) !== new Set(ids).size) throw new NotFoundError('tenant', ids.join(','));
}

async function assertNotLastOwner(db: Sql, orgId: string, userId: string) {
  const row = await db.one<{ n: number }>(sql`
    SELECT count(*)::int AS n FROM memberships WHERE organization_id = ${orgId}::uuid AND role = 'owner' AND user_id <> ${userId}::uuid`);
  if ((row?.n ?? 0) === 0)
    throw new ConflictError(
      'member.last_owner',
      'an organization keeps at least one owner; make someone else owner first',
    );
}

const Invite = z.object({
  email: Email,
  name: z.string().max(200).optional(),
  role: z.enum(roles),
  tenantIds: z
    .array(z.uuid())
    .nullable()
    .optional()
    .openapi({ description: 'limit to these tenants; null/absent = all' }),
});
const UpdateMember = z.object({
  role: z.enum(roles).optional(),
  tenantIds: z.array(z.uuid()).nullable().optional(),
});
const UserParam = z.object({ userId: z.uuid().openapi({ param: { name: 'userId', in: 'path' } }) });

export function membersRoutes(s: Services) {
  return router()
    .openapi(
      createRoute({
        method: 'get',
        path: '/',
        tags: ['members'],
        summary: 'Members of my organization',
        responses: { 200: json(z.object({ items: z.array(Member) })), ...errorResponses },
      }),
      async (c) => {
        const scope = scopeOf(c);
        const rows = await s.sql.rows<MemberRow>(sql`
          SELECT m.user_id, u.email, u.name, m.role, m.tenant_ids, u.created_at FROM memberships m JOIN users u ON u.id = m.user_id
          WHERE m.organization_id = ${scope.orgId}::uuid ORDER BY u.email`);
        return c.json({ items: rows.map(toMember) }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/',
        tags: ['members'],
        summary: 'Invite a member (admin+). A new user gets a one-time password, shown once in the response',
        request: { body: body(Invite) },
        responses: {
          201: json(z.object({ member: Member, oneTimePassword: z.string().nullable() }), 'Invited'),
          ...errorResponses,
        },
      }),
      async (c) => {
        const scope = scopeOf(c);
        scope.require('members.write');
        const input = c.req.valid('json');
        assertMayGrant(scope, input.role);
        const password = randomSecret('', 12);
        const result = await s.sql.tx(async (tx) => {
          await assertTenantsOfOrg(tx, scope.orgId, input.tenantIds);
          const added = await addMember(tx, { orgId: scope.orgId, ...input, password });
          await writeAudit(tx, scope, {
            action: 'member.invite',
            targetType: 'user',
            targetId: added.userId,
            details: {
              email: input.email,
              role: input.role,
              tenantIds: input.tenantIds ?? null,
              newUser: added.created,
            },
          });
          return {
            member: await memberOf(tx, scope.orgId, added.userId),
            oneTimePassword: added.created ? password : null,
          };
        });
        return c.json(result, 201);
      },
    )
    .openapi(
      createRoute({
        method: 'patch',
        path: '/{userId}',
        tags: ['members'],
        summary: 'Change a member role or tenant limits (admin+; owner role by owners only)',
        request: { params: UserParam, body: body(UpdateMember) },
        responses: { 200: json(Member), ...errorResponses },
      }),
      async (c) => {
        const scope = scopeOf(c);
        scope.require('members.write');
        const { userId } = c.req.valid('param');
        const input = c.req.valid('json');
        const member = await s.sql.tx(async (tx) => {
          const current = await memberOf(tx, scope.orgId, userId);
          const role = input.role ?? current.role;
          assertMayGrant(scope, role, current.role);
          if (current.role === 'owner' && role !== 'owner') await assertNotLastOwner(tx, scope.orgId, userId);
          await assertTenantsOfOrg(tx, scope.orgId, input.tenantIds);
          const tenantIds =
            input.tenantIds === undefined
              ? current.tenantIds
              : input.tenantIds?.length
                ? input.tenantIds
                : null;
          await tx.rows(sql`UPDATE memberships SET role = ${role},
              tenant_ids = ${tenantIds === null ? null : `{${tenantIds.join(',')}}`}::uuid[]
            WHERE organization_id = ${scope.orgId}::uuid AND user_id = ${userId}::uuid`);
          await writeAudit(tx, scope, {
            action: 'member.update',
            targetType: 'user',
            targetId: userId,
            details: { email: current.email, role, tenantIds },
          });
          return memberOf(tx, scope.orgId, userId);
        });
        return c.json(member, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'delete',
        path: '/{userId}',
        tags: ['members'],
        summary:
          'Remove a member (admin+; owners by owners only; never the last owner). Their API tokens stop working',
        request: { params: UserParam },
        responses: { 204: { description: 'Removed' }, ...errorResponses },
      }),
      async (c) => {
        const scope = scopeOf(c);
        scope.require('members.write');
        const { userId } = c.req.valid('param');
        await s.sql.tx(async (tx) => {
          const current = await memberOf(tx, scope.orgId, userId);
          assertMayGrant(scope, current.role, current.role);
          if (current.role === 'owner') await assertNotLastOwner(tx, scope.orgId, userId);
          await tx.rows(
            sql`DELETE FROM memberships WHERE organization_id = ${scope.orgId}::uuid AND user_id = ${userId}::uuid`,
          );
          await tx.rows(sql`UPDATE api_tokens SET revoked_at = now()
            WHERE organization_id = ${scope.orgId}::uuid AND user_id = ${userId}::uuid AND revoked_at IS NULL`);
          await writeAudit(tx, scope, {
            action: 'member.remove',
            targetType: 'user',
            targetId: userId,
            details: { email: current.email, role: current.role },
          });
        });
        return c.body(null, 204);
      },
    );
}
