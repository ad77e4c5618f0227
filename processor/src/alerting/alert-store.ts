/**
 * Alert rows in `alerts`, written idempotently: at most one open (pending or firing) alert per rule and device,
 * guaranteed by the partial unique index `alerts_open_rule_device_key`; every write says whether it changed the
 * row, and only a write that changed it leads to a notification (no storm of copies, even on redelivery).
 * Silence: `silenced_until` (a time, or `infinity` = until resolved); a new alert of the same rule and device
 * inherits a timed silence that is still running.
 */
export interface Queryable {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>;
}

export type AlertState = 'pending' | 'firing' | 'resolved';

export interface AlertRow {
  id: string;
  ruleId: string;
  tenantId: string;
  deviceId: string;
  state: AlertState;
  value: number | null;
  message: string | null;
  startedAt: string;
  firedAt: string | null;
  resolvedAt: string | null;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  /** ISO time, `infinity` (until resolved) or null. */
  silencedUntil: string | null;
}

/** The columns of an AlertRow; `t` is a table alias with its dot (`a.`) for joins. */
export const alertColumns = (
  t = '',
): string => `${t}id, ${t}rule_id AS "ruleId", ${t}tenant_id AS "tenantId", ${t}device_id AS "deviceId",
  ${t}state, ${t}value, ${t}message, to_json(${t}started_at) #>> '{}' AS "startedAt", to_json(${t}fired_at) #>> '{}' AS "firedAt",
  to_json(${t}resolved_at) #>> '{}' AS "resolvedAt", to_json(${t}acknowledged_at) #>> '{}' AS "acknowledgedAt",
  ${t}acknowledged_by AS "acknowledgedBy", CASE WHEN ${t}silenced_until = 'infinity' THEN 'infinity' ELSE to_json(${t}silenced_until) #>> '{}' END AS "silencedUntil"`;
export const ALERT_COLUMNS = alertColumns();

/** Is the alert silenced at `now` (ms)? */
export function isSilenced(a: Pick<AlertRow, 'silencedUntil'>, now = Date.now()): boolean {
  if (a.silencedUntil === null) return false;
  if (a.silencedUntil === 'infinity') return true;
  return Date.parse(a.silencedUntil) > now;
}

export interface Transition {
  alert: AlertRow;
  /** False when the row already was in that state (redelivery, another replica): do not notify again. */
  changed: boolean;
}

export interface AlertStore {
  /** Opens (or promotes to firing) the alert of a rule on a device. */
  open(a: {
    ruleId: string;
    tenantId: string;
    deviceId: string;
    state: 'pending' | 'firing';
    value?: number | null;
    message?: string | null;
  }): Promise<Transition>;
  /** Resolves the open alert of a rule on a device; null when none is open. */
  resolve(ruleId: string, deviceId: string): Promise<Transition | null>;
}

export function createAlertStore(db: Queryable): AlertStore {
  const openRow = async (ruleId: string, deviceId: string) =>
    (
      await db.query<AlertRow>(
        `SELECT ${ALERT_COLUMNS} FROM alerts WHERE rule_id = $1 AND device_id = $2 AND state <> 'resolved'`,
        [ruleId, deviceId],
      )
    )[0];
  return {
    async open({ ruleId, tenantId, deviceId, state, value = null, message = null }) {
      const inserted = await db.query<AlertRow>(
        `INSERT INTO alerts (rule_id, tenant_id, device_id, state, value, message, fired_at, silenced_until)
         VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $4::alert_state = 'firing' THEN now() END,
           (SELECT max(silenced_until) FROM alerts WHERE rule_id = $1 AND device_id = $3
              AND silenced_until > now() AND silenced_until <> 'infinity'))
         ON CONFLICT (rule_id, device_id) WHERE state <> 'resolved' DO NOTHING
         RETURNING ${ALERT_COLUMNS}`,
        [ruleId, tenantId, deviceId, state, value, message],
      );
      if (inserted[0]) return { alert: inserted[0], changed: true };
      if (state === 'firing') {
        const fired = await db.query<AlertRow>(
          `UPDATE alerts SET state = 'firing', fired_at = now(), value = coalesce($3, value), message = coalesce($4, message)
           WHERE rule_id = $1 AND device_id = $2 AND state = 'pending' RETURNING ${ALERT_COLUMNS}`,
          [ruleId, deviceId, value, message],
        );
        if (fired[0]) return { alert: fired[0], changed: true };
      }
      const existing = await openRow(ruleId, deviceId);
      if (existing) return { alert: existing, changed: false };
      // resolved between our insert and select (another replica): try once more
      return this.open({ ruleId, tenantId, deviceId, state, value, message });
    },
    async resolve(ruleId, deviceId) {
      const rows = await db.query<AlertRow>(
        `UPDATE alerts SET state = 'resolved', resolved_at = now() WHERE rule_id = $1 AND device_id = $2 AND state <> 'resolved'
         RETURNING ${ALERT_COLUMNS}`,
        [ruleId, deviceId],
      );
      return rows[0] ? { alert: rows[0], changed: true } : null;
    },
  };
}
