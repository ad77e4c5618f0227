import { sql } from 'drizzle-orm';
import {
  bigserial,
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { tstz } from './columns.js';
import { devices } from './devices.js';
import { alertRuleKind, alertState } from './enums.js';
import { tenants } from './organizations.js';

export const alertRules = pgTable(
  'alert_rules',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    kind: alertRuleKind('kind').notNull(),
    spec: jsonb('spec').$type<Record<string, unknown>>().notNull(),
    labelSelector: jsonb('label_selector')
      .$type<Record<string, string>>()
      .notNull()
      .default(sql`'{}'::jsonb`),
    webhookUrl: text('webhook_url'),
    webhookSecret: text('webhook_secret'),
    actions: jsonb('actions')
      .$type<unknown[]>()
      .notNull()
      .default(sql`'[]'::jsonb`),
    enabled: boolean('enabled').notNull().default(true),
    createdAt: tstz('created_at').notNull().defaultNow(),
    updatedAt: tstz('updated_at').notNull().defaultNow(),
  },
  (t) => [index('alert_rules_tenant_idx').on(t.tenantId)],
);

/** Alert instances: at most one open (not resolved) alert per rule and device. */
export const alerts = pgTable(
  'alerts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    ruleId: uuid('rule_id')
      .notNull()
      .references(() => alertRules.id, { onDelete: 'cascade' }),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    deviceId: uuid('device_id')
      .notNull()
      .references(() => devices.id, { onDelete: 'cascade' }),
    state: alertState('state').notNull(),
    value: doublePrecision('value'),
    message: text('message'),
    startedAt: tstz('started_at').notNull().defaultNow(),
    firedAt: tstz('fired_at'),
    resolvedAt: tstz('resolved_at'),
    acknowledgedAt: tstz('acknowledged_at'),
    acknowledgedBy: text('acknowledged_by'),
    silencedUntil: tstz('silenced_until'),
  },
  (t) => [
    uniqueIndex('alerts_open_rule_device_key')
      .on(t.ruleId, t.deviceId)
      .where(sql`state <> 'resolved'`),
    index('alerts_tenant_started_idx').on(t.tenantId, t.startedAt.desc().nullsFirst()),
  ],
);

export const notificationDeliveries = pgTable(
  'notification_deliveries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    alertId: uuid('alert_id')
      .notNull()
      .references(() => alerts.id, { onDelete: 'cascade' }),
    attempt: integer('attempt').notNull(),
    url: text('url').notNull(),
    statusCode: integer('status_code'),
    error: text('error'),
    durationMs: integer('duration_ms'),
    at: tstz('at').notNull().defaultNow(),
  },
  (t) => [index('notification_deliveries_alert_idx').on(t.alertId)],
);
