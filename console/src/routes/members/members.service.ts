// Users and memberships, shared by setup, invitations and the `iotlog user create` CLI.
import { sql } from 'drizzle-orm';
import type { Sql } from '../../db/sql.js';
import type { Role } from '../../auth/scope.js';
import { hashPassword } from '../../auth/password.js';
import { ConflictError } from '../../errors.js';

export interface AddMemberInput {
  orgId: string;
  email: string;
  name?: string | null;
  role: Role;
  tenantIds?: string[] | null;
  /** Password for a new user; ignored when the user exists. */
  password: string;
}

/** Create the user if needed (argon2id hash) and add the membership. Returns whether the user is new. */
export async function addMember(
  db: Sql,
  input: AddMemberInput,
): Promise<{ userId: string; created: boolean }> {
  const email = input.email.toLowerCase();
  let user = await db.one<{ id: string }>(sql`SELECT id FROM users WHERE email = ${email}`);
  let created = false;
  if (!user) {
    const hash = await hashPassword(input.password);
    user = await db.one<{ id: string }>(sql`
      INSERT INTO users (email, name, password_hash) VALUES (${email}, ${input.name ?? email.split('@')[0] ?? email}, ${hash}) RETURNING id`);
    created = true;
  }
  if (!user) throw new Error('insert into users returned no row');
  const tenantIds = input.tenantIds && input.tenantIds.length > 0 ? input.tenantIds : null;
  const inserted = await db.rows(sql`
    INSERT INTO memberships (user_id, organization_id, role, tenant_ids)
    VALUES (${user.id}::uuid, ${input.orgId}::uuid, ${input.role},
            ${tenantIds === null ? null : `{${tenantIds.join(',')}}`}::uuid[])
    ON CONFLICT DO NOTHING RETURNING user_id`);
  if (inserted.length === 0)
    throw new ConflictError('member.exists', `${email} is already a member of this organization`);
  return { userId: user.id, created };
}

export async function countUsers(db: Sql): Promise<number> {
  const row = await db.one<{ n: number }>(sql`SELECT count(*)::int AS n FROM users`);
  return row?.n ?? 0;
}

export async function createOrganization(db: Sql, name: string, slug: string): Promise<{ id: string }> {
  const row = await db.one<{ id: string }>(
    sql`INSERT INTO organizations (name, slug) VALUES (${name}, ${slug}) RETURNING id`,
  );
  if (!row) throw new Error('insert into organizations returned no row');
  return row;
}
