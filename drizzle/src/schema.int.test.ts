import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectStorage, migrate, readMigrations } from './index.js';
import { generateLogRows, insertLogsUnnest } from './ingest/index.js';
import { createTestDatabase, type TestDatabase } from './testing.js';

const TABLES = [
  'alert_rules',
  'alerts',
  'api_tokens',
  'audit_log',
  'console_sessions',
  'dead_letters',
  'device_credentials',
  'devices',
  'events',
  'logs',
  'memberships',
  'notification_deliveries',
  'organizations',
  'telemetry',
  'tenants',
  'users',
];

// The same suite on the three storage modes: TimescaleDB, plain PostgreSQL (same server, opted out), PGlite on disk.
describe.each([
  { mode: 'timescaledb', options: { timescale: true } },
  { mode: 'postgres', options: { timescale: false } },
  { mode: 'pglite', options: { pglite: true } },
] as const)('schema on $mode', ({ mode, options }) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(options);
  });
  afterAll(async () => {
    await t?.drop();
  });

  it('has every table', async () => {
    const rows = await t.database.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`,
    );
    expect(rows.map((r) => r.name)).toEqual(expect.arrayContaining(TABLES));
  });

  it('reports its storage mode and hypertables', async () => {
    const info = await detectStorage(t.database);
    expect(info.mode).toBe(mode);
    if (mode === 'timescaledb') {
      expect(info.edition).toBe('apache');
      expect(info.hypertables).toEqual(['events', 'logs', 'telemetry']);
      const rows = await t.database.query<{ n: string }>(
        `SELECT hypertable_name AS n FROM timescaledb_information.hypertables ORDER BY 1`,
      );
      expect(rows.map((r) => r.n)).toEqual(['events', 'logs', 'telemetry']);
    } else {
      expect(info.hypertables).toEqual([]);
      const ext = await t.database.query(`SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'`);
      expect(ext).toHaveLength(0);
    }
  });

  it('migrates twice without change', async () => {
    expect(await migrate(t.database)).toEqual({ applied: [] });
    const rows = await t.database.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations',
    );
    expect(rows[0]?.n).toBe(readMigrations().length);
  });

  it('stores a redelivered log batch once (unnest + ON CONFLICT DO NOTHING)', async () => {
    const rows = generateLogRows(500, { devices: 5 });
    expect(await insertLogsUnnest(t.database, rows)).toBe(500);
    expect(await insertLogsUnnest(t.database, rows)).toBe(0);
    const [count] = await t.database.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM logs WHERE tenant_id = $1',
      [rows[0]!.tenantId],
    );
    expect(count?.n).toBe(500);
  });

  it('searches log messages by substring', async () => {
    const [hit] = await t.database.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM logs WHERE message ILIKE $1`,
      ['%error: %'],
    );
    expect(hit?.n).toBeGreaterThan(0);
    const idx = await t.database.query(
      `SELECT 1 FROM pg_indexes WHERE tablename = 'logs' AND indexname = 'logs_message_trgm_idx'`,
    );
    expect(idx).toHaveLength(1);
  });

  it('keeps one telemetry row per device, metric and time', async () => {
    const d = randomUUID();
    const sql = `INSERT INTO telemetry (time, tenant_id, device_id, metric, value) VALUES ($1, $2, $3, 'temp', $4) ON CONFLICT DO NOTHING`;
    await t.database.query(sql, ['2026-01-01T00:00:00Z', d, d, 1.5]);
    await t.database.query(sql, ['2026-01-01T00:00:00Z', d, d, 2.5]);
    const rows = await t.database.query<{ value: number }>(
      'SELECT value FROM telemetry WHERE device_id = $1',
      [d],
    );
    expect(rows).toEqual([{ value: 1.5 }]);
  });

  it('enforces device names unique per tenant and one open alert per rule and device', async () => {
    const [org] = await t.database.query<{ id: string }>(
      `INSERT INTO organizations (name, slug) VALUES ('A', $1) RETURNING id`,
      [`a-${mode}`],
    );
    const [tenant] = await t.database.query<{ id: string }>(
      `INSERT INTO tenants (organization_id, name, slug) VALUES ($1, 'T', 't') RETURNING id`,
      [org!.id],
    );
    const [device] = await t.database.query<{ id: string }>(
      `INSERT INTO devices (tenant_id, name) VALUES ($1, 'd1') RETURNING id`,
      [tenant!.id],
    );
    await expect(
      t.database.query(`INSERT INTO devices (tenant_id, name) VALUES ($1, 'd1')`, [tenant!.id]),
    ).rejects.toThrow(/devices_tenant_name_key/);
    const [rule] = await t.database.query<{ id: string }>(
      `INSERT INTO alert_rules (tenant_id, name, kind, spec) VALUES ($1, 'hot', 'threshold', '{}') RETURNING id`,
      [tenant!.id],
    );
    const open = `INSERT INTO alerts (rule_id, tenant_id, device_id, state) VALUES ($1, $2, $3, $4)`;
    await t.database.query(open, [rule!.id, tenant!.id, device!.id, 'firing']);
    await expect(t.database.query(open, [rule!.id, tenant!.id, device!.id, 'pending'])).rejects.toThrow(
      /alerts_open_rule_device_key/,
    );
    await t.database.query(`UPDATE alerts SET state = 'resolved' WHERE rule_id = $1`, [rule!.id]);
    await t.database.query(open, [rule!.id, tenant!.id, device!.id, 'pending']);
  });
});
