/**
 * What a lifecycle step does outside the state: the `alerts` row (idempotent), the state change on
 * `iot.alert.{tenant}`, and — only when the row really changed — the webhook and the command actions.
 * Pending alerts and cancelled pendings are published but not notified; silenced alerts are not notified.
 */
import { randomUUID } from 'node:crypto';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Subjects } from '@iotlog/edge-sdk/protocol';
import type { Logger } from 'pino';
import { isSilenced, type AlertRow, type AlertStore } from './alert-store.js';
import type { Change, RuleState } from './evaluate.js';
import type { LoadedRule } from './rule-source.js';
import type { WebhookSender } from './webhook.js';

export type AlertEvent = 'pending' | 'firing' | 'resolved';

export interface AlertNotification {
  event: AlertEvent;
  alert: AlertRow;
  rule: { id: string; name: string; severity: string; type: string };
}

export interface Effects {
  /**
   * Makes the `alerts` row match a state whose step was taken but whose effects may have failed (database down,
   * crash): idempotent, and notifies only if the row really changed.
   */
  ensure(rule: LoadedRule, deviceId: string, state: RuleState): Promise<void>;
  apply(
    rule: LoadedRule,
    deviceId: string,
    change: Change,
    detail: { value?: number | null; message?: string },
  ): Promise<void>;
}

export function createEffects(deps: {
  nc: NatsConnection;
  subjects: Subjects;
  alerts: AlertStore;
  webhooks: WebhookSender;
  logger: Logger;
}): Effects {
  const { nc, subjects, alerts, webhooks } = deps;
  const log = deps.logger.child({ component: 'alert-effects' });

  function publish(event: AlertEvent, alert: AlertRow, rule: LoadedRule): AlertNotification {
    const n: AlertNotification = {
      event,
      alert,
      rule: { id: rule.id, name: rule.name, severity: rule.severity, type: rule.condition.type },
    };
    nc.publish(subjects.alert(alert.tenantId), JSON.stringify(n));
    return n;
  }

  function notify(n: AlertNotification, rule: LoadedRule): void {
    if (isSilenced(n.alert)) {
      log.info({ alertId: n.alert.id, event: n.event }, 'alert silenced; not notified');
      return;
    }
    if (rule.webhook) void webhooks.send(n.alert.id, rule.webhook.url, rule.webhook.secret, n);
    if (n.event !== 'firing') return;
    for (const action of rule.actions) {
      const cmd = { id: randomUUID(), name: action.name, data: action.data ?? null, ts: Date.now() };
      nc.publish(subjects.cmd(n.alert.tenantId, n.alert.deviceId), JSON.stringify(cmd));
      log.info(
        { alertId: n.alert.id, deviceId: n.alert.deviceId, command: action.name, commandId: cmd.id },
        'command action sent',
      );
    }
  }

  const effects: Effects = {
    async ensure(rule, deviceId, state) {
      const detail =
        typeof state.lastValue === 'number' ? { value: state.lastValue } : { message: state.lastValue };
      if (state.status === 'ok') return effects.apply(rule, deviceId, 'resolved', {});
      return effects.apply(rule, deviceId, state.status, detail);
    },
    async apply(rule, deviceId, change, detail) {
      const base = {
        ruleId: rule.id,
        tenantId: rule.tenantId,
        deviceId,
        value: detail.value ?? null,
        message: detail.message ?? null,
      };
      if (change === 'pending' || change === 'firing') {
        const t = await alerts.open({ ...base, state: change });
        if (!t.changed) return;
        const n = publish(change, t.alert, rule);
        if (change === 'firing') notify(n, rule);
        log.info({ alertId: t.alert.id, ruleId: rule.id, deviceId, state: change }, 'alert state changed');
        return;
      }
      const t = await alerts.resolve(rule.id, deviceId);
      if (!t) return;
      const n = publish('resolved', t.alert, rule);
      if (change === 'resolved' && t.alert.firedAt !== null) notify(n, rule);
      log.info({ alertId: t.alert.id, ruleId: rule.id, deviceId, state: 'resolved' }, 'alert state changed');
    },
  };
  return effects;
}
