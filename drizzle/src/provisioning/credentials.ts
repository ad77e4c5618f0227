import { and, eq, gt, isNull, or, sql } from 'drizzle-orm';
import type { Db } from '../database.js';
import { deviceCredentials, devices, tenants } from '../schema/index.js';
import { writeAudit } from './audit.js';
import { isUniqueViolation, ProvisioningError } from './errors.js';
import type { DeviceControlEvent } from './events.js';
import { findDevice, type DeviceWithOrg } from './devices.js';
import { isUuid } from './names.js';
import { generateDeviceToken, hashSecret, normalizeFingerprint } from './secrets.js';
import { actorOf, type Actor } from './tx.js';

export type Credential = typeof deviceCredentials.$inferSelect;

const usable = and(
  isNull(deviceCredentials.revokedAt),
  or(isNull(deviceCredentials.expiresAt), gt(deviceCredentials.expiresAt, sql`now()`)),
);

export interface RotatedToken {
  device: DeviceWithOrg;
  token: string;
  credentialId: string;
  events: DeviceControlEvent[];
}

/**
 * Adds a new token to a device. The old tokens stay valid until revoked, or, with `graceSeconds`, until
 * that many seconds from now (their expires_at is set). Returns the new token (shown once).
 */
export async function rotateToken(
  db: Db,
  ref: string,
  options: { tenant?: string; graceSeconds?: number; label?: string } & Actor = {},
): Promise<RotatedToken> {
  const grace = options.graceSeconds;
  if (grace !== undefined && !(Number.isInteger(grace) && grace >= 0)) {
    throw new ProvisioningError(
      'provisioning.invalid_input',
      `grace period "${grace}" is invalid: give whole seconds >= 0`,
    );
  }
  const token = generateDeviceToken();
  return db.transaction(async (tx) => {
    const device = await findDevice(tx, ref, options);
    if (grace !== undefined) {
      await tx
        .update(deviceCredentials)
        .set({ expiresAt: sql`now() + make_interval(secs => ${grace})` })
        .where(
          and(
            eq(deviceCredentials.deviceId, device.id),
            eq(deviceCredentials.kind, 'token'),
            usable,
            or(
              isNull(deviceCredentials.expiresAt),
              gt(deviceCredentials.expiresAt, sql`now() + make_interval(secs => ${grace})`),
            ),
          ),
        );
    }
    const [cred] = await tx
      .insert(deviceCredentials)
      .values({
        deviceId: device.id,
        kind: 'token',
        secretHash: hashSecret(token),
        label: options.label ?? 'rotated',
      })
      .returning({ id: deviceCredentials.id });
    if (!cred) throw new Error('insert into device_credentials returned no row');
    await writeAudit(tx, {
      organizationId: device.organizationId,
      tenantId: device.tenantId,
      actor: actorOf(options),
      action: 'credential.rotate',
      targetType: 'device',
      targetId: device.id,
      details: { credentialId: cred.id, graceSeconds: grace ?? null },
    });
    return {
      device,
      token,
      credentialId: cred.id,
      events: [{ type: 'credential.rotated', deviceId: device.id, credentialId: cred.id }],
    };
  });
}

export interface RevokedCredentials {
  device: DeviceWithOrg;
  credentialIds: string[];
  events: DeviceControlEvent[];
}

/**
 * Revokes one credential by id (with `device`, only if it belongs to that device id or name). Revoking an
 * already revoked one changes nothing and returns no event.
 */
export async function revokeCredential(
  db: Db,
  credentialId: string,
  options: { device?: string } & Actor = {},
): Promise<RevokedCredentials> {
  if (!isUuid(credentialId)) {
    throw new ProvisioningError(
      'provisioning.invalid_input',
      `credential "${credentialId}" is not a credential id (a UUID)`,
    );
  }
  return db.transaction(async (tx) => {
    const [cred] = await tx
      .select()
      .from(deviceCredentials)
      .where(eq(deviceCredentials.id, credentialId))
      .limit(1);
    if (!cred)
      throw new ProvisioningError(
        'provisioning.not_found',
        `credential "${credentialId}" not found: check the id`,
      );
    const device = await findDevice(tx, cred.deviceId);
    if (options.device !== undefined && options.device !== device.id && options.device !== device.name) {
      throw new ProvisioningError(
        'provisioning.not_found',
        `credential "${credentialId}" does not belong to device "${options.device}": check both ids`,
      );
    }
    const revoked = await tx
      .update(deviceCredentials)
      .set({ revokedAt: sql`now()` })
      .where(and(eq(deviceCredentials.id, credentialId), isNull(deviceCredentials.revokedAt)))
      .returning({ id: deviceCredentials.id });
    return finishRevoke(tx, device, revoked, options);
  });
}

/** Revokes every token of a device (X.509 fingerprints too with `includeX509`). */
export async function revokeDeviceTokens(
  db: Db,
  ref: string,
  options: { tenant?: string; includeX509?: boolean } & Actor = {},
): Promise<RevokedCredentials> {
  return db.transaction(async (tx) => {
    const device = await findDevice(tx, ref, options);
    const revoked = await tx
      .update(deviceCredentials)
      .set({ revokedAt: sql`now()` })
      .where(
        and(
          eq(deviceCredentials.deviceId, device.id),
          isNull(deviceCredentials.revokedAt),
          options.includeX509 ? undefined : eq(deviceCredentials.kind, 'token'),
        ),
      )
      .returning({ id: deviceCredentials.id });
    return finishRevoke(tx, device, revoked, options);
  });
}

async function finishRevoke(
  tx: Parameters<Parameters<Db['transaction']>[0]>[0],
  device: DeviceWithOrg,
  revoked: { id: string }[],
  options: Actor,
): Promise<RevokedCredentials> {
  const credentialIds = revoked.map((r) => r.id);
  if (credentialIds.length > 0) {
    await writeAudit(tx, {
      organizationId: device.organizationId,
      tenantId: device.tenantId,
      actor: actorOf(options),
      action: 'credential.revoke',
      targetType: 'device',
      targetId: device.id,
      details: { credentialIds },
    });
  }
  return {
    device,
    credentialIds,
    events: credentialIds.map((credentialId) => ({
      type: 'credential.revoked',
      deviceId: device.id,
      credentialId,
    })),
  };
}

/** Binds an X.509 client certificate (its sha256 fingerprint) to a device. */
export async function addX509Fingerprint(
  db: Db,
  ref: string,
  fingerprint: string,
  options: { tenant?: string; label?: string; expiresAt?: Date } & Actor = {},
): Promise<{ device: DeviceWithOrg; credentialId: string }> {
  const hex = normalizeFingerprint(fingerprint);
  return db.transaction(async (tx) => {
    const device = await findDevice(tx, ref, options);
    const [existing] = await tx
      .select({ id: deviceCredentials.id })
      .from(deviceCredentials)
      .where(
        and(
          eq(deviceCredentials.kind, 'x509'),
          eq(deviceCredentials.secretHash, hex),
          isNull(deviceCredentials.revokedAt),
        ),
      )
      .limit(1);
    if (existing) {
      throw new ProvisioningError(
        'provisioning.duplicate',
        `certificate ${hex} is already bound to a device: revoke it there first`,
      );
    }
    try {
      const [cred] = await tx
        .insert(deviceCredentials)
        .values({
          deviceId: device.id,
          kind: 'x509',
          secretHash: hex,
          label: options.label ?? null,
          expiresAt: options.expiresAt ?? null,
        })
        .returning({ id: deviceCredentials.id });
      if (!cred) throw new Error('insert into device_credentials returned no row');
      await writeAudit(tx, {
        organizationId: device.organizationId,
        tenantId: device.tenantId,
        actor: actorOf(options),
        action: 'credential.add_x509',
        targetType: 'device',
        targetId: device.id,
        details: { credentialId: cred.id, fingerprint: hex },
      });
      return { device, credentialId: cred.id };
    } catch (err) {
      if (isUniqueViolation(err))
        throw new ProvisioningError('provisioning.duplicate', `certificate ${hex} is already bound`, {
          cause: err,
        });
      throw err;
    }
  });
}

export interface AuthLookup {
  device: { id: string; tenantId: string; name: string; disabledAt: Date | null };
  tenant: { id: string; organizationId: string };
  credential: { id: string; kind: 'token' | 'x509'; expiresAt: Date | null; revokedAt: Date | null };
}

/**
 * For the broker: the device, its tenant and the credential matching `secretHash` (sha256 hex of the token,
 * or the certificate fingerprint), revoked/expired ones included so the caller can say why it refuses.
 * Returns null when the device id is malformed or nothing matches. Prefers a usable credential.
 */
export async function findCredentialForAuth(
  db: Db,
  deviceId: string,
  secretHash: string,
): Promise<AuthLookup | null> {
  if (!isUuid(deviceId)) return null;
  const rows = await db
    .select({
      device: {
        id: devices.id,
        tenantId: devices.tenantId,
        name: devices.name,
        disabledAt: devices.disabledAt,
      },
      tenant: { id: tenants.id, organizationId: tenants.organizationId },
      credential: {
        id: deviceCredentials.id,
        kind: deviceCredentials.kind,
        expiresAt: deviceCredentials.expiresAt,
        revokedAt: deviceCredentials.revokedAt,
      },
      usable: sql<boolean>`(${deviceCredentials.revokedAt} IS NULL AND (${deviceCredentials.expiresAt} IS NULL OR ${deviceCredentials.expiresAt} > now()))`,
    })
    .from(deviceCredentials)
    .innerJoin(devices, eq(devices.id, deviceCredentials.deviceId))
    .innerJoin(tenants, eq(tenants.id, devices.tenantId))
    .where(and(eq(deviceCredentials.secretHash, secretHash), eq(deviceCredentials.deviceId, deviceId)));
  const row = rows.find((r) => r.usable) ?? rows[0];
  if (!row) return null;
  return { device: row.device, tenant: row.tenant, credential: row.credential };
}
