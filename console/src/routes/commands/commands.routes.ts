// Commands and desired configuration of one device (mounted under /api/devices):
// POST /:id/commands sends a command over `iot.cmd.{tenant}.{device}` and waits for the device's reply (504 on
// timeout); GET/PUT /:id/config read the desired + reported configuration and store a new desired version, which
// goes to the broker as a retained `d/{id}/cmd/_config` message (a device that is offline gets it on connect).
import { subjects as makeSubjects } from '@iotlog/edge-sdk/protocol';
import { checkConfig, publishDesiredConfig, sendCommand, toDeviceConfig } from '@iotlog/processor/alerting';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { scopeOf } from '../../auth/middleware.js';
import { writeAudit } from '../../audit.js';
import { NotFoundError, ValidationError } from '../../errors.js';
import { router } from '../../lib/router.js';
import type { Services } from '../../services.js';
import { deviceInScope } from '../devices/devices.repo.js';
import { translating } from './errors.js';

const IdParam = z.object({ id: z.uuid() });
const CommandBody = z.strictObject({
  name: z.string().min(1).max(64),
  data: z.unknown().optional(),
  timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
});
const ConfigBody = z.strictObject({ config: z.record(z.string(), z.unknown()) });

function parse<T>(schema: z.ZodType<T>, v: unknown, what: string): T {
  const r = schema.safeParse(v);
  if (!r.success)
    throw new ValidationError(
      `invalid ${what}: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
      r.error.issues,
    );
  return r.data;
}

type ConfigRow = Parameters<typeof toDeviceConfig>[0];
const configColumns = sql.raw(
  `id, desired_config AS dc, desired_config_version AS dv, reported_config AS rc, to_json(reported_config_at) #>> '{}' AS ra`,
);

export function commandsRoutes(s: Services) {
  const subjects = makeSubjects(s.deps.config.natsPrefix);
  return router()
    .post('/:id/commands', async (c) => {
      const scope = scopeOf(c);
      scope.require('devices.write');
      const { id } = parse(IdParam, c.req.param(), 'path');
      const body = parse(
        CommandBody,
        await c.req.json().catch(() => undefined),
        'body ({"name", "data"?, "timeoutMs"?})',
      );
      const device = await deviceInScope(s.sql, scope, id);
      await writeAudit(s.sql, scope, {
        action: 'device.command',
        targetType: 'device',
        targetId: id,
        tenantId: device.tenant_id,
        details: { name: body.name },
      });
      const reply = await translating(() =>
        sendCommand(s.deps.bus, subjects, {
          tenantId: device.tenant_id,
          deviceId: id,
          name: body.name,
          data: body.data,
          timeoutMs: body.timeoutMs,
        }),
      );
      return c.json(reply, 200);
    })
    .get('/:id/config', async (c) => {
      const scope = scopeOf(c);
      const { id } = parse(IdParam, c.req.param(), 'path');
      await deviceInScope(s.sql, scope, id);
      const row = await s.sql.one<ConfigRow>(
        sql`SELECT ${configColumns} FROM devices WHERE id = ${id}::uuid`,
      );
      if (!row) throw new NotFoundError('device', id);
      return c.json(toDeviceConfig(row), 200);
    })
    .put('/:id/config', async (c) => {
      const scope = scopeOf(c);
      scope.require('devices.write');
      const { id } = parse(IdParam, c.req.param(), 'path');
      const body = parse(ConfigBody, await c.req.json().catch(() => undefined), 'body ({"config": {...}})');
      const config = await translating(async () => checkConfig(body.config));
      const { row, tenantId } = await s.sql.tx(async (tx) => {
        const d = await deviceInScope(tx, scope, id);
        const updated =
          await tx.one<ConfigRow>(sql`UPDATE devices SET desired_config = ${JSON.stringify(config)}::jsonb,
          desired_config_version = desired_config_version + 1 WHERE id = ${id}::uuid RETURNING ${configColumns}`);
        await writeAudit(tx, scope, {
          action: 'device.config',
          targetType: 'device',
          targetId: id,
          tenantId: d.tenant_id,
          details: { version: updated!.dv },
        });
        return { row: updated!, tenantId: d.tenant_id };
      });
      // after the commit: the broker keeps it retained, so a device offline now receives it when it connects
      await publishDesiredConfig(s.deps.bus, subjects, { tenantId, deviceId: id, version: row.dv, config });
      return c.json(toDeviceConfig(row), 200);
    });
}
