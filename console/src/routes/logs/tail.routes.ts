// Live tail over Server-Sent Events: subscribes to core NATS `{p}.ingest.{tenant}.*.logs` for the tenants
// in scope, decodes envelopes and payloads with the protocol module, filters, and streams matching lines.
// Per client: a bounded queue (overflow drops lines and sends an `event: dropped`), heartbeats as comments.
// Events: `ready` (subscribed), `log` (a LogLine JSON), `dropped` ({count}).
import { decodeEnvelope, decodePayload, subjects } from '@iotlog/edge-sdk/protocol';
import { sql } from 'drizzle-orm';
import { streamSSE } from 'hono/streaming';
import { scopeOf } from '../../auth/middleware.js';
import { ValidationError } from '../../errors.js';
import { router } from '../../lib/router.js';
import { matchesText } from '../../lib/text-query.js';
import type { Services } from '../../services.js';
import { LogFilterQuery, toFilter, type LogLineDto } from './logs.query.js';

const MAX_TENANTS = 200;

export function tailRoutes(s: Services) {
  const subj = subjects(s.deps.config.natsPrefix);
  const log = s.deps.logger.child({ component: 'tail' });
  return router().get('/tail', async (c) => {
    const parsed = LogFilterQuery.safeParse(c.req.query());
    if (!parsed.success) {
      const i = parsed.error.issues[0];
      throw new ValidationError(`invalid query: ${i?.path.join('.')}: ${i?.message}`, parsed.error.issues);
    }
    const scope = scopeOf(c);
    const f = toFilter(parsed.data);
    const tenants = await s.sql.rows<{
      id: string;
    }>(sql`SELECT t.id FROM tenants t WHERE ${scope.tenantPredicate(sql`t.id`)}
      ${f.tenantId ? sql`AND t.id = ${f.tenantId}::uuid` : sql``} ORDER BY t.id LIMIT ${MAX_TENANTS}`);
    if (f.tenantId && tenants.length === 0)
      throw new ValidationError('tenantId is not a tenant in your scope');
    const devices = await s.sql.rows<{ id: string; name: string; tenant_id: string }>(sql`
      SELECT d.id, d.name, d.tenant_id FROM devices d WHERE ${scope.tenantPredicate(sql`d.tenant_id`)}
      ${f.tenantId ? sql`AND d.tenant_id = ${f.tenantId}::uuid` : sql``}
      ${Object.keys(f.labels).length > 0 ? sql`AND d.labels @> ${JSON.stringify(f.labels)}::jsonb` : sql``}`);
    const names = new Map(devices.map((d) => [d.id, d.name]));
    const allowedDevices =
      f.deviceIds || Object.keys(f.labels).length > 0
        ? new Set(
            (f.deviceIds ?? devices.map((d) => d.id)).filter(
              (id) => Object.keys(f.labels).length === 0 || names.has(id),
            ),
          )
        : null;
    const severities = f.severities ? new Set(f.severities) : null;
    const { tailQueueMax, tailHeartbeatMs } = s.deps.config;

    return streamSSE(c, async (stream) => {
      const queue: LogLineDto[] = [];
      let dropped = 0;
      let closed = false;
      let wake: (() => void) | undefined;
      const onMessage = (subject: string, data: Uint8Array) => {
        try {
          const env = decodeEnvelope(data);
          if (env.channel !== 'logs') return;
          if (allowedDevices && !allowedDevices.has(env.deviceId)) return;
          for (const m of env.messages) {
            for (const r of decodePayload('logs', m.payload, m.receivedAtMs).records) {
              if (r.kind !== 'log') continue;
              if (severities && !severities.has(r.severity)) continue;
              if (f.maxSeverity !== undefined && r.severity > f.maxSeverity) continue;
              if (!matchesText(f.text, r.message)) continue;
              if (queue.length >= tailQueueMax) {
                dropped++;
                continue;
              }
              queue.push({
                time: new Date(r.time).toISOString(),
                receivedAt: new Date(r.receivedAt).toISOString(),
                tenantId: env.tenantId,
                deviceId: env.deviceId,
                deviceName: names.get(env.deviceId) ?? null,
                seq: r.seq ?? 0,
                severity: r.severity,
                message: r.message,
                attrs: r.attrs,
              });
            }
          }
          wake?.();
        } catch (err) {
          log.warn({ err, subject }, 'undecodable ingest message skipped in live tail');
        }
      };
      const subs = tenants.map((t) =>
        s.deps.bus.subscribe(`${subj.prefix}.ingest.${t.id}.*.logs`, onMessage),
      );
      stream.onAbort(() => {
        closed = true;
        for (const sub of subs) sub.unsubscribe();
        wake?.();
      });
      try {
        await stream.writeSSE({ event: 'ready', data: JSON.stringify({ tenants: tenants.length }) });
        while (!closed) {
          if (queue.length === 0 && dropped === 0) {
            const timedOut = await new Promise<boolean>((resolve) => {
              const timer = setTimeout(() => resolve(true), tailHeartbeatMs);
              wake = () => {
                clearTimeout(timer);
                resolve(false);
              };
            });
            wake = undefined;
            if (closed) break;
            if (timedOut) await stream.write(': heartbeat\n\n');
            continue;
          }
          const batch = queue.splice(0, queue.length);
          for (const line of batch) await stream.writeSSE({ event: 'log', data: JSON.stringify(line) });
          if (dropped > 0) {
            await stream.writeSSE({ event: 'dropped', data: JSON.stringify({ count: dropped }) });
            dropped = 0;
          }
        }
      } finally {
        closed = true;
        for (const sub of subs) sub.unsubscribe();
      }
    });
  });
}
