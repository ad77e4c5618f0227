// Alerts: list with filters and history, one alert with its webhook deliveries, acknowledge, silence (for a time
// or until resolved), and live changes over Server-Sent Events (`iot.alert.{tenant}` for the tenants in scope).
import { subjects as subjectsFor } from '@iotlog/edge-sdk/protocol';
import { alertColumns, type AlertNotification, type AlertRow } from '@iotlog/processor/alerting';
import { sql, type SQL } from 'drizzle-orm';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import { scopeOf } from '../../auth/middleware.js';
import type { Scope } from '../../auth/scope.js';
import { writeAudit } from '../../audit.js';
import type { Sql } from '../../db/sql.js';
import { NotFoundError, ValidationError } from '../../errors.js';
import { decodeCursor, encodeCursor } from '../../lib/cursor.js';
import { router } from '../../lib/router.js';
import type { Services } from '../../services.js';

const cols = sql.raw(alertColumns('a.'));

type Row = AlertRow & { ruleName: string; severity: string; deviceName: string };
const select = sql`SELECT ${cols}, r.name AS "ruleName", coalesce(r.spec->>'severity', 'warning') AS severity, d.name AS "deviceName"
  FROM alerts a JOIN alert_rules r ON r.id = a.rule_id JOIN devices d ON d.id = a.device_id`;

const ListQuery = z.object({
  tenantId: z.uuid().optional(),
  deviceId: z.uuid().optional(),
  ruleId: z.uuid().optional(),
  state: z.enum(['pending', 'firing', 'resolved', 'open']).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(500).optional(),
});
const IdParam = z.object({ id: z.uuid() });
const SilenceBody = z.union([
  z.strictObject({
    minutes: z
      .number()
      .int()
      .min(1)
      .max(30 * 24 * 60),
  }),
  z.strictObject({ untilResolved: z.literal(true) }),
]);

function parse<T>(schema: z.ZodType<T>, v: unknown, what: string): T {
  const r = schema.safeParse(v);
  if (!r.success)
    throw new ValidationError(
      `invalid ${what}: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
      r.error.issues,
    );
  return r.data;
}

async function alertInScope(db: Sql, scope: Scope, id: string): Promise<Row> {
  const row = await db.one<Row>(
    sql`${select} WHERE a.id = ${id}::uuid AND ${scope.tenantPredicate(sql`a.tenant_id`)}`,
  );
  if (!row) throw new NotFoundError('alert', id);
  return row;
}

export function alertsRoutes(s: Services) {
  const subj = subjectsFor(s.deps.config.natsPrefix);
  const publish = (event: string, a: Row) =>
    s.deps.bus.publish(
      subj.alert(a.tenantId),
      new TextEncoder().encode(
        JSON.stringify({ event, alert: a, rule: { id: a.ruleId, name: a.ruleName, severity: a.severity } }),
      ),
    );

  return router()
    .get('/', async (c) => {
      const scope = scopeOf(c);
      const q = parse(ListQuery, c.req.query(), 'query');
      const where: SQL[] = [scope.tenantPredicate(sql`a.tenant_id`)];
      if (q.tenantId) where.push(sql`a.tenant_id = ${q.tenantId}::uuid`);
      if (q.deviceId) where.push(sql`a.device_id = ${q.deviceId}::uuid`);
      if (q.ruleId) where.push(sql`a.rule_id = ${q.ruleId}::uuid`);
      if (q.state === 'open') where.push(sql`a.state <> 'resolved'`);
      else if (q.state) where.push(sql`a.state = ${q.state}::alert_state`);
      if (q.since) where.push(sql`a.started_at >= ${q.since}::timestamptz`);
      if (q.until) where.push(sql`a.started_at < ${q.until}::timestamptz`);
      if (q.cursor) {
        const [at, id] = decodeCursor(q.cursor, 2);
        where.push(sql`(a.started_at, a.id) < (${at}::timestamptz, ${id}::uuid)`);
      }
      const rows = await s.sql.rows<Row>(
        sql`${select} WHERE ${sql.join(where, sql` AND `)} ORDER BY a.started_at DESC, a.id DESC LIMIT ${q.limit + 1}`,
      );
      const page = rows.slice(0, q.limit);
      const last = page[page.length - 1];
      return c.json(
        {
          items: page,
          nextCursor: rows.length > q.limit && last ? encodeCursor([last.startedAt, last.id]) : null,
        },
        200,
      );
    })
    .get('/stream', async (c) => {
      const scope = scopeOf(c);
      const q = parse(z.object({ tenantId: z.uuid().optional() }), c.req.query(), 'query');
      const tenants = await s.sql.rows<{
        id: string;
      }>(sql`SELECT t.id FROM tenants t WHERE ${scope.tenantPredicate(sql`t.id`)}
        ${q.tenantId ? sql`AND t.id = ${q.tenantId}::uuid` : sql``} ORDER BY t.id LIMIT 200`);
      return streamSSE(c, async (stream) => {
        const queue: AlertNotification[] = [];
        let wake: (() => void) | undefined;
        let closed = false;
        const subs = tenants.map((t) =>
          s.deps.bus.subscribe(subj.alert(t.id), (_subject, data) => {
            if (queue.length < 1000)
              queue.push(JSON.parse(new TextDecoder().decode(data)) as AlertNotification);
            wake?.();
          }),
        );
        stream.onAbort(() => {
          closed = true;
          wake?.();
        });
        try {
          await stream.writeSSE({ event: 'ready', data: JSON.stringify({ tenants: tenants.length }) });
          while (!closed) {
            if (queue.length === 0) {
              const timedOut = await new Promise<boolean>((resolve) => {
                const t = setTimeout(() => resolve(true), s.deps.config.tailHeartbeatMs);
                wake = () => {
                  clearTimeout(t);
                  resolve(false);
                };
              });
              wake = undefined;
              if (timedOut && !closed) await stream.write(': heartbeat\n\n');
              continue;
            }
            for (const n of queue.splice(0, queue.length))
              await stream.writeSSE({ event: 'alert', data: JSON.stringify(n) });
          }
        } finally {
          for (const sub of subs) sub.unsubscribe();
        }
      });
    })
    .get('/:id', async (c) => {
      const scope = scopeOf(c);
      const { id } = parse(IdParam, c.req.param(), 'path');
      const alert = await alertInScope(s.sql, scope, id);
      const deliveries = await s.sql
        .rows(sql`SELECT attempt, url, status_code AS "statusCode", error, duration_ms AS "durationMs",
        to_json(at) #>> '{}' AS at FROM notification_deliveries WHERE alert_id = ${id}::uuid ORDER BY id`);
      return c.json({ ...alert, deliveries }, 200);
    })
    .post('/:id/ack', async (c) => {
      const scope = scopeOf(c);
      scope.require('devices.write');
      const { id } = parse(IdParam, c.req.param(), 'path');
      const row = await s.sql.tx(async (tx) => {
        const a = await alertInScope(tx, scope, id);
        await tx.rows(sql`UPDATE alerts SET acknowledged_at = coalesce(acknowledged_at, now()), acknowledged_by = coalesce(acknowledged_by, ${scope.actor})
          WHERE id = ${id}::uuid`);
        await writeAudit(tx, scope, {
          action: 'alert.acknowledge',
          targetType: 'alert',
          targetId: id,
          tenantId: a.tenantId,
        });
        return alertInScope(tx, scope, id);
      });
      await publish('acknowledged', row);
      return c.json(row, 200);
    })
    .post('/:id/silence', async (c) => {
      const scope = scopeOf(c);
      scope.require('devices.write');
      const { id } = parse(IdParam, c.req.param(), 'path');
      const body = parse(
        SilenceBody,
        await c.req.json().catch(() => undefined),
        'body (give {"minutes": n} or {"untilResolved": true})',
      );
      const until =
        'minutes' in body
          ? sql`now() + make_interval(mins => ${body.minutes}::int)`
          : sql`'infinity'::timestamptz`;
      const row = await s.sql.tx(async (tx) => {
        const a = await alertInScope(tx, scope, id);
        await tx.rows(sql`UPDATE alerts SET silenced_until = ${until} WHERE id = ${id}::uuid`);
        await writeAudit(tx, scope, {
          action: 'alert.silence',
          targetType: 'alert',
          targetId: id,
          tenantId: a.tenantId,
          details: body,
        });
        return alertInScope(tx, scope, id);
      });
      await publish('silenced', row);
      return c.json(row, 200);
    })
    .delete('/:id/silence', async (c) => {
      const scope = scopeOf(c);
      scope.require('devices.write');
      const { id } = parse(IdParam, c.req.param(), 'path');
      const row = await s.sql.tx(async (tx) => {
        const a = await alertInScope(tx, scope, id);
        await tx.rows(sql`UPDATE alerts SET silenced_until = NULL WHERE id = ${id}::uuid`);
        await writeAudit(tx, scope, {
          action: 'alert.unsilence',
          targetType: 'alert',
          targetId: id,
          tenantId: a.tenantId,
        });
        return alertInScope(tx, scope, id);
      });
      return c.json(row, 200);
    });
}
