// A small port over drizzle for raw, parameterised SQL: the console's queries are written in SQL
// (search, buckets, keyset pagination) against the tables of ARCHITECTURE.md, on pg and PGlite alike.
import type { SQL } from 'drizzle-orm';

/** What the console needs from a drizzle database (node-postgres or PGlite). */
export interface DrizzleLike {
  execute(query: SQL): Promise<unknown>;
  transaction<T>(fn: (tx: DrizzleLike) => Promise<T>): Promise<T>;
}

export interface Sql {
  /** Run one statement; returns its rows. */
  rows<T>(query: SQL): Promise<T[]>;
  /** First row or undefined. */
  one<T>(query: SQL): Promise<T | undefined>;
  /** Run fn in one transaction. */
  tx<T>(fn: (sql: Sql) => Promise<T>): Promise<T>;
}

function rowsOf(result: unknown): unknown[] {
  const rows = (result as { rows?: unknown[] } | null)?.rows;
  if (!Array.isArray(rows)) throw new TypeError('database driver returned no rows array');
  return rows;
}

export function createSql(db: DrizzleLike): Sql {
  const sql: Sql = {
    async rows<T>(query: SQL) {
      return rowsOf(await db.execute(query)) as T[];
    },
    async one<T>(query: SQL) {
      return (await sql.rows<T>(query))[0];
    },
    tx<T>(fn: (s: Sql) => Promise<T>) {
      return db.transaction((tx) => fn(createSql(tx)));
    },
  };
  return sql;
}
