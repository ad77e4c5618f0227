// One middleware resolves the caller (session cookie or Bearer API token), checks CSRF on unsafe
// methods for cookie sessions, and resolves the organization scope. Handlers read `scopeOf(c)`.
import type { Context, MiddlewareHandler } from 'hono';
import { sql } from 'drizzle-orm';
import type { AppEnv } from '../app-env.js';
import { CsrfError, ForbiddenError, UnauthenticatedError, ValidationError } from '../errors.js';
import { CSRF_HEADER, sessionCookie } from './cookies.js';
import { minRole, Scope, uuidArray, type Caller, type Role } from './scope.js';
import type { Sql } from '../db/sql.js';
import { safeEqual, sha256Hex } from './secrets.js';

/** Paths under /api that need no caller. */
const publicPaths = new Set(['/api/setup', '/api/auth/login', '/api/openapi.json']);
const unsafeMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const uuidRe = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type MembershipRow = { organization_id: string; role: Role; tenant_ids: string[] | null };

export function authenticate(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (publicPaths.has(c.req.path)) return next();
    const db = c.var.sql;
    const requestedOrg = c.req.header('x-org-id') ?? c.req.query('orgId');
    if (requestedOrg !== undefined && !uuidRe.test(requestedOrg)) {
      throw new ValidationError('x-org-id (or ?orgId=) must be an organization uuid');
    }
    const bearer = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
    if (bearer !== undefined) {
      const row = await db.one<
        MembershipRow & {
          id: string;
          user_id: string;
          email: string;
          token_role: Role;
          last_used_at: Date | null;
        }
      >(sql`
        SELECT t.id, t.user_id, t.last_used_at, t.organization_id, t.role AS token_role, m.role, m.tenant_ids, u.email
        FROM api_tokens t
        JOIN memberships m ON m.user_id = t.user_id AND m.organization_id = t.organization_id
        JOIN users u ON u.id = t.user_id
        WHERE t.token_hash = ${sha256Hex(bearer)} AND t.revoked_at IS NULL`);
      if (!row) throw new UnauthenticatedError('unknown or revoked API token');
      if (requestedOrg !== undefined && requestedOrg !== row.organization_id) {
        throw new ForbiddenError('this API token belongs to another organization');
      }
      if (row.last_used_at === null || Date.now() - new Date(row.last_used_at).getTime() > 60_000) {
        await db.rows(sql`UPDATE api_tokens SET last_used_at = now() WHERE id = ${row.id}::uuid`);
      }
      const caller: Caller = { userId: row.user_id, email: row.email, via: 'token', tokenId: row.id };
      c.set('caller', caller);
      c.set('csrf', null);
      c.set(
        'scope',
        new Scope(
          caller,
          row.organization_id,
          minRole(row.token_role, row.role),
          row.tenant_ids,
          await visibleTenants(db, row),
        ),
      );
      return next();
    }
    const cookie = sessionCookie(c);
    if (cookie === undefined) throw new UnauthenticatedError();
    const session = await db.one<{ user_id: string; csrf_token: string; email: string }>(sql`
      SELECT s.user_id, s.csrf_token, u.email FROM console_sessions s JOIN users u ON u.id = s.user_id
      WHERE s.id = ${sha256Hex(cookie)} AND s.expires_at > now()`);
    if (!session) throw new UnauthenticatedError('session expired or signed out; sign in again');
    if (unsafeMethods.has(c.req.method)) {
      const header = c.req.header(CSRF_HEADER);
      if (header === undefined || !safeEqual(header, session.csrf_token)) throw new CsrfError();
    }
    const caller: Caller = { userId: session.user_id, email: session.email, via: 'session' };
    c.set('caller', caller);
    c.set('csrf', session.csrf_token);
    const orgFilter =
      requestedOrg === undefined ? sql`` : sql` AND m.organization_id = ${requestedOrg}::uuid`;
    const m = await db.one<MembershipRow>(sql`
      SELECT m.organization_id, m.role, m.tenant_ids FROM memberships m
      JOIN organizations o ON o.id = m.organization_id
      WHERE m.user_id = ${session.user_id}::uuid${orgFilter}
      ORDER BY o.created_at, o.id LIMIT 1`);
    if (!m && requestedOrg !== undefined)
      throw new ForbiddenError('you are not a member of that organization');
    c.set(
      'scope',
      m ? new Scope(caller, m.organization_id, m.role, m.tenant_ids, await visibleTenants(db, m)) : null,
    );
    return next();
  };
}

/** Tenant ids of the organization the membership may see (all, or its tenant_ids that still exist there). */
async function visibleTenants(db: Sql, m: MembershipRow): Promise<string[]> {
  const limit = m.tenant_ids === null ? sql`` : sql` AND id = ANY(${uuidArray(m.tenant_ids)})`;
  const rows = await db.rows<{ id: string }>(
    sql`SELECT id FROM tenants WHERE organization_id = ${m.organization_id}::uuid${limit}`,
  );
  return rows.map((r) => r.id);
}

/** The caller's organization scope; 403 when the caller belongs to no organization. */
export function scopeOf(c: Context<AppEnv>): Scope {
  const scope = c.get('scope');
  if (!scope) throw new ForbiddenError('you are not a member of any organization');
  return scope;
}
