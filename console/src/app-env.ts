// Hono environment of the console: per-request variables set by the auth middleware.
import type { Caller, Scope } from './auth/scope.js';
import type { Sql } from './db/sql.js';

export type AppEnv = {
  Variables: {
    sql: Sql;
    /** Set by the auth middleware on every non-public /api route. */
    caller: Caller;
    /** The caller's organization scope; null when the caller has no membership (see requireScope). */
    scope: Scope | null;
    /** Session CSRF token (session callers only). */
    csrf: string | null;
  };
};
