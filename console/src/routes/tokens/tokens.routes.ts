// API tokens (Bearer) for automation: bound to one organization and its creator; role <= the creator's.
import { createRoute, z } from '@hono/zod-openapi';
import { sql } from 'drizzle-orm';
import { scopeOf } from '../../auth/middleware.js';
import { roleAtLeast, roles, type Role } from '../../auth/scope.js';
import { newApiToken, sha256Hex } from '../../auth/secrets.js';
import { writeAudit } from '../../audit.js';
import { ForbiddenError, NotFoundError } from '../../errors.js';
import { router } from '../../lib/router.js';
import { body, errorResponses, IdParam, iso, json } from '../../lib/schemas.js';
import type { Services } from '../../services.js';

export const ApiToken = z
  .object({
    id: z.uuid(),
    name: z.string(),
    role: z.enum(roles),
    userId: z.uuid(),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
  })
  .openapi('ApiToken');

type TokenRow = {
  id: string;
  name: string;
  role: Role;
  user_id: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
};
const toToken = (r: TokenRow) => ({
  id: r.id,
  name: r.name,
  role: r.role,
  userId: r.user_id,
  createdAt: iso(r.created_at) ?? '',
  lastUsedAt: iso(r.last_used_at),
  revokedAt: iso(r.revoked_at),
});

const CreateToken = z.object({ name: z.string().min(1).max(200), role: z.enum(roles).default('viewer') });

export function tokensRoutes(s: Services) {
  return router()
    .openapi(
      createRoute({
        method: 'get',
        path: '/',
        tags: ['api tokens'],
        summary: 'API tokens of my organization (admins see all, others their own)',
        responses: { 200: json(z.object({ items: z.array(ApiToken) })), ...errorResponses },
      }),
      async (c) => {
        const scope = scopeOf(c);
        const mine = scope.can('members.write') ? sql`` : sql` AND user_id = ${scope.caller.userId}::uuid`;
        const rows = await s.sql.rows<TokenRow>(sql`
          SELECT id, name, role, user_id, created_at, last_used_at, revoked_at FROM api_tokens
          WHERE organization_id = ${scope.orgId}::uuid${mine} ORDER BY created_at DESC, id`);
        return c.json({ items: rows.map(toToken) }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/',
        tags: ['api tokens'],
        summary: 'Create an API token for myself (role at most mine); the token is shown once',
        request: { body: body(CreateToken) },
        responses: {
          201: json(z.object({ token: z.string(), apiToken: ApiToken }), 'Created'),
          ...errorResponses,
        },
      }),
      async (c) => {
        const scope = scopeOf(c);
        const input = c.req.valid('json');
        if (scope.caller.via === 'token')
          throw new ForbiddenError('API tokens cannot create API tokens; sign in');
        if (!roleAtLeast(scope.role, input.role))
          throw new ForbiddenError(`your role ${scope.role} cannot create a ${input.role} token`);
        const token = newApiToken();
        const row = await s.sql.tx(async (tx) => {
          const r = await tx.one<TokenRow>(sql`
            INSERT INTO api_tokens (organization_id, user_id, name, token_hash, role)
            VALUES (${scope.orgId}::uuid, ${scope.caller.userId}::uuid, ${input.name}, ${sha256Hex(token)}, ${input.role})
            RETURNING id, name, role, user_id, created_at, last_used_at, revoked_at`);
          if (!r) throw new Error('insert into api_tokens returned no row');
          await writeAudit(tx, scope, {
            action: 'api_token.create',
            targetType: 'api_token',
            targetId: r.id,
            details: { name: input.name, role: input.role },
          });
          return r;
        });
        return c.json({ token, apiToken: toToken(row) }, 201);
      },
    )
    .openapi(
      createRoute({
        method: 'delete',
        path: '/{id}',
        tags: ['api tokens'],
        summary: 'Revoke an API token (mine, or any of the organization for admin+)',
        request: { params: IdParam },
        responses: { 204: { description: 'Revoked' }, ...errorResponses },
      }),
      async (c) => {
        const scope = scopeOf(c);
        const { id } = c.req.valid('param');
        const mine = scope.can('members.write') ? sql`` : sql` AND user_id = ${scope.caller.userId}::uuid`;
        await s.sql.tx(async (tx) => {
          const r = await tx.rows(sql`UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now())
            WHERE id = ${id}::uuid AND organization_id = ${scope.orgId}::uuid${mine} RETURNING id`);
          if (r.length === 0) throw new NotFoundError('api_token', id);
          await writeAudit(tx, scope, { action: 'api_token.revoke', targetType: 'api_token', targetId: id });
        });
        return c.body(null, 204);
      },
    );
}
