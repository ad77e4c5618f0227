import pg from 'pg';
import { DatabaseError, redactUrl } from './errors.js';

/**
 * Creates the database named in a postgres:// URL when it does not exist (connecting to the server's
 * `postgres` database). Returns true when it created it. PGlite URLs need nothing: PGlite creates its directory.
 */
export async function createDatabaseIfMissing(url: string): Promise<boolean> {
  if (!/^postgres(ql)?:\/\//.test(url)) return false;
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (name === '' || name === 'postgres') return false;
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
  } catch (err) {
    throw new DatabaseError(
      'database.unreachable',
      `cannot connect to ${redactUrl(admin.toString())} (${(err as Error).message}): start PostgreSQL or set DATABASE_URL`,
      { cause: err },
    );
  }
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return false;
    await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`).catch((err: unknown) => {
      if ((err as { code?: string }).code !== '42P04') throw err; // created concurrently
    });
    return true;
  } finally {
    await client.end();
  }
}
