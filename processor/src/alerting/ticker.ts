/**
 * Clock-driven checks, run by the one replica holding the leader lease (see lease.ts): no_data rules over the
 * devices of their tenant, pending thresholds whose `forSeconds` elapsed without a new sample, and firing
 * log_match alerts whose window went quiet. Every step still goes through compare-and-set, so a second leader
 * during a takeover cannot double an alert.
 */
import type { Logger } from 'pino';
import type { Queryable } from './alert-store.js';
import type { Effects } from './effects.js';
import { tickLogMatch, tickNoData, tickThreshold, type RuleState, type Step } from './evaluate.js';
import { matchesLabels } from './rules.js';
import type { LoadedRule, RuleSource } from './rule-source.js';
import type { SeenTracker, SeenValue } from './seen.js';
import { stateKey, stepState, type JsonKv } from './state-store.js';

type DeviceRow = { id: string; tenantId: string; labels: Record<string, string> | null; createdAtMs: number };

export interface Ticker {
  tick(now?: number): Promise<void>;
}

export function createTicker(deps: {
  db: Queryable;
  rules: RuleSource;
  store: JsonKv;
  seen: SeenTracker;
  effects: Effects;
  /** Extra silence tolerated before no-data fires: the seen-flush interval plus margin, ms. */
  slackMs: number;
  logger: Logger;
}): Ticker {
  const { db, rules, store, seen, effects, slackMs } = deps;

  // steps whose effects failed (database down): their rows are repaired on the next ticks
  const failed = new Map<string, { rule: LoadedRule; deviceId: string }>();

  async function step(
    rule: LoadedRule,
    deviceId: string,
    fn: (s: RuleState) => Step,
    message: string,
  ): Promise<void> {
    const r = await stepState(store, stateKey(rule.id, deviceId), fn);
    if (!r.change) return;
    try {
      await effects.apply(rule, deviceId, r.change, { message });
    } catch (err) {
      failed.set(stateKey(rule.id, deviceId), { rule, deviceId });
      deps.logger.error({ err, ruleId: rule.id, deviceId }, 'alert effects failed; retried on the next tick');
    }
  }

  async function repair(): Promise<void> {
    const live = new Set(rules.all().map((r) => r.id));
    for (const [key, { rule, deviceId }] of failed) {
      if (!live.has(rule.id)) {
        failed.delete(key); // the rule was deleted meanwhile, and its alerts with it
        continue;
      }
      const state = await store.get<RuleState>(key);
      await effects.ensure(rule, deviceId, state?.value ?? { status: 'ok' });
      failed.delete(key);
    }
  }

  async function stateDevices(rule: LoadedRule): Promise<string[]> {
    const prefix = `r.${rule.id}.`;
    return (await store.keys(`${prefix}*`)).map((k) => k.slice(prefix.length));
  }

  return {
    async tick(now = Date.now()) {
      await repair();
      const all = rules.all();
      const noData = all.filter((r) => r.condition.type === 'no_data');
      if (noData.length > 0) {
        const tenants = [...new Set(noData.map((r) => r.tenantId))];
        const devices = await db.query<DeviceRow>(
          `SELECT id, tenant_id AS "tenantId", labels, (extract(epoch FROM created_at) * 1000)::float8 AS "createdAtMs"
           FROM devices WHERE tenant_id = ANY($1::uuid[]) AND disabled_at IS NULL`,
          [tenants],
        );
        const seenCache = new Map<string, SeenValue | null>();
        for (const rule of noData) {
          const c = rule.condition;
          if (c.type !== 'no_data') continue;
          for (const d of devices) {
            if (d.tenantId !== rule.tenantId || !matchesLabels(rule.labels, d.labels)) continue;
            let sv = seenCache.get(d.id);
            if (sv === undefined) seenCache.set(d.id, (sv = await seen.get(d.id)));
            const lastSeen = c.metric ? sv?.m[c.metric] : sv?.t;
            const baseline = Math.max(rule.createdAtMs, d.createdAtMs);
            const what = c.metric ? `metric ${c.metric}` : 'data';
            await step(
              rule,
              d.id,
              (s) => tickNoData(c, s, lastSeen, baseline, now, slackMs),
              `no ${what} for ${c.afterSeconds} s`,
            );
          }
        }
      }
      for (const rule of all) {
        const c = rule.condition;
        if (c.type === 'threshold' && c.forSeconds > 0) {
          for (const d of await stateDevices(rule)) {
            await step(
              rule,
              d,
              (s) => tickThreshold(c, s, now),
              `${c.metric} ${c.op} ${c.value} for ${c.forSeconds} s`,
            );
          }
        } else if (c.type === 'log_match') {
          for (const d of await stateDevices(rule)) {
            await step(rule, d, (s) => tickLogMatch(c, s, now), `no matching log for ${c.windowSeconds} s`);
          }
        }
      }
    },
  };
}
