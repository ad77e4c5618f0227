import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, text, unique, uuid } from 'drizzle-orm/pg-core';
import { tstz } from './columns.js';
import { credentialKind } from './enums.js';
import { tenants } from './organizations.js';

export const devices = pgTable(
  'devices',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    labels: jsonb('labels')
      .$type<Record<string, string>>()
      .notNull()
      .default(sql`'{}'::jsonb`),
    createdAt: tstz('created_at').notNull().defaultNow(),
    lastSeenAt: tstz('last_seen_at'),
    online: boolean('online').notNull().default(false),
    disabledAt: tstz('disabled_at'),
    desiredConfig: jsonb('desired_config').$type<Record<string, unknown>>(),
    desiredConfigVersion: integer('desired_config_version').notNull().default(0),
    reportedConfig: jsonb('reported_config').$type<Record<string, unknown>>(),
    reportedConfigAt: tstz('reported_config_at'),
  },
  (t) => [unique('devices_tenant_name_key').on(t.tenantId, t.name)],
);

/**
 * Device credentials. `secret_hash` is the sha256 hex of the token (kind `token`) or the lower-case hex
 * sha256 fingerprint of the client certificate's DER (kind `x509`). Several active rows per device.
 */
export const deviceCredentials = pgTable(
  'device_credentials',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    deviceId: uuid('device_id')
      .notNull()
      .references(() => devices.id, { onDelete: 'cascade' }),
    kind: credentialKind('kind').notNull(),
    secretHash: text('secret_hash').notNull(),
    label: text('label'),
    createdAt: tstz('created_at').notNull().defaultNow(),
    expiresAt: tstz('expires_at'),
    revokedAt: tstz('revoked_at'),
    lastUsedAt: tstz('last_used_at'),
  },
  (t) => [
    index('device_credentials_secret_hash_idx').on(t.secretHash),
    index('device_credentials_device_idx').on(t.deviceId),
  ],
);
