import {
  bigint,
  bigserial,
  doublePrecision,
  index,
  jsonb,
  pgTable,
  smallint,
  text,
  integer,
  unique,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { bytea, tstz } from './columns.js';

// logs / telemetry / events become TimescaleDB hypertables (migration 0002) when the extension is there.
// They have no foreign keys: ingest must not wait on device rows, and deleting a device keeps its history.

/** One row per log record. `seq` is the device's counter (or a negative stream-derived key), see ARCHITECTURE.md. */
export const logs = pgTable(
  'logs',
  {
    time: tstz('time').notNull(),
    receivedAt: tstz('received_at').notNull().defaultNow(),
    tenantId: uuid('tenant_id').notNull(),
    deviceId: uuid('device_id').notNull(),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    severity: smallint('severity').notNull().default(6),
    message: text('message').notNull(),
    attrs: jsonb('attrs').$type<Record<string, unknown>>(),
  },
  (t) => [
    unique('logs_device_seq_time_key').on(t.deviceId, t.seq, t.time),
    index('logs_tenant_time_idx').on(t.tenantId, t.time.desc().nullsFirst()),
    index('logs_device_time_idx').on(t.deviceId, t.time.desc().nullsFirst()),
    index('logs_message_trgm_idx').using('gin', t.message.op('gin_trgm_ops')),
  ],
);

/** Narrow telemetry: one row per metric per sample; the unique key also serves (device, metric, time) reads. */
export const telemetry = pgTable(
  'telemetry',
  {
    time: tstz('time').notNull(),
    tenantId: uuid('tenant_id').notNull(),
    deviceId: uuid('device_id').notNull(),
    metric: text('metric').notNull(),
    value: doublePrecision('value').notNull(),
  },
  (t) => [
    unique('telemetry_device_metric_time_key').on(t.deviceId, t.metric, t.time),
    index('telemetry_tenant_time_idx').on(t.tenantId, t.time.desc().nullsFirst()),
  ],
);

export const events = pgTable(
  'events',
  {
    time: tstz('time').notNull(),
    receivedAt: tstz('received_at').notNull().defaultNow(),
    tenantId: uuid('tenant_id').notNull(),
    deviceId: uuid('device_id').notNull(),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    name: text('name').notNull(),
    data: jsonb('data'),
  },
  (t) => [
    unique('events_device_seq_time_key').on(t.deviceId, t.seq, t.time),
    index('events_tenant_time_idx').on(t.tenantId, t.time.desc().nullsFirst()),
    index('events_device_time_idx').on(t.deviceId, t.time.desc().nullsFirst()),
  ],
);

/** Records the processor could not store (poison), with the raw payload for inspection. */
export const deadLetters = pgTable(
  'dead_letters',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    receivedAt: tstz('received_at').notNull().defaultNow(),
    tenantId: uuid('tenant_id'),
    deviceId: uuid('device_id'),
    channel: text('channel').notNull(),
    code: text('code').notNull(),
    reason: text('reason').notNull(),
    payload: bytea('payload'),
    streamSeq: bigint('stream_seq', { mode: 'number' }),
    // which payload of the ingest message (envelope item index; -1 = the whole message)
    position: integer('position').notNull().default(-1),
  },
  (t) => [
    index('dead_letters_tenant_received_idx').on(t.tenantId, t.receivedAt.desc().nullsFirst()),
    index('dead_letters_received_idx').on(t.receivedAt.desc().nullsFirst()),
    // natural key: a message redelivered after its batch committed (crash between COMMIT and ack) adds no
    // second dead letter; the envelope's receive time keeps it unique when an embedded bus restarts its numbering
    uniqueIndex('dead_letters_natural_key_idx').on(
      t.streamSeq,
      t.receivedAt,
      t.position,
      t.code,
      sql`md5(${t.reason})`,
    ),
  ],
);
