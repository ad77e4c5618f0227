// Bulk import of devices from CSV: header `name[,labels]` (labels as `k=v;k2=v2`), one device per row,
// each row in its own transaction, with a per-row report (created with its token, or the error).
import { createRoute, z } from '@hono/zod-openapi';
import { sql } from 'drizzle-orm';
import { scopeOf } from '../../auth/middleware.js';
import { writeAudit } from '../../audit.js';
import { ValidationError } from '../../errors.js';
import { parseCsv } from '../../lib/csv.js';
import { router } from '../../lib/router.js';
import { body, errorResponses, json } from '../../lib/schemas.js';
import type { Services } from '../../services.js';
import { tenantInScope } from '../tenants/tenants.routes.js';
import { DeviceName, issueToken, Labels } from './devices.repo.js';

const ImportBody = z.object({
  tenantId: z.uuid(),
  csv: z
    .string()
    .min(1)
    .max(5_000_000)
    .openapi({ example: 'name,labels\npump-1,site=berlin;model=x2\npump-2,site=paris' }),
});
const RowReport = z.object({
  line: z.number().int(),
  name: z.string(),
  ok: z.boolean(),
  deviceId: z.uuid().nullable(),
  token: z.string().nullable().openapi({ description: 'shown once' }),
  error: z.string().nullable(),
});
const ImportReport = z
  .object({ created: z.number().int(), failed: z.number().int(), rows: z.array(RowReport) })
  .openapi('ImportReport');
const MAX_ROWS = 10_000;

function parseLabels(cell: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (cell ?? '').split(';')) {
    if (part.trim() === '') continue;
    const i = part.indexOf('=');
    if (i <= 0) throw new Error(`label "${part}" is not key=value`);
    out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}

export function importRoutes(s: Services) {
  return router().openapi(
    createRoute({
      method: 'post',
      path: '/import',
      tags: ['devices'],
      summary: 'Bulk create devices from CSV (operator+) with a per-row report',
      request: { body: body(ImportBody) },
      responses: { 200: json(ImportReport), ...errorResponses },
    }),
    async (c) => {
      const scope = scopeOf(c);
      scope.require('devices.write');
      const input = c.req.valid('json');
      await tenantInScope(s.sql, scope, input.tenantId);
      const rows = parseCsv(input.csv);
      const header = rows.shift()?.fields.map((f) => f.trim().toLowerCase()) ?? [];
      const nameAt = header.indexOf('name');
      const labelsAt = header.indexOf('labels');
      if (nameAt < 0)
        throw new ValidationError(
          'the CSV needs a header row with a "name" column (and optionally "labels" as k=v;k2=v2)',
        );
      if (rows.length > MAX_ROWS)
        throw new ValidationError(`at most ${MAX_ROWS} rows per import; split the file`);
      const report: z.infer<typeof RowReport>[] = [];
      for (const row of rows) {
        const name = (row.fields[nameAt] ?? '').trim();
        const fail = (error: string) =>
          report.push({ line: row.line, name, ok: false, deviceId: null, token: null, error });
        const parsedName = DeviceName.safeParse(name);
        if (!parsedName.success) {
          fail(`invalid name: ${parsedName.error.issues[0]?.message ?? 'invalid'}`);
          continue;
        }
        let labels: Record<string, string>;
        try {
          labels = Labels.parse(parseLabels(labelsAt >= 0 ? row.fields[labelsAt] : undefined));
        } catch (err) {
          fail(
            `invalid labels: ${err instanceof z.ZodError ? (err.issues[0]?.message ?? 'invalid') : (err as Error).message}`,
          );
          continue;
        }
        const created = await s.sql.tx(async (tx) => {
          const d = await tx.one<{ id: string }>(sql`INSERT INTO devices (tenant_id, name, labels)
            VALUES (${input.tenantId}::uuid, ${name}, ${JSON.stringify(labels)}::jsonb)
            ON CONFLICT DO NOTHING RETURNING id`);
          if (!d) return null;
          const cred = await issueToken(tx, d.id, 'initial');
          await writeAudit(tx, scope, {
            action: 'device.create',
            targetType: 'device',
            targetId: d.id,
            tenantId: input.tenantId,
            details: { name, labels, via: 'import' },
          });
          return { deviceId: d.id, token: cred.token };
        });
        if (!created) fail(`a device named "${name}" already exists in this tenant`);
        else
          report.push({
            line: row.line,
            name,
            ok: true,
            deviceId: created.deviceId,
            token: created.token,
            error: null,
          });
      }
      const ok = report.filter((r) => r.ok).length;
      return c.json({ created: ok, failed: report.length - ok, rows: report }, 200);
    },
  );
}
