// Sessions and the "me" document.
import { sql } from 'drizzle-orm';
import type { Sql } from '../../db/sql.js';
import type { Role } from '../../auth/scope.js';
import { randomSecret, sha256Hex } from '../../auth/secrets.js';

export interface NewSession {
  cookie: string;
  csrf: string;
}

export async function createSession(db: Sql, userId: string, ttlSeconds: number): Promise<NewSession> {
  // housekeeping: expired sessions go away at the next sign-in
  await db.rows(sql`DELETE FROM console_sessions WHERE expires_at < now()`);
  const cookie = randomSecret();
  const csrf = randomSecret('', 24);
  await db.rows(sql`
    INSERT INTO console_sessions (id, user_id, csrf_token, expires_at)
    VALUES (${sha256Hex(cookie)}, ${userId}::uuid, ${csrf}, now() + make_interval(secs => ${ttlSeconds}))`);
  return { cookie, csrf };
}

export async function deleteSession(db: Sql, cookie: string): Promise<void> {
  await db.rows(sql`DELETE FROM console_sessions WHERE id = ${sha256Hex(cookie)}`);
}

export interface MyOrg {
  id: string;
  name: string;
  slug: string;
  role: Role;
  tenantIds: string[] | null;
}

export async function myOrganizations(db: Sql, userId: string): Promise<MyOrg[]> {
  const rows = await db.rows<{
    id: string;
    name: string;
    slug: string;
    role: Role;
    tenant_ids: string[] | null;
  }>(sql`
    SELECT o.id, o.name, o.slug, m.role, m.tenant_ids FROM memberships m
    JOIN organizations o ON o.id = m.organization_id
    WHERE m.user_id = ${userId}::uuid ORDER BY o.created_at, o.id`);
  return rows.map((r) => ({ id: r.id, name: r.name, slug: r.slug, role: r.role, tenantIds: r.tenant_ids }));
}

export async function userById(db: Sql, id: string) {
  return db.one<{ id: string; email: string; name: string | null }>(
    sql`SELECT id, email, name FROM users WHERE id = ${id}::uuid`,
  );
}
