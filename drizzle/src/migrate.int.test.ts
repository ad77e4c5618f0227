import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertMigrated,
  createDatabase,
  DatabaseError,
  migrate,
  migrationsFolder,
  pendingMigrations,
  readMigrations,
} from './index.js';
import { createTestDatabase, type TestDatabase } from './testing.js';

const tableCount = async (t: TestDatabase) =>
  (
    await t.database.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'`,
    )
  )[0]?.n;

describe('migrate', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const f of cleanup) await f();
  });

  it('three replicas migrating at once apply each migration exactly once', async () => {
    const t = await createTestDatabase({ migrate: false });
    cleanup.push(() => t.drop());
    const replicas = await Promise.all([1, 2, 3].map(() => createDatabase(t.url)));
    cleanup.push(async () => {
      for (const r of replicas) await r.close();
    });
    const results = await Promise.all(replicas.map((r) => migrate(r)));
    const applied = results.map((r) => r.applied.length).sort();
    expect(applied).toEqual([0, 0, readMigrations().length]);
    const [rows] = await t.database.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations',
    );
    expect(rows?.n).toBe(readMigrations().length);
    await assertMigrated(t.database);
  });

  it('assertMigrated names `iotlog migrate` when migrations are pending', async () => {
    const t = await createTestDatabase({ migrate: false, timescale: false });
    cleanup.push(() => t.drop());
    expect(await pendingMigrations(t.database)).toHaveLength(readMigrations().length);
    const err = await assertMigrated(t.database).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseError);
    expect((err as DatabaseError).code).toBe('database.migrations_pending');
    expect((err as Error).message).toContain('iotlog migrate');
    await migrate(t.database);
    await assertMigrated(t.database);
  });

  describe('a failing migration', () => {
    let folder: string;
    beforeAll(() => {
      folder = mkdtempSync(join(tmpdir(), 'iotlog-migrations-'));
      cpSync(migrationsFolder, folder, { recursive: true });
      const journalPath = join(folder, 'meta', '_journal.json');
      const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as {
        entries: { idx: number; tag: string; when: number }[];
      };
      const last = journal.entries.at(-1)!;
      journal.entries.push({ ...last, idx: last.idx + 1, tag: '9999_broken', when: last.when + 1 });
      writeFileSync(journalPath, JSON.stringify(journal));
      writeFileSync(
        join(folder, '9999_broken.sql'),
        'CREATE TABLE broken_ok (id int);\n--> statement-breakpoint\nSELECT no_such_function();\n',
      );
    });
    afterAll(() => rmSync(folder, { recursive: true, force: true }));

    it('applies nothing at all, not even the earlier good migrations', async () => {
      const t = await createTestDatabase({ migrate: false, timescale: false });
      cleanup.push(() => t.drop());
      const err = await migrate(t.database, { migrationsFolder: folder }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DatabaseError);
      expect((err as DatabaseError).code).toBe('database.migration_failed');
      expect((err as Error).message).toMatch(/9999_broken/);
      expect(await tableCount(t)).toBe(0);
      expect(await pendingMigrations(t.database)).toHaveLength(readMigrations().length);
    });
  });

  it('refuses an unknown URL scheme and an unreachable server with clear errors', async () => {
    await expect(createDatabase('mysql://x')).rejects.toMatchObject({ code: 'database.bad_url' });
    await expect(createDatabase('postgres://postgres@127.0.0.1:1/x')).rejects.toMatchObject({
      code: 'database.unreachable',
      message: expect.stringContaining('DATABASE_URL') as unknown,
    });
  });
});
