// The processor's database port: raw SQL with parameters and transactions, over a pg Pool or PGlite.
// The write path uses plain SQL (`INSERT ... SELECT FROM unnest(...)`), which both run unchanged.
import type { PGlite, Transaction } from '@electric-sql/pglite';
import type { Database } from '@iotlog/drizzle';
import type { Pool, PoolClient } from 'pg';

export interface SqlResult {
  rows: Record<string, unknown>[];
  /** Rows inserted/updated/deleted by the statement. */
  rowCount: number;
}

export interface SqlQueryable {
  query(text: string, params?: unknown[]): Promise<SqlResult>;
}

export interface SqlDatabase extends SqlQueryable {
  readonly kind: 'postgres' | 'pglite';
  /** Runs `fn` in one transaction: COMMIT when it resolves, ROLLBACK when it throws. */
  transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T>;
}

function pgQueryable(client: Pool | PoolClient): SqlQueryable {
  return {
    async query(text, params) {
      const res = await client.query(text, params);
      return { rows: res.rows as Record<string, unknown>[], rowCount: res.rowCount ?? 0 };
    },
  };
}

/** A pg Pool as the processor's database. The pool stays owned by the caller. */
export function fromPgPool(pool: Pool): SqlDatabase {
  return {
    kind: 'postgres',
    ...pgQueryable(pool),
    async transaction(fn) {
      const client = await pool.connect();
      let broken: Error | undefined;
      // a checked-out client has no pool listener: without ours a dropped connection is an uncaught 'error'
      const onError = (err: Error) => {
        broken = err;
      };
      client.on('error', onError);
      try {
        await client.query('BEGIN');
        const result = await fn(pgQueryable(client));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        try {
          await client.query('ROLLBACK');
        } catch (rollbackErr) {
          // the connection is unusable: destroy it instead of returning it to the pool
          broken = rollbackErr as Error;
        }
        throw err;
      } finally {
        client.off('error', onError);
        client.release(broken);
      }
    },
  };
}

function pgliteQueryable(db: PGlite | Transaction): SqlQueryable {
  return {
    async query(text, params) {
      const res = await db.query<Record<string, unknown>>(text, params);
      return { rows: res.rows, rowCount: res.affectedRows ?? 0 };
    },
  };
}

/** An embedded PGlite database as the processor's database. */
export function fromPGlite(db: PGlite): SqlDatabase {
  return {
    kind: 'pglite',
    ...pgliteQueryable(db),
    transaction: (fn) => db.transaction((tx) => fn(pgliteQueryable(tx))),
  };
}

/** The processor's database over `@iotlog/drizzle`'s Database (its pg pool, or its PGlite client). */
export function fromDatabase(database: Database): SqlDatabase {
  if (database.kind === 'postgres') {
    if (database.pool === undefined) throw new Error('a postgres Database without its pg pool');
    return fromPgPool(database.pool);
  }
  // drizzle-orm exposes the driver client of a drizzle instance as `$client`
  return fromPGlite((database.db as unknown as { $client: PGlite }).$client);
}
