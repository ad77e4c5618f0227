// Logs explorer: search (newest first, cursor pages), histogram of matches, streaming export.
import { createRoute, z } from '@hono/zod-openapi';
import { sql } from 'drizzle-orm';
import { stream } from 'hono/streaming';
import { scopeOf } from '../../auth/middleware.js';
import { ValidationError } from '../../errors.js';
import { csvField } from '../../lib/csv.js';
import { router } from '../../lib/router.js';
import { errorResponses, json } from '../../lib/schemas.js';
import { bucketSeconds } from '../../lib/time-range.js';
import type { Services } from '../../services.js';
import { LogFilterQuery, LogLine, searchPage, toFilter, whereOf, type LogLineDto } from './logs.query.js';

const SearchQuery = LogFilterQuery.extend({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(500).optional(),
});
const HistogramQuery = LogFilterQuery.extend({
  buckets: z.coerce.number().int().min(1).max(1000).default(60),
});
const ExportQuery = LogFilterQuery.extend({
  format: z.enum(['csv', 'ndjson']).default('ndjson'),
  limit: z.coerce.number().int().min(1).max(1_000_000).default(100_000),
});

const Histogram = z
  .object({
    bucketSeconds: z.number().int(),
    from: z.string(),
    to: z.string(),
    buckets: z.array(z.object({ time: z.string(), count: z.number().int() })),
    total: z.number().int(),
  })
  .openapi('LogHistogram');

const csvHeader = 'time,received_at,tenant_id,device_id,device_name,seq,severity,message,attrs\n';
const csvLine = (l: LogLineDto) =>
  [
    l.time,
    l.receivedAt,
    l.tenantId,
    l.deviceId,
    l.deviceName,
    l.seq,
    l.severity,
    l.message,
    l.attrs === null ? '' : l.attrs,
  ]
    .map(csvField)
    .join(',') + '\n';

export function logsRoutes(s: Services) {
  return router()
    .openapi(
      createRoute({
        method: 'get',
        path: '/search',
        tags: ['logs'],
        summary: 'Search logs, newest first; pass nextCursor for the next page',
        request: { query: SearchQuery },
        responses: {
          200: json(z.object({ items: z.array(LogLine), nextCursor: z.string().nullable() })),
          ...errorResponses,
        },
      }),
      async (c) => {
        const q = c.req.valid('query');
        return c.json(await searchPage(s.sql, scopeOf(c), toFilter(q), q.limit, q.cursor), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/histogram',
        tags: ['logs'],
        summary: 'Counts of matching logs over time (bucket chosen from the range and `buckets`)',
        request: { query: HistogramQuery },
        responses: { 200: json(Histogram), ...errorResponses },
      }),
      async (c) => {
        const q = c.req.valid('query');
        const f = toFilter(q);
        const width = bucketSeconds(f.range, q.buckets);
        const rows = await s.sql.rows<{ t: Date; n: number }>(sql`
          SELECT date_bin(make_interval(secs => ${width}), l.time, timestamptz '2000-01-01') AS t, count(*)::int AS n
          FROM logs l WHERE ${whereOf(scopeOf(c), f)} GROUP BY 1 ORDER BY 1`);
        const buckets = rows.map((r) => ({ time: new Date(r.t).toISOString(), count: Number(r.n) }));
        return c.json(
          {
            bucketSeconds: width,
            from: f.range.from.toISOString(),
            to: f.range.to.toISOString(),
            buckets,
            total: buckets.reduce((a, b) => a + b.count, 0),
          },
          200,
        );
      },
    )
    .get('/export', async (c) => {
      // Streaming download (CSV or NDJSON) of everything matching, newest first, in keyset batches.
      const parsed = ExportQuery.safeParse(c.req.query());
      if (!parsed.success) {
        throw new ValidationError(
          `invalid query: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`,
          parsed.error.issues,
        );
      }
      const q = parsed.data;
      const scope = scopeOf(c);
      const f = toFilter(q);
      const ext = q.format === 'csv' ? 'csv' : 'ndjson';
      c.header('content-type', q.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson');
      c.header(
        'content-disposition',
        `attachment; filename="logs-${new Date().toISOString().replace(/[:.]/g, '-')}.${ext}"`,
      );
      return stream(
        c,
        async (out) => {
          if (q.format === 'csv') await out.write(csvHeader);
          let cursor: string | undefined;
          let left = q.limit;
          while (left > 0 && !out.aborted) {
            const page = await searchPage(s.sql, scope, f, Math.min(2000, left), cursor);
            let chunk = '';
            for (const l of page.items) chunk += q.format === 'csv' ? csvLine(l) : JSON.stringify(l) + '\n';
            if (chunk) await out.write(chunk);
            left -= page.items.length;
            if (!page.nextCursor) break;
            cursor = page.nextCursor;
          }
        },
        async (err, out) => {
          // headers are sent: log it and end the body early (the client sees a truncated file)
          s.deps.logger.error({ err }, 'log export failed');
          await out.write(
            q.format === 'csv' ? '# export failed, see console logs\n' : '{"error":"export failed"}\n',
          );
        },
      );
    });
}
