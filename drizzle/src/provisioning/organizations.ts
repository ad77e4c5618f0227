import { eq } from 'drizzle-orm';
import type { Db } from '../database.js';
import { organizations, tenants } from '../schema/index.js';
import { writeAudit } from './audit.js';
import { isUniqueViolation, ProvisioningError } from './errors.js';
import { checkDisplayName, checkSlug, isUuid, slugify } from './names.js';
import { actorOf, type Actor, type Tx } from './tx.js';

export type Organization = typeof organizations.$inferSelect;
export type Tenant = typeof tenants.$inferSelect;

export async function createOrganization(
  db: Db,
  input: { name: string; slug?: string } & Actor,
): Promise<Organization> {
  const name = checkDisplayName('organization', input.name);
  const slug = checkSlug('organization', input.slug ?? slugify(name));
  try {
    return await db.transaction(async (tx) => {
      const [org] = await tx.insert(organizations).values({ name, slug }).returning();
      if (!org) throw new Error('insert into organizations returned no row');
      await writeAudit(tx, {
        organizationId: org.id,
        actor: actorOf(input),
        action: 'organization.create',
        targetType: 'organization',
        targetId: org.id,
        details: { name, slug },
      });
      return org;
    });
  } catch (err) {
    if (isUniqueViolation(err)) {
      throw new ProvisioningError(
        'provisioning.duplicate',
        `organization "${slug}" already exists: choose another name or --slug`,
        {
          cause: err,
        },
      );
    }
    throw err;
  }
}

/** An organization by id or slug. */
export async function findOrganization(db: Db | Tx, ref: string): Promise<Organization> {
  const [org] = await db
    .select()
    .from(organizations)
    .where(isUuid(ref) ? eq(organizations.id, ref) : eq(organizations.slug, ref))
    .limit(1);
  if (!org) {
    throw new ProvisioningError(
      'provisioning.not_found',
      `organization "${ref}" not found: give an existing organization id or slug (iotlog org create NAME)`,
    );
  }
  return org;
}

export async function createTenant(
  db: Db,
  input: { organization: string; name: string; slug?: string } & Actor,
): Promise<Tenant> {
  const name = checkDisplayName('tenant', input.name);
  const slug = checkSlug('tenant', input.slug ?? slugify(name));
  const org = await findOrganization(db, input.organization);
  try {
    return await db.transaction(async (tx) => {
      const [tenant] = await tx.insert(tenants).values({ organizationId: org.id, name, slug }).returning();
      if (!tenant) throw new Error('insert into tenants returned no row');
      await writeAudit(tx, {
        organizationId: org.id,
        tenantId: tenant.id,
        actor: actorOf(input),
        action: 'tenant.create',
        targetType: 'tenant',
        targetId: tenant.id,
        details: { name, slug },
      });
      return tenant;
    });
  } catch (err) {
    if (isUniqueViolation(err)) {
      throw new ProvisioningError(
        'provisioning.duplicate',
        `tenant "${slug}" already exists in organization "${org.slug}": choose another name or --slug`,
        { cause: err },
      );
    }
    throw err;
  }
}

/**
 * A tenant by id, by `orgSlug/tenantSlug`, or by slug (with `organization` to disambiguate, or unique across
 * organizations).
 */
export async function findTenant(
  db: Db | Tx,
  ref: string,
  options: { organization?: string } = {},
): Promise<Tenant> {
  let orgRef = options.organization;
  let tenantRef = ref;
  const slash = ref.indexOf('/');
  if (slash > 0) {
    orgRef = ref.slice(0, slash);
    tenantRef = ref.slice(slash + 1);
  }
  if (isUuid(tenantRef)) {
    const [tenant] = await db.select().from(tenants).where(eq(tenants.id, tenantRef)).limit(1);
    if (tenant) return tenant;
  } else {
    const orgId = orgRef === undefined ? undefined : (await findOrganization(db, orgRef)).id;
    const rows = await db
      .select()
      .from(tenants)
      .where(eq(tenants.slug, tenantRef))
      .then((r) => (orgId === undefined ? r : r.filter((t) => t.organizationId === orgId)));
    if (rows.length > 1) {
      throw new ProvisioningError(
        'provisioning.invalid_input',
        `tenant slug "${tenantRef}" exists in ${rows.length} organizations: give the tenant id or ORG/TENANT`,
      );
    }
    if (rows[0]) return rows[0];
  }
  throw new ProvisioningError(
    'provisioning.not_found',
    `tenant "${ref}" not found: give an existing tenant id, slug or ORG/TENANT (iotlog tenant create --org ORG NAME)`,
  );
}
