// Device rows in the caller's scope, and the control events of ARCHITECTURE.md (`iot.ctl.device`).
import { z } from '@hono/zod-openapi';
import { subjects } from '@iotlog/edge-sdk/protocol';
import { sql } from 'drizzle-orm';
import type { Scope } from '../../auth/scope.js';
import { newDeviceToken, sha256Hex } from '../../auth/secrets.js';
import type { Sql } from '../../db/sql.js';
import { NotFoundError } from '../../errors.js';
import { iso } from '../../lib/schemas.js';
import type { Services } from '../../services.js';

export const Labels = z
  .record(
    z
      .string()
      .min(1)
      .max(63)
      .regex(/^[A-Za-z0-9_.\-/]+$/, 'label keys: letters, digits, _ . - /'),
    z.string().max(200),
  )
  .openapi({ example: { site: 'berlin', model: 'x2' } });

export const DeviceName = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/, 'device names: letters, digits, _ . : - (no spaces)');

export const Device = z
  .object({
    id: z.uuid(),
    tenantId: z.uuid(),
    name: z.string(),
    labels: z.record(z.string(), z.string()),
    createdAt: z.string(),
    lastSeenAt: z.string().nullable(),
    online: z.boolean(),
    disabled: z.boolean(),
    disabledAt: z.string().nullable(),
    messagesPerMinute: z
      .number()
      .openapi({ description: 'logs + telemetry samples per minute over the last 5 minutes' }),
  })
  .openapi('Device');
export type DeviceDto = z.infer<typeof Device>;

export type DeviceRow = {
  id: string;
  tenant_id: string;
  name: string;
  labels: Record<string, string> | null;
  created_at: Date;
  last_seen_at: Date | null;
  online: boolean | null;
  disabled_at: Date | null;
};

export const deviceColumns = sql`d.id, d.tenant_id, d.name, d.labels, d.created_at, d.last_seen_at, d.online, d.disabled_at`;

export function toDevice(r: DeviceRow, rate = 0): DeviceDto {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    name: r.name,
    labels: r.labels ?? {},
    createdAt: iso(r.created_at) ?? '',
    lastSeenAt: iso(r.last_seen_at),
    online: Boolean(r.online) && r.disabled_at === null,
    disabled: r.disabled_at !== null,
    disabledAt: iso(r.disabled_at),
    messagesPerMinute: rate,
  };
}

/** The device if it is in the caller's scope; 404 otherwise. */
export async function deviceInScope(db: Sql, scope: Scope, id: string): Promise<DeviceRow> {
  const row = await db.one<DeviceRow>(
    sql`SELECT ${deviceColumns} FROM devices d WHERE d.id = ${id}::uuid AND ${scope.tenantPredicate(sql`d.tenant_id`)}`,
  );
  if (!row) throw new NotFoundError('device', id);
  return row;
}

/** Messages per minute over the last 5 minutes (logs + telemetry samples) for these devices. */
export async function messageRates(db: Sql, ids: string[]): Promise<Map<string, number>> {
  const rates = new Map<string, number>();
  if (ids.length === 0) return rates;
  const arr = `{${ids.join(',')}}`;
  const rows = await db.rows<{ device_id: string; n: number }>(sql`
    SELECT device_id, sum(n)::int AS n FROM (
      SELECT device_id, count(*) AS n FROM logs
        WHERE device_id = ANY(${arr}::uuid[]) AND time > now() - interval '5 minutes' GROUP BY device_id
      UNION ALL
      SELECT device_id, count(DISTINCT time) AS n FROM telemetry
        WHERE device_id = ANY(${arr}::uuid[]) AND time > now() - interval '5 minutes' GROUP BY device_id
    ) x GROUP BY device_id`);
  for (const r of rows) rates.set(r.device_id, Math.round((Number(r.n) / 5) * 10) / 10);
  return rates;
}

/** Insert a token credential; returns the token (shown once) and the credential id. */
export async function issueToken(
  db: Sql,
  deviceId: string,
  label: string | null,
): Promise<{ token: string; credentialId: string }> {
  const token = newDeviceToken();
  const row = await db.one<{ id: string }>(sql`
    INSERT INTO device_credentials (device_id, kind, secret_hash, label)
    VALUES (${deviceId}::uuid, 'token', ${sha256Hex(token)}, ${label}) RETURNING id`);
  if (!row) throw new Error('insert into device_credentials returned no row');
  return { token, credentialId: row.id };
}

export type ControlEvent = {
  type: 'credential.revoked' | 'device.disabled' | 'device.deleted' | 'credential.rotated';
  deviceId: string;
  credentialId?: string;
};

/** Publish control events after the commit, so every broker replica drops the device's session. */
export async function publishControl(s: Services, events: ControlEvent[]): Promise<void> {
  const subject = subjects(s.deps.config.natsPrefix).ctlDevice;
  for (const e of events) await s.deps.bus.publish(subject, new TextEncoder().encode(JSON.stringify(e)));
}
