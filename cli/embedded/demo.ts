// First run of `iotlog up`: a demo organization, tenant and device, whose token is returned once, and the
// organization's first console owner, whose one-time password is returned once.
import { createUser } from '@iotlog/console';
import type { Database } from '@iotlog/drizzle';
import { createDevice, createOrganization, createTenant } from '@iotlog/drizzle/provisioning';

export interface Demo {
  /** True when this run created the demo (the token is only known then). */
  created: boolean;
  organizationId: string;
  tenantId: string;
  deviceId: string;
  deviceName: string;
  token?: string;
  /** The demo organization's console owner; the one-time password is only known on the first run. */
  owner: { email: string; password?: string };
}

export const DEMO_OWNER_EMAIL = 'admin@iotlog.local';

const DEMO_SLUG = 'demo';

/** Creates the demo organization/tenant/device when no organization exists yet; else finds the demo device. */
export async function ensureDemo(database: Database): Promise<Demo | null> {
  const orgs = await database.query<{ n: number }>(`SELECT count(*)::int AS n FROM organizations`);
  if ((orgs[0]?.n ?? 0) === 0) {
    const org = await createOrganization(database.db, { name: 'Demo', slug: DEMO_SLUG });
    const tenant = await createTenant(database.db, {
      organization: org.id,
      name: 'Default',
      slug: 'default',
    });
    const { device, token } = await createDevice(database.db, { tenant: tenant.id, name: 'demo-device' });
    const owner = await createUser(database.db, {
      org: org.id,
      email: DEMO_OWNER_EMAIL,
      role: 'owner',
      name: 'Demo owner',
      actor: 'iotlog up',
    });
    return {
      created: true,
      organizationId: org.id,
      tenantId: tenant.id,
      deviceId: device.id,
      deviceName: device.name,
      token,
      owner: { email: DEMO_OWNER_EMAIL, ...(owner.password ? { password: owner.password } : {}) },
    };
  }
  const rows = await database.query<{ org: string; tenant: string; device: string; name: string }>(
    `SELECT o.id AS org, t.id AS tenant, d.id AS device, d.name
       FROM organizations o JOIN tenants t ON t.organization_id = o.id JOIN devices d ON d.tenant_id = t.id
      WHERE o.slug = $1 ORDER BY d.created_at LIMIT 1`,
    [DEMO_SLUG],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    created: false,
    organizationId: r.org,
    tenantId: r.tenant,
    deviceId: r.device,
    deviceName: r.name,
    owner: { email: DEMO_OWNER_EMAIL },
  };
}
