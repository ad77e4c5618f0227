import type { Database } from './database.js';

export interface StorageInfo {
  /** timescaledb: the extension is installed in this database; postgres: plain tables; pglite: embedded. */
  mode: 'timescaledb' | 'postgres' | 'pglite';
  /** TimescaleDB edition (`timescaledb.license`): apache = hypertables only; timescale = + compression, retention, caggs. */
  edition: 'apache' | 'timescale' | null;
  /** Hypertables in the public schema, sorted. */
  hypertables: string[];
}

/** Says which storage mode a (migrated) database runs in; services log it and the console shows it. */
export async function detectStorage(database: Database): Promise<StorageInfo> {
  if (database.kind === 'pglite') return { mode: 'pglite', edition: null, hypertables: [] };
  const ext = await database.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_extension WHERE extname = 'timescaledb'`,
  );
  if ((ext[0]?.n ?? 0) === 0) return { mode: 'postgres', edition: null, hypertables: [] };
  const [license] = await database.query<{ license: string | null }>(
    `SELECT current_setting('timescaledb.license', true) AS license`,
  );
  const rows = await database.query<{ name: string }>(
    `SELECT hypertable_name AS name FROM timescaledb_information.hypertables WHERE hypertable_schema = 'public' ORDER BY 1`,
  );
  return {
    mode: 'timescaledb',
    edition: license?.license === 'timescale' ? 'timescale' : 'apache',
    hypertables: rows.map((r) => r.name),
  };
}
