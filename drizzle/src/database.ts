import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import pg from 'pg';
import { readEnv } from './env.js';
import { DatabaseError, redactUrl } from './errors.js';
import * as schema from './schema/index.js';

export type Schema = typeof schema;
/** The drizzle instance; the same query-builder API on node-postgres and PGlite. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

/** Raw parameterised SQL, identical on both kinds (e.g. `INSERT ... SELECT * FROM unnest($1::uuid[], ...)`). */
export interface Queryable {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>;
}

export interface Database extends Queryable {
  kind: 'postgres' | 'pglite';
  db: Db;
  /** Runs `fn` in one transaction on one connection; rolls back when it throws. */
  transaction<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
  /** The pg pool (kind `postgres` only), for COPY or LISTEN. */
  pool?: pg.Pool;
  close(): Promise<void>;
}

export interface CreateDatabaseOptions {
  /** false: never turn tables into hypertables from this connection (session setting iotlog.timescaledb=off). Default: IOTLOG_TIMESCALEDB env. */
  timescaledb?: boolean;
  /** pg pool size (default 10). */
  max?: number;
  /** Called with errors of idle pool connections (default: ignored after being surfaced on the next query). */
  onPoolError?: (err: Error) => void;
}

/**
 * Opens a database: `postgres://...` (pg pool via drizzle-orm/node-postgres) or `pglite:<dir>` (embedded,
 * data on disk; `pglite:memory:` for a throw-away in-memory one). Checks the connection before returning.
 */
export async function createDatabase(url: string, options: CreateDatabaseOptions = {}): Promise<Database> {
  if (url.startsWith('pglite:')) return openPglite(url.slice('pglite:'.length));
  if (/^postgres(ql)?:\/\//.test(url)) return openPostgres(url, options);
  throw new DatabaseError(
    'database.bad_url',
    `unsupported database URL "${redactUrl(url)}": use postgres://user@host:5432/db or pglite:<directory>`,
  );
}

async function openPostgres(url: string, options: CreateDatabaseOptions): Promise<Database> {
  const timescaledb = options.timescaledb ?? readEnv().IOTLOG_TIMESCALEDB === 'on';
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    connectionTimeoutMillis: 10_000,
    ...(timescaledb ? {} : { options: '-c iotlog.timescaledb=off' }),
  });
  pool.on('error', (err) => options.onPoolError?.(err));
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    await pool.end().catch(() => undefined);
    if ((err as { code?: string }).code === '3D000') {
      throw new DatabaseError(
        'database.unreachable',
        `${(err as Error).message} at ${redactUrl(url)}: run \`iotlog migrate\` (it creates the database) or set DATABASE_URL`,
        { cause: err },
      );
    }
    throw new DatabaseError(
      'database.unreachable',
      `cannot connect to ${redactUrl(url)} (${(err as Error).message}): start PostgreSQL or set DATABASE_URL`,
      { cause: err },
    );
  }
  const db = drizzleNodePg({ client: pool, schema }) as unknown as Db;
  const query = async <R>(text: string, params?: unknown[]) => (await pool.query(text, params)).rows as R[];
  return {
    kind: 'postgres',
    db,
    pool,
    query,
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn({
          query: async <R>(t: string, p?: unknown[]) => (await client.query(t, p)).rows as R[],
        });
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

async function openPglite(dir: string): Promise<Database> {
  if (dir === '') {
    throw new DatabaseError(
      'database.bad_url',
      'pglite URL needs a directory: pglite:./data/db (or pglite:memory:)',
    );
  }
  let client: PGlite;
  try {
    client = await PGlite.create(dir === 'memory:' ? undefined : dir, { extensions: { pg_trgm } });
  } catch (err) {
    throw new DatabaseError(
      'database.unreachable',
      `cannot open PGlite data directory ${dir}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  const db = drizzlePglite({ client, schema }) as unknown as Db;
  return {
    kind: 'pglite',
    db,
    query: async <R>(text: string, params?: unknown[]) => (await client.query<R>(text, params)).rows,
    transaction: (fn) =>
      client.transaction((tx) =>
        fn({ query: async <R>(t: string, p?: unknown[]) => (await tx.query<R>(t, p)).rows }),
      ),
    close: () => client.close(),
  };
}
