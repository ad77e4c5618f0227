import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Database, Queryable } from './database.js';
import { DatabaseError } from './errors.js';

/** The committed drizzle-kit migrations (drizzle/migrations). */
export const migrationsFolder = fileURLToPath(new URL('../migrations/', import.meta.url));

/** Key of the advisory lock that serialises concurrent `migrate()` calls (replicas starting at once). */
export const MIGRATION_LOCK_KEY = 7_231_946_120_331;

export interface Migration {
  tag: string;
  /** drizzle-kit's journal timestamp; also the `created_at` recorded in drizzle.__drizzle_migrations. */
  when: number;
  hash: string;
  statements: string[];
}

interface Journal {
  entries: { tag: string; when: number }[];
}

export function readMigrations(folder = migrationsFolder): Migration[] {
  const journal = JSON.parse(readFileSync(`${folder}/meta/_journal.json`, 'utf8')) as Journal;
  return journal.entries.map(({ tag, when }) => {
    const text = readFileSync(`${folder}/${tag}.sql`, 'utf8');
    return {
      tag,
      when,
      hash: createHash('sha256').update(text).digest('hex'),
      statements: text
        .split('--> statement-breakpoint')
        .map((s) => s.trim())
        .filter((s) => s.replace(/--[^\n]*/g, '').trim() !== ''),
    };
  });
}

export interface MigrateResult {
  /** Tags applied by this call (empty when the database was up to date). */
  applied: string[];
}

/**
 * Applies the pending migrations in ONE transaction under a transaction-level advisory lock, in the same
 * bookkeeping table as drizzle-kit (`drizzle.__drizzle_migrations`). Concurrent callers wait for the lock
 * and then find nothing left to do; a failing statement rolls back every migration of the call.
 */
export async function migrate(
  database: Database,
  options: { migrationsFolder?: string } = {},
): Promise<MigrateResult> {
  const migrations = readMigrations(options.migrationsFolder);
  return database.transaction(async (q) => {
    await q.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await q.query('CREATE SCHEMA IF NOT EXISTS drizzle');
    await q.query(
      'CREATE TABLE IF NOT EXISTS drizzle.__drizzle_migrations (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)',
    );
    const last = await lastApplied(q);
    const pending = migrations.filter((m) => last === null || m.when > last);
    for (const m of pending) {
      for (const statement of m.statements) {
        try {
          await q.query(statement);
        } catch (err) {
          throw new DatabaseError(
            'database.migration_failed',
            `migration ${m.tag} failed, nothing was applied: ${(err as Error).message}`,
            { cause: err },
          );
        }
      }
      await q.query('INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES ($1, $2)', [
        m.hash,
        m.when,
      ]);
    }
    return { applied: pending.map((m) => m.tag) };
  });
}

async function lastApplied(q: Queryable): Promise<number | null> {
  const rows = await q.query<{ created_at: string | number | null }>(
    'SELECT max(created_at) AS created_at FROM drizzle.__drizzle_migrations',
  );
  const value = rows[0]?.created_at;
  return value === null || value === undefined ? null : Number(value);
}

/** Tags of the committed migrations that the database has not applied yet. */
export async function pendingMigrations(
  database: Database,
  options: { migrationsFolder?: string } = {},
): Promise<string[]> {
  const migrations = readMigrations(options.migrationsFolder);
  const exists = await database.query<{ t: string | null }>(
    `SELECT to_regclass('drizzle.__drizzle_migrations')::text AS t`,
  );
  if (exists[0]?.t == null) return migrations.map((m) => m.tag);
  const last = await lastApplied(database);
  return migrations.filter((m) => last === null || m.when > last).map((m) => m.tag);
}

/** Throws (code `database.migrations_pending`) unless every committed migration is applied. Call at service start. */
export async function assertMigrated(database: Database): Promise<void> {
  const pending = await pendingMigrations(database);
  if (pending.length > 0) {
    throw new DatabaseError(
      'database.migrations_pending',
      `database schema is not up to date (${pending.length} pending migration(s): ${pending.join(', ')}): run \`iotlog migrate\` with the same DATABASE_URL`,
    );
  }
}
