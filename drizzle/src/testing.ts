import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createDatabase, type Database } from './database.js';
import { readEnv } from './env.js';
import { DatabaseError, redactUrl } from './errors.js';
import { migrate } from './migrate.js';

export interface TestDatabase {
  /** URL of the new database (postgres://.../t_xxx or pglite:<tmpdir>). */
  url: string;
  /** An open, migrated connection to it. */
  database: Database;
  /** Closes `database` and drops the database (or removes the PGlite directory). */
  drop(): Promise<void>;
}

export interface TestDatabaseOptions {
  /** false: plain PostgreSQL on the same server (ALTER DATABASE ... SET iotlog.timescaledb = off). Default true. */
  timescale?: boolean;
  /** true: a PGlite database in a fresh temporary directory instead of PostgreSQL. */
  pglite?: boolean;
  /** false: do not run the migrations. Default true. */
  migrate?: boolean;
}

/**
 * A fresh database `t_<random>` on TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres),
 * migrated. Throws when PostgreSQL is not reachable: tests that need it must fail, not skip.
 */
export async function createTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  if (options.pglite) return createPgliteTestDatabase(options);
  const adminUrl = readEnv().TEST_DATABASE_URL;
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 10_000 });
  try {
    await admin.connect();
  } catch (err) {
    throw new DatabaseError(
      'database.unreachable',
      `test PostgreSQL at ${redactUrl(adminUrl)} is not reachable (${(err as Error).message}): start it (scripts/services.sh) or set TEST_DATABASE_URL`,
      { cause: err },
    );
  }
  try {
    await createWithRetry(admin, name);
    if (options.timescale === false)
      await admin.query(`ALTER DATABASE ${name} SET iotlog.timescaledb = 'off'`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const database = await createDatabase(url.toString(), { timescaledb: options.timescale !== false, max: 5 });
  if (options.migrate !== false) await migrate(database);
  return {
    url: url.toString(),
    database,
    async drop() {
      await database.close();
      await dropDatabase(adminUrl, name);
    },
  };
}

/**
 * A URL for a database `t_<random>` on TEST_DATABASE_URL that does NOT exist yet (for testing code that
 * creates databases), and a `drop()` that removes it if it was created.
 */
export function reserveTestDatabaseUrl(): { url: string; drop(): Promise<void> } {
  const adminUrl = readEnv().TEST_DATABASE_URL;
  const name = `t_${randomBytes(6).toString('hex')}`;
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => dropDatabase(adminUrl, name) };
}

async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await c.end();
  }
}

// CREATE DATABASE copies template1 and fails if another session is connected to it at that moment.
async function createWithRetry(admin: pg.Client, name: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await admin.query(`CREATE DATABASE ${name}`);
      return;
    } catch (err) {
      if (attempt >= 10 || !/being accessed by other users/.test((err as Error).message)) throw err;
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  }
}

async function createPgliteTestDatabase(options: TestDatabaseOptions): Promise<TestDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'iotlog-pglite-'));
  const url = `pglite:${dir}`;
  const database = await createDatabase(url);
  if (options.migrate !== false) await migrate(database);
  return {
    url,
    database,
    async drop() {
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
