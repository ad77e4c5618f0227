// Alert rules: CRUD per tenant, validated by the engine's own schema (@iotlog/processor/alerting parseRule).
// The webhook secret is write-only: responses say whether one is set, never its value.
import { parseRule, RULE_COLUMNS, ruleToRow, type RuleRow } from '@iotlog/processor/alerting';
import { sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { scopeOf } from '../../auth/middleware.js';
import { writeAudit } from '../../audit.js';
import type { Sql } from '../../db/sql.js';
import { NotFoundError, ValidationError } from '../../errors.js';
import { router } from '../../lib/router.js';
import type { Services } from '../../services.js';
import { tenantInScope } from '../tenants/tenants.routes.js';
import { translating } from '../commands/errors.js';

const ruleColumns = sql.raw(RULE_COLUMNS);

export function toRuleDto(r: RuleRow) {
  const { severity, ...condition } = r.spec;
  return {
    id: r.id,
    tenantId: r.tenantId,
    name: r.name,
    enabled: r.enabled,
    severity: severity ?? 'warning',
    labels: r.labelSelector,
    condition: { type: r.kind, ...condition },
    webhook: r.webhookUrl ? { url: r.webhookUrl, secretSet: r.webhookSecret !== null } : null,
    actions: r.actions,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

const TenantQuery = z.object({ tenantId: z.uuid().optional() });
const IdParam = z.object({ id: z.uuid() });

async function jsonBody(req: { json(): Promise<unknown> }): Promise<Record<string, unknown>> {
  let body: unknown;
  try {
    body = await req.json();
  } catch (cause) {
    throw new ValidationError('request body must be JSON', undefined, cause);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new ValidationError('request body must be a JSON object');
  return body as Record<string, unknown>;
}

function parse<T>(schema: z.ZodType<T>, v: unknown, what: string): T {
  const r = schema.safeParse(v);
  if (!r.success)
    throw new ValidationError(
      `invalid ${what}: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      r.error.issues,
    );
  return r.data;
}

export async function ruleInScope(db: Sql, scopePredicate: SQL, id: string): Promise<RuleRow> {
  const row = await db.one<RuleRow>(
    sql`SELECT ${ruleColumns} FROM alert_rules WHERE id = ${id}::uuid AND ${scopePredicate}`,
  );
  if (!row) throw new NotFoundError('rule', id);
  return row;
}

export function rulesRoutes(s: Services) {
  return router()
    .get('/', async (c) => {
      const scope = scopeOf(c);
      const q = parse(TenantQuery, c.req.query(), 'query');
      const rows = await s.sql
        .rows<RuleRow>(sql`SELECT ${ruleColumns} FROM alert_rules WHERE ${scope.tenantPredicate(sql`tenant_id`)}
        ${q.tenantId ? sql`AND tenant_id = ${q.tenantId}::uuid` : sql``} ORDER BY name, id LIMIT 1000`);
      return c.json({ items: rows.map(toRuleDto) }, 200);
    })
    .post('/', async (c) => {
      const scope = scopeOf(c);
      scope.require('devices.write');
      const { tenantId, ...input } = await jsonBody(c.req);
      const tenant = parse(z.uuid(), tenantId, 'tenantId');
      const r = ruleToRow(await translating(async () => parseRule(input)));
      const row = await s.sql.tx(async (tx) => {
        await tenantInScope(tx, scope, tenant);
        const created = await tx.one<RuleRow>(sql`INSERT INTO alert_rules
          (tenant_id, name, kind, spec, label_selector, webhook_url, webhook_secret, actions, enabled)
          VALUES (${tenant}::uuid, ${r.name}, ${r.kind}::alert_rule_kind, ${JSON.stringify(r.spec)}::jsonb, ${JSON.stringify(r.labelSelector)}::jsonb,
            ${r.webhookUrl}, ${r.webhookSecret}, ${JSON.stringify(r.actions)}::jsonb, ${r.enabled}) RETURNING ${ruleColumns}`);
        await writeAudit(tx, scope, {
          action: 'rule.create',
          targetType: 'alert_rule',
          targetId: created!.id,
          tenantId: tenant,
          details: { name: r.name, kind: r.kind },
        });
        return created!;
      });
      return c.json(toRuleDto(row), 201);
    })
    .get('/:id', async (c) => {
      const scope = scopeOf(c);
      const { id } = parse(IdParam, c.req.param(), 'path');
      return c.json(toRuleDto(await ruleInScope(s.sql, scope.tenantPredicate(sql`tenant_id`), id)), 200);
    })
    .put('/:id', async (c) => {
      const scope = scopeOf(c);
      scope.require('devices.write');
      const { id } = parse(IdParam, c.req.param(), 'path');
      const body = await jsonBody(c.req);
      delete body.tenantId;
      const row = await s.sql.tx(async (tx) => {
        const old = await ruleInScope(tx, scope.tenantPredicate(sql`tenant_id`), id);
        // a webhook given without a secret keeps the stored secret
        const wh = body.webhook as Record<string, unknown> | undefined;
        if (wh && typeof wh === 'object' && wh.secret === undefined && old.webhookSecret)
          body.webhook = { ...wh, secret: old.webhookSecret };
        const r = ruleToRow(await translating(async () => parseRule(body)));
        const updated =
          await tx.one<RuleRow>(sql`UPDATE alert_rules SET name = ${r.name}, kind = ${r.kind}::alert_rule_kind,
          spec = ${JSON.stringify(r.spec)}::jsonb, label_selector = ${JSON.stringify(r.labelSelector)}::jsonb, webhook_url = ${r.webhookUrl},
          webhook_secret = ${r.webhookSecret}, actions = ${JSON.stringify(r.actions)}::jsonb, enabled = ${r.enabled}, updated_at = now()
          WHERE id = ${id}::uuid RETURNING ${ruleColumns}`);
        await writeAudit(tx, scope, {
          action: 'rule.update',
          targetType: 'alert_rule',
          targetId: id,
          tenantId: old.tenantId,
          details: { name: r.name },
        });
        return updated!;
      });
      return c.json(toRuleDto(row), 200);
    })
    .delete('/:id', async (c) => {
      const scope = scopeOf(c);
      scope.require('devices.write');
      const { id } = parse(IdParam, c.req.param(), 'path');
      await s.sql.tx(async (tx) => {
        const old = await ruleInScope(tx, scope.tenantPredicate(sql`tenant_id`), id);
        await tx.rows(sql`DELETE FROM alert_rules WHERE id = ${id}::uuid`);
        await writeAudit(tx, scope, {
          action: 'rule.delete',
          targetType: 'alert_rule',
          targetId: id,
          tenantId: old.tenantId,
          details: { name: old.name },
        });
      });
      return c.body(null, 204);
    });
}
