/**
 * The engine's view of `alert_rules` and device labels: every enabled rule is loaded and reloaded every
 * `refreshMs` (rules are few; a rule change takes effect within that time on every replica), device labels are
 * cached per device for `labelsTtlMs`.
 */
import type { Logger } from 'pino';
import type { Queryable } from './alert-store.js';
import { RuleValidationError } from './errors.js';
import { parseRule, type Rule, type RuleSpec } from './rules.js';

export type LoadedRule = Rule & { createdAtMs: number; regex?: RegExp };

export type RuleRow = {
  id: string;
  tenantId: string;
  name: string;
  kind: string;
  spec: Record<string, unknown>;
  labelSelector: Record<string, string>;
  webhookUrl: string | null;
  webhookSecret: string | null;
  actions: unknown[];
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
};

export const RULE_COLUMNS = `id, tenant_id AS "tenantId", name, kind, spec, label_selector AS "labelSelector",
  webhook_url AS "webhookUrl", webhook_secret AS "webhookSecret", actions, enabled,
  to_json(created_at) #>> '{}' AS "createdAt", to_json(updated_at) #>> '{}' AS "updatedAt"`;

/** Storage layout of a rule: `kind` = condition type, `spec` = the condition plus the rule's `severity`. */
export function ruleToRow(r: RuleSpec): Omit<RuleRow, 'id' | 'tenantId' | 'createdAt' | 'updatedAt'> {
  return {
    name: r.name,
    kind: r.condition.type,
    spec: { ...r.condition, severity: r.severity },
    labelSelector: r.labels,
    webhookUrl: r.webhook?.url ?? null,
    webhookSecret: r.webhook?.secret ?? null,
    actions: r.actions,
    enabled: r.enabled,
  };
}

/** Back from storage (validated again: a rule stored by an older version is refused, not half-evaluated). */
export function rowToRule(row: RuleRow): Rule {
  const { severity, ...condition } = row.spec;
  const spec = parseRule({
    name: row.name,
    enabled: row.enabled,
    ...(severity === undefined ? {} : { severity }),
    labels: row.labelSelector,
    condition: { type: row.kind, ...condition },
    ...(row.webhookUrl && row.webhookSecret
      ? { webhook: { url: row.webhookUrl, secret: row.webhookSecret } }
      : {}),
    actions: row.actions,
  });
  return { ...spec, id: row.id, tenantId: row.tenantId };
}

export interface RuleSource {
  /** Enabled rules of a tenant (label selectors not applied). */
  tenantRules(tenantId: string): LoadedRule[];
  /** Does the tenant have any enabled rule (cheap check before decoding)? */
  hasRules(tenantId: string): boolean;
  all(): LoadedRule[];
  labels(deviceId: string): Promise<Record<string, string> | null>;
  refresh(): Promise<void>;
  start(): Promise<void>;
  stop(): void;
}

export function createRuleSource(deps: {
  db: Queryable;
  logger: Logger;
  refreshMs: number;
  labelsTtlMs?: number;
}): RuleSource {
  const { db, logger } = deps;
  let byTenant = new Map<string, LoadedRule[]>();
  const labelCache = new Map<string, { labels: Record<string, string> | null; at: number }>();
  let timer: NodeJS.Timeout | undefined;

  async function refresh(): Promise<void> {
    const rows = await db.query<RuleRow>(`SELECT ${RULE_COLUMNS} FROM alert_rules WHERE enabled`);
    const next = new Map<string, LoadedRule[]>();
    for (const row of rows) {
      let rule: Rule;
      try {
        rule = rowToRule(row);
      } catch (err) {
        if (!(err instanceof RuleValidationError)) throw err;
        logger.warn({ err, ruleId: row.id }, 'stored rule is invalid; skipped');
        continue;
      }
      const loaded: LoadedRule = { ...rule, createdAtMs: Date.parse(row.createdAt) };
      if (rule.condition.type === 'log_match' && rule.condition.pattern)
        loaded.regex = new RegExp(rule.condition.pattern);
      const list = next.get(rule.tenantId) ?? [];
      list.push(loaded);
      next.set(rule.tenantId, list);
    }
    byTenant = next;
  }

  return {
    tenantRules: (tenantId) => byTenant.get(tenantId) ?? [],
    hasRules: (tenantId) => byTenant.has(tenantId),
    all: () => [...byTenant.values()].flat(),
    async labels(deviceId) {
      const hit = labelCache.get(deviceId);
      if (hit && Date.now() - hit.at < (deps.labelsTtlMs ?? 30_000)) return hit.labels;
      const rows = await db.query<{ labels: Record<string, string> }>(
        'SELECT labels FROM devices WHERE id = $1',
        [deviceId],
      );
      const labels = rows[0]?.labels ?? null;
      if (labelCache.size > 100_000) labelCache.clear();
      labelCache.set(deviceId, { labels, at: Date.now() });
      return labels;
    },
    refresh,
    async start() {
      await refresh();
      const loop = () => {
        timer = setTimeout(() => {
          refresh()
            .catch((err: unknown) =>
              logger.error({ err }, 'reloading alert rules failed; keeping the previous set'),
            )
            .finally(() => {
              if (timer) loop();
            });
        }, deps.refreshMs);
      };
      loop();
    },
    stop() {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
