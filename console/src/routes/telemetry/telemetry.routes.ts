// Telemetry: metrics of a device, bucketed series for one or several devices, last values.
// Buckets: time_bucket on TimescaleDB, date_bin elsewhere; the bucket size is chosen from the range.
import { createRoute, z } from '@hono/zod-openapi';
import { sql } from 'drizzle-orm';
import { scopeOf } from '../../auth/middleware.js';
import { router } from '../../lib/router.js';
import { errorResponses, iso, json } from '../../lib/schemas.js';
import { bucketSeconds, resolveRange } from '../../lib/time-range.js';
import type { Services } from '../../services.js';
import { deviceInScope } from '../devices/devices.repo.js';

const DeviceQuery = z.object({
  deviceId: z.uuid(),
  since: z.string().max(20).optional().openapi({ description: 'look-back for metric names (default 30d)' }),
});
const SeriesQuery = z.object({
  deviceIds: z
    .string()
    .transform((s) => [
      ...new Set(
        s
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean),
      ),
    ])
    .pipe(z.array(z.uuid()).min(1).max(20))
    .openapi({ type: 'string', description: 'comma-separated device ids (1..20)' }),
  metric: z.string().min(1).max(200),
  since: z.string().max(20).optional().openapi({ description: 'relative range (default 24h)' }),
  from: z.string().max(40).optional(),
  to: z.string().max(40).optional(),
  points: z.coerce
    .number()
    .int()
    .min(10)
    .max(5000)
    .default(500)
    .openapi({ description: 'maximum buckets per series' }),
});

const Metric = z.object({ metric: z.string(), lastTime: z.string() });
const Latest = z.object({ metric: z.string(), time: z.string(), value: z.number() });
const Point = z.object({
  time: z.string(),
  avg: z.number(),
  min: z.number(),
  max: z.number(),
  count: z.number().int(),
});
const Series = z
  .object({
    metric: z.string(),
    from: z.string(),
    to: z.string(),
    bucketSeconds: z.number().int(),
    bucketFunction: z.enum(['time_bucket', 'date_bin']),
    series: z.array(z.object({ deviceId: z.uuid(), deviceName: z.string(), points: z.array(Point) })),
  })
  .openapi('TelemetrySeries');

export function telemetryRoutes(s: Services) {
  return router()
    .openapi(
      createRoute({
        method: 'get',
        path: '/metrics',
        tags: ['telemetry'],
        summary: 'Metric names a device reported (default last 30 days)',
        request: { query: DeviceQuery },
        responses: { 200: json(z.object({ items: z.array(Metric) })), ...errorResponses },
      }),
      async (c) => {
        const q = c.req.valid('query');
        await deviceInScope(s.sql, scopeOf(c), q.deviceId);
        const range = resolveRange({ since: q.since }, '30d');
        const rows = await s.sql.rows<{ metric: string; last: Date }>(sql`
          SELECT metric, max(time) AS last FROM telemetry
          WHERE device_id = ${q.deviceId}::uuid AND time >= ${range.from.toISOString()}::timestamptz
          GROUP BY metric ORDER BY metric`);
        return c.json({ items: rows.map((r) => ({ metric: r.metric, lastTime: iso(r.last) ?? '' })) }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/latest',
        tags: ['telemetry'],
        summary: 'Last value of every metric of a device (default last 30 days)',
        request: { query: DeviceQuery },
        responses: { 200: json(z.object({ items: z.array(Latest) })), ...errorResponses },
      }),
      async (c) => {
        const q = c.req.valid('query');
        await deviceInScope(s.sql, scopeOf(c), q.deviceId);
        const range = resolveRange({ since: q.since }, '30d');
        const rows = await s.sql.rows<{ metric: string; time: Date; value: number }>(sql`
          SELECT DISTINCT ON (metric) metric, time, value FROM telemetry
          WHERE device_id = ${q.deviceId}::uuid AND time >= ${range.from.toISOString()}::timestamptz
          ORDER BY metric, time DESC`);
        return c.json(
          { items: rows.map((r) => ({ metric: r.metric, time: iso(r.time) ?? '', value: Number(r.value) })) },
          200,
        );
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/series',
        tags: ['telemetry'],
        summary: 'Bucketed series (avg/min/max) of one metric for one or several devices',
        request: { query: SeriesQuery },
        responses: { 200: json(Series), ...errorResponses },
      }),
      async (c) => {
        const q = c.req.valid('query');
        const scope = scopeOf(c);
        const devices = await Promise.all(q.deviceIds.map((id) => deviceInScope(s.sql, scope, id)));
        const range = resolveRange(q, '24h');
        const width = bucketSeconds(range, q.points);
        const storage = await s.storage();
        const useTimeBucket = storage.mode === 'timescaledb';
        const interval = sql`${`${width} seconds`}::interval`;
        const bucket = useTimeBucket
          ? sql`time_bucket(${interval}, time)`
          : sql`date_bin(${interval}, time, timestamptz '2000-01-01')`;
        // one query per device (in parallel): each is an ordered index range scan grouped by bucket only
        const series = await Promise.all(
          devices.map(async (d) => {
            const rows = await s.sql.rows<{ t: Date; avg: number; min: number; max: number; n: number }>(sql`
              SELECT ${bucket} AS t, avg(value) AS avg, min(value) AS min, max(value) AS max, count(*)::int AS n
              FROM telemetry
              WHERE device_id = ${d.id}::uuid AND metric = ${q.metric}
                AND time >= ${range.from.toISOString()}::timestamptz AND time < ${range.to.toISOString()}::timestamptz
              GROUP BY 1 ORDER BY 1`);
            return {
              deviceId: d.id,
              deviceName: d.name,
              points: rows.map((r) => ({
                time: iso(r.t) ?? '',
                avg: Number(r.avg),
                min: Number(r.min),
                max: Number(r.max),
                count: Number(r.n),
              })),
            };
          }),
        );
        return c.json(
          {
            metric: q.metric,
            from: range.from.toISOString(),
            to: range.to.toISOString(),
            bucketSeconds: width,
            bucketFunction: useTimeBucket ? ('time_bucket' as const) : ('date_bin' as const),
            series,
          },
          200,
        );
      },
    );
}
