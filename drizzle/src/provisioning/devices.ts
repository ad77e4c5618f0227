import { and, asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../database.js';
import { deviceCredentials, devices, tenants } from '../schema/index.js';
import { writeAudit } from './audit.js';
import { isUniqueViolation, ProvisioningError } from './errors.js';
import type { DeviceControlEvent } from './events.js';
import { checkDeviceName, isUuid } from './names.js';
import { findTenant } from './organizations.js';
import { generateDeviceToken, hashSecret } from './secrets.js';
import { actorOf, type Actor, type Tx } from './tx.js';

export type Device = typeof devices.$inferSelect;
export type DeviceWithOrg = Device & { organizationId: string };

export interface CreatedDevice {
  device: Device;
  /** The device token, shown once; only its sha256 is stored. */
  token: string;
  credentialId: string;
}

export async function createDevice(
  db: Db,
  input: { tenant: string; name: string; labels?: Record<string, string> } & Actor,
): Promise<CreatedDevice> {
  const name = checkDeviceName(input.name);
  const tenant = await findTenant(db, input.tenant);
  const token = generateDeviceToken();
  try {
    return await db.transaction(async (tx) => {
      const [device] = await tx
        .insert(devices)
        .values({ tenantId: tenant.id, name, labels: input.labels ?? {} })
        .returning();
      if (!device) throw new Error('insert into devices returned no row');
      const [cred] = await tx
        .insert(deviceCredentials)
        .values({ deviceId: device.id, kind: 'token', secretHash: hashSecret(token), label: 'initial' })
        .returning({ id: deviceCredentials.id });
      if (!cred) throw new Error('insert into device_credentials returned no row');
      await writeAudit(tx, {
        organizationId: tenant.organizationId,
        tenantId: tenant.id,
        actor: actorOf(input),
        action: 'device.create',
        targetType: 'device',
        targetId: device.id,
        details: { name, credentialId: cred.id },
      });
      return { device, token, credentialId: cred.id };
    });
  } catch (err) {
    if (isUniqueViolation(err)) {
      throw new ProvisioningError(
        'provisioning.duplicate',
        `device "${name}" already exists in tenant "${tenant.slug}": choose another name`,
        {
          cause: err,
        },
      );
    }
    throw err;
  }
}

export type DeviceListItem = Device & { activeCredentials: number };

/** Devices of a tenant (id or slug), by name, with their number of usable credentials. */
export async function listDevices(
  db: Db,
  tenantRef: string,
  options: { limit?: number; offset?: number } = {},
): Promise<DeviceListItem[]> {
  const tenant = await findTenant(db, tenantRef);
  const active = sql<number>`(SELECT count(*)::int FROM device_credentials c WHERE c.device_id = "devices"."id"
    AND c.revoked_at IS NULL AND (c.expires_at IS NULL OR c.expires_at > now()))`;
  const rows = await db
    .select({ device: devices, activeCredentials: active })
    .from(devices)
    .where(eq(devices.tenantId, tenant.id))
    .orderBy(asc(devices.name))
    .limit(options.limit ?? 1000)
    .offset(options.offset ?? 0);
  return rows.map((r) => ({ ...r.device, activeCredentials: Number(r.activeCredentials) }));
}

/** A device by id, or by name within `tenant` (id, slug or ORG/TENANT). */
export async function findDevice(
  db: Db | Tx,
  ref: string,
  options: { tenant?: string } = {},
): Promise<DeviceWithOrg> {
  let where;
  if (isUuid(ref)) {
    where = eq(devices.id, ref);
  } else if (options.tenant !== undefined) {
    const tenant = await findTenant(db, options.tenant);
    where = and(eq(devices.tenantId, tenant.id), eq(devices.name, ref));
  } else {
    throw new ProvisioningError(
      'provisioning.invalid_input',
      `device "${ref}" is not a device id: give the device id, or its name with --tenant TENANT`,
    );
  }
  const [row] = await db
    .select({ device: devices, organizationId: tenants.organizationId })
    .from(devices)
    .innerJoin(tenants, eq(tenants.id, devices.tenantId))
    .where(where)
    .limit(1);
  if (!row)
    throw new ProvisioningError(
      'provisioning.not_found',
      `device "${ref}" not found: check the id (iotlog device list --tenant TENANT)`,
    );
  return { ...row.device, organizationId: row.organizationId };
}

export interface DeviceChange {
  device: DeviceWithOrg;
  /** Publish these on `iot.ctl.device` after the call returns (the change is committed). */
  events: DeviceControlEvent[];
}

/** Disables a device: the broker refuses its connections and closes its live session. Idempotent. */
export async function disableDevice(
  db: Db,
  ref: string,
  options: { tenant?: string } & Actor = {},
): Promise<DeviceChange> {
  return db.transaction(async (tx) => {
    const device = await findDevice(tx, ref, options);
    const [updated] = await tx
      .update(devices)
      .set({ disabledAt: sql`coalesce(${devices.disabledAt}, now())`, online: false })
      .where(eq(devices.id, device.id))
      .returning();
    await writeAudit(tx, {
      organizationId: device.organizationId,
      tenantId: device.tenantId,
      actor: actorOf(options),
      action: 'device.disable',
      targetType: 'device',
      targetId: device.id,
    });
    return { device: { ...device, ...updated }, events: [{ type: 'device.disabled', deviceId: device.id }] };
  });
}

export async function enableDevice(
  db: Db,
  ref: string,
  options: { tenant?: string } & Actor = {},
): Promise<DeviceChange> {
  return db.transaction(async (tx) => {
    const device = await findDevice(tx, ref, options);
    const [updated] = await tx
      .update(devices)
      .set({ disabledAt: null })
      .where(eq(devices.id, device.id))
      .returning();
    await writeAudit(tx, {
      organizationId: device.organizationId,
      tenantId: device.tenantId,
      actor: actorOf(options),
      action: 'device.enable',
      targetType: 'device',
      targetId: device.id,
    });
    return { device: { ...device, ...updated }, events: [] };
  });
}

/** Deletes a device and its credentials (its logs and telemetry stay until retention drops them). */
export async function deleteDevice(
  db: Db,
  ref: string,
  options: { tenant?: string } & Actor = {},
): Promise<DeviceChange> {
  return db.transaction(async (tx) => {
    const device = await findDevice(tx, ref, options);
    await tx.delete(devices).where(eq(devices.id, device.id));
    await writeAudit(tx, {
      organizationId: device.organizationId,
      tenantId: device.tenantId,
      actor: actorOf(options),
      action: 'device.delete',
      targetType: 'device',
      targetId: device.id,
      details: { name: device.name },
    });
    return { device, events: [{ type: 'device.deleted', deviceId: device.id }] };
  });
}
