// Devices: list (online, last seen, message rate), create (token shown once), label, disable/enable, delete.
import { createRoute, z } from '@hono/zod-openapi';
import { sql, type SQL } from 'drizzle-orm';
import { scopeOf } from '../../auth/middleware.js';
import type { Scope } from '../../auth/scope.js';
import { writeAudit } from '../../audit.js';
import { ConflictError } from '../../errors.js';
import { decodeCursor, encodeCursor } from '../../lib/cursor.js';
import { router } from '../../lib/router.js';
import { body, errorResponses, IdParam, json } from '../../lib/schemas.js';
import type { Services } from '../../services.js';
import { tenantInScope } from '../tenants/tenants.routes.js';
import {
  Device,
  DeviceName,
  deviceColumns,
  deviceInScope,
  issueToken,
  Labels,
  messageRates,
  publishControl,
  toDevice,
  type DeviceRow,
} from './devices.repo.js';

/** `k=v,k2=v2` -> `{k: v, k2: v2}` (label selector in query strings). */
export function parseLabelSelector(input: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!input) return out;
  for (const part of input.split(',')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}

const ListQuery = z.object({
  tenantId: z.uuid().optional(),
  q: z.string().max(200).optional().openapi({ description: 'name contains' }),
  labels: z.string().max(1000).optional().openapi({ description: 'label selector k=v,k2=v2' }),
  status: z.enum(['online', 'offline', 'disabled']).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
  cursor: z.string().max(500).optional(),
});

const CreateDevice = z.object({ tenantId: z.uuid(), name: DeviceName, labels: Labels.optional() });
const UpdateDevice = z.object({ name: DeviceName.optional(), labels: Labels.optional() });
const Created = z.object({
  device: Device,
  token: z.string().openapi({ description: 'MQTT password, shown once' }),
  credentialId: z.uuid(),
});

export function devicesRoutes(s: Services) {
  const setDisabled = async (scope: Scope, id: string, disabled: boolean) => {
    scope.require('devices.write');
    const row = await s.sql.tx(async (tx) => {
      const d = await deviceInScope(tx, scope, id);
      await tx.rows(
        disabled
          ? sql`UPDATE devices SET disabled_at = coalesce(disabled_at, now()), online = false WHERE id = ${id}::uuid`
          : sql`UPDATE devices SET disabled_at = NULL WHERE id = ${id}::uuid`,
      );
      await writeAudit(tx, scope, {
        action: disabled ? 'device.disable' : 'device.enable',
        targetType: 'device',
        targetId: id,
        tenantId: d.tenant_id,
        details: { name: d.name },
      });
      return deviceInScope(tx, scope, id);
    });
    if (disabled) await publishControl(s, [{ type: 'device.disabled', deviceId: id }]);
    return row;
  };

  return router()
    .openapi(
      createRoute({
        method: 'get',
        path: '/',
        tags: ['devices'],
        summary: 'List devices in scope (name order, cursor pagination)',
        request: { query: ListQuery },
        responses: {
          200: json(z.object({ items: z.array(Device), nextCursor: z.string().nullable() })),
          ...errorResponses,
        },
      }),
      async (c) => {
        const scope = scopeOf(c);
        const q = c.req.valid('query');
        const where: SQL[] = [scope.tenantPredicate(sql`d.tenant_id`)];
        if (q.tenantId) where.push(sql`d.tenant_id = ${q.tenantId}::uuid`);
        if (q.q) where.push(sql`d.name ILIKE ${'%' + q.q.replace(/[\\%_]/g, (m) => '\\' + m) + '%'}`);
        const labels = parseLabelSelector(q.labels);
        if (Object.keys(labels).length > 0) where.push(sql`d.labels @> ${JSON.stringify(labels)}::jsonb`);
        if (q.status === 'disabled') where.push(sql`d.disabled_at IS NOT NULL`);
        if (q.status === 'online') where.push(sql`d.disabled_at IS NULL AND d.online`);
        if (q.status === 'offline') where.push(sql`d.disabled_at IS NULL AND NOT coalesce(d.online, false)`);
        if (q.cursor) {
          const [name, id] = decodeCursor(q.cursor, 2);
          where.push(sql`(d.name, d.id) > (${name}, ${id}::uuid)`);
        }
        const rows = await s.sql.rows<DeviceRow>(sql`SELECT ${deviceColumns} FROM devices d
          WHERE ${sql.join(where, sql` AND `)} ORDER BY d.name, d.id LIMIT ${q.limit + 1}`);
        const page = rows.slice(0, q.limit);
        const rates = await messageRates(
          s.sql,
          page.map((r) => r.id),
        );
        const last = page[page.length - 1];
        return c.json(
          {
            items: page.map((r) => toDevice(r, rates.get(r.id) ?? 0)),
            nextCursor: rows.length > q.limit && last ? encodeCursor([last.name, last.id]) : null,
          },
          200,
        );
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/',
        tags: ['devices'],
        summary: 'Create a device with a token credential (operator+); the token is in the response only',
        request: { body: body(CreateDevice) },
        responses: { 201: json(Created, 'Created'), ...errorResponses },
      }),
      async (c) => {
        const scope = scopeOf(c);
        scope.require('devices.write');
        const input = c.req.valid('json');
        const result = await s.sql.tx(async (tx) => {
          await tenantInScope(tx, scope, input.tenantId);
          const dup = await tx.one(
            sql`SELECT 1 FROM devices WHERE tenant_id = ${input.tenantId}::uuid AND name = ${input.name}`,
          );
          if (dup)
            throw new ConflictError(
              'device.duplicate',
              `a device named "${input.name}" exists in this tenant`,
            );
          const d = await tx.one<{ id: string }>(sql`INSERT INTO devices (tenant_id, name, labels)
            VALUES (${input.tenantId}::uuid, ${input.name}, ${JSON.stringify(input.labels ?? {})}::jsonb) RETURNING id`);
          if (!d) throw new Error('insert into devices returned no row');
          const cred = await issueToken(tx, d.id, 'initial');
          await writeAudit(tx, scope, {
            action: 'device.create',
            targetType: 'device',
            targetId: d.id,
            tenantId: input.tenantId,
            details: { name: input.name, labels: input.labels ?? {} },
          });
          return { device: toDevice(await deviceInScope(tx, scope, d.id)), ...cred };
        });
        return c.json(result, 201);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/{id}',
        tags: ['devices'],
        summary: 'One device',
        request: { params: IdParam },
        responses: { 200: json(Device), ...errorResponses },
      }),
      async (c) => {
        const row = await deviceInScope(s.sql, scopeOf(c), c.req.valid('param').id);
        const rates = await messageRates(s.sql, [row.id]);
        return c.json(toDevice(row, rates.get(row.id) ?? 0), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'patch',
        path: '/{id}',
        tags: ['devices'],
        summary: 'Rename or relabel a device (operator+); labels replace the old set',
        request: { params: IdParam, body: body(UpdateDevice) },
        responses: { 200: json(Device), ...errorResponses },
      }),
      async (c) => {
        const scope = scopeOf(c);
        scope.require('devices.write');
        const { id } = c.req.valid('param');
        const input = c.req.valid('json');
        const row = await s.sql.tx(async (tx) => {
          const d = await deviceInScope(tx, scope, id);
          await tx.rows(sql`UPDATE devices SET name = coalesce(${input.name ?? null}, name),
            labels = coalesce(${input.labels === undefined ? null : JSON.stringify(input.labels)}::jsonb, labels) WHERE id = ${id}::uuid`);
          await writeAudit(tx, scope, {
            action: 'device.update',
            targetType: 'device',
            targetId: id,
            tenantId: d.tenant_id,
            details: { before: { name: d.name, labels: d.labels }, ...input },
          });
          return deviceInScope(tx, scope, id);
        });
        return c.json(toDevice(row), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/{id}/disable',
        tags: ['devices'],
        summary: 'Disable a device (operator+): refused at connect, live session closed via iot.ctl.device',
        request: { params: IdParam },
        responses: { 200: json(Device), ...errorResponses },
      }),
      async (c) => c.json(toDevice(await setDisabled(scopeOf(c), c.req.valid('param').id, true)), 200),
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/{id}/enable',
        tags: ['devices'],
        summary: 'Enable a disabled device (operator+)',
        request: { params: IdParam },
        responses: { 200: json(Device), ...errorResponses },
      }),
      async (c) => c.json(toDevice(await setDisabled(scopeOf(c), c.req.valid('param').id, false)), 200),
    )
    .openapi(
      createRoute({
        method: 'delete',
        path: '/{id}',
        tags: ['devices'],
        summary: 'Delete a device and its credentials (operator+); its stored logs stay until retention',
        request: { params: IdParam },
        responses: { 204: { description: 'Deleted' }, ...errorResponses },
      }),
      async (c) => {
        const scope = scopeOf(c);
        scope.require('devices.write');
        const { id } = c.req.valid('param');
        await s.sql.tx(async (tx) => {
          const d = await deviceInScope(tx, scope, id);
          await tx.rows(sql`DELETE FROM devices WHERE id = ${id}::uuid`);
          await writeAudit(tx, scope, {
            action: 'device.delete',
            targetType: 'device',
            targetId: id,
            tenantId: d.tenant_id,
            details: { name: d.name },
          });
        });
        await publishControl(s, [{ type: 'device.deleted', deviceId: id }]);
        return c.body(null, 204);
      },
    );
}
