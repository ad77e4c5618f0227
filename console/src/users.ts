// `iotlog user create`: the first owner (or any member) from the command line.
import { sql } from 'drizzle-orm';
import { randomSecret } from './auth/secrets.js';
import type { Role } from './auth/scope.js';
import { writeAudit } from './audit.js';
import { createSql } from './db/sql.js';
import type { DrizzleLike } from './db/sql.js';
import { NotFoundError, ValidationError } from './errors.js';
import { addMember } from './routes/members/members.service.js';

export interface CreateUserInput {
  /** Organization id or slug. */
  org: string;
  email: string;
  role: Role;
  name?: string;
  /** When absent, a one-time password is generated and returned. */
  password?: string;
  actor: string;
}

export async function createUser(
  db: DrizzleLike,
  input: CreateUserInput,
): Promise<{ userId: string; orgId: string; password: string | null; created: boolean }> {
  if (!/^[^@\s]+@[^@\s]+$/.test(input.email))
    throw new ValidationError(`"${input.email}" is not an email address`);
  if (input.password !== undefined && input.password.length < 10)
    throw new ValidationError('the password needs at least 10 characters');
  const s = createSql(db);
  return s.tx(async (tx) => {
    const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(input.org);
    const org = await tx.one<{ id: string }>(
      isUuid
        ? sql`SELECT id FROM organizations WHERE id = ${input.org}::uuid`
        : sql`SELECT id FROM organizations WHERE slug = ${input.org}`,
    );
    if (!org)
      throw new NotFoundError('organization', `${input.org} (create it with \`iotlog org create NAME\`)`);
    const password = input.password ?? randomSecret('', 12);
    const added = await addMember(tx, {
      orgId: org.id,
      email: input.email,
      name: input.name,
      role: input.role,
      password,
    });
    await writeAudit(
      tx,
      { orgId: org.id, actor: input.actor },
      {
        action: 'member.invite',
        targetType: 'user',
        targetId: added.userId,
        details: { email: input.email.toLowerCase(), role: input.role, newUser: added.created, via: 'cli' },
      },
    );
    return {
      userId: added.userId,
      orgId: org.id,
      password: added.created && input.password === undefined ? password : null,
      created: added.created,
    };
  });
}
