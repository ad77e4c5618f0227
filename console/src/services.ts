// Long-lived helpers shared by the route modules of one app instance.
import { sql } from 'drizzle-orm';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { ConsoleDeps, StorageInfo } from './deps.js';
import { createSql, type Sql } from './db/sql.js';

export interface Services {
  deps: ConsoleDeps;
  sql: Sql;
  /** Failed logins per client address + email (in memory: per console replica). */
  loginLimiter: RateLimiterMemory;
  /** Storage mode/edition, probed once. */
  storage(): Promise<StorageInfo>;
}

export function createServices(deps: ConsoleDeps): Services {
  const db = createSql(deps.db);
  let storage: Promise<StorageInfo> | undefined;
  const probe = async (): Promise<StorageInfo> => {
    const row = await db.one<{ ts: boolean; license: string | null }>(sql`
      SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') AS ts,
             current_setting('timescaledb.license', true) AS license`);
    if (!row?.ts) return { mode: 'postgres', edition: null, hypertables: [] };
    const ht = await db.rows<{ name: string }>(
      sql`SELECT hypertable_name AS name FROM timescaledb_information.hypertables ORDER BY 1`,
    );
    return {
      mode: 'timescaledb',
      edition: row.license === 'timescale' ? 'timescale' : 'apache',
      hypertables: ht.map((h) => h.name),
    };
  };
  return {
    deps,
    sql: db,
    loginLimiter: new RateLimiterMemory({
      points: deps.config.loginMaxAttempts,
      duration: deps.config.loginWindowSeconds,
    }),
    storage() {
      storage ??= (deps.detectStorage ?? probe)().catch((err: unknown) => {
        storage = undefined;
        throw err;
      });
      return storage;
    },
  };
}
