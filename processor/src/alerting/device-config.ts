/**
 * Desired and reported configuration of a device in `devices` (desired_config + desired_config_version;
 * reported_config = `{ version, config }` as the device reported it, written by the processor).
 * Raw SQL over the Queryable port (pg pool or PGlite), used by the CLI; the console has the same queries in drizzle SQL.
 */
import type { Queryable } from './alert-store.js';
import { AlertingError } from './errors.js';

export type DeviceRef = { id: string; tenantId: string; name: string };

export interface DeviceConfig {
  deviceId: string;
  desired: { version: number; config: Record<string, unknown> | null };
  reported: { version: number; config: Record<string, unknown> } | null;
  reportedAt: string | null;
  /** The device runs the desired version. */
  inSync: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A device by id, or by name when the name is unique across tenants (else: use the id). */
export async function resolveDevice(db: Queryable, ref: string): Promise<DeviceRef> {
  const rows = UUID.test(ref)
    ? await db.query<DeviceRef>('SELECT id, tenant_id AS "tenantId", name FROM devices WHERE id = $1', [ref])
    : await db.query<DeviceRef>(
        'SELECT id, tenant_id AS "tenantId", name FROM devices WHERE name = $1 LIMIT 2',
        [ref],
      );
  if (rows.length === 0) throw new AlertingError('device.not_found', `device ${ref} not found`);
  if (rows.length > 1)
    throw new AlertingError('device.ambiguous', `several devices are named ${ref}: use the device id`);
  return rows[0]!;
}

type ConfigRow = {
  id: string;
  dc: Record<string, unknown> | null;
  dv: number;
  rc: { version: number; config: Record<string, unknown> } | null;
  ra: string | null;
};
const CONFIG_COLUMNS = `id, desired_config AS dc, desired_config_version AS dv, reported_config AS rc, to_json(reported_config_at) #>> '{}' AS ra`;

export function toDeviceConfig(r: ConfigRow): DeviceConfig {
  return {
    deviceId: r.id,
    desired: { version: r.dv, config: r.dc },
    reported: r.rc,
    reportedAt: r.ra,
    inSync: r.rc !== null && r.rc.version === r.dv,
  };
}

/** Stores a new desired configuration; the version goes up by one. */
export async function setDesiredConfig(
  db: Queryable,
  deviceId: string,
  config: Record<string, unknown>,
): Promise<DeviceConfig> {
  const rows = await db.query<ConfigRow>(
    `UPDATE devices SET desired_config = $2::jsonb, desired_config_version = desired_config_version + 1 WHERE id = $1 RETURNING ${CONFIG_COLUMNS}`,
    [deviceId, JSON.stringify(config)],
  );
  if (!rows[0]) throw new AlertingError('device.not_found', `device ${deviceId} not found`);
  return toDeviceConfig(rows[0]);
}

export async function getDeviceConfig(db: Queryable, deviceId: string): Promise<DeviceConfig> {
  const rows = await db.query<ConfigRow>(`SELECT ${CONFIG_COLUMNS} FROM devices WHERE id = $1`, [deviceId]);
  if (!rows[0]) throw new AlertingError('device.not_found', `device ${deviceId} not found`);
  return toDeviceConfig(rows[0]);
}
