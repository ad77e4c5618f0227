// @iotlog/console: the console API (Hono) and the server that also serves the built web app.
export { createApp, type AppType } from './app.js';
export { startConsole, type RunningConsole } from './server.js';
export { defaultConfig, type Bus, type ConsoleConfig, type ConsoleDeps, type StorageInfo } from './deps.js';
export { natsBus } from './lib/bus.js';
export { loadEnv, type ConsoleEnv } from './env.js';
// for route modules mounted from other folders (alerts, rules, commands)
export type { AppEnv } from './app-env.js';
export { authenticate, scopeOf } from './auth/middleware.js';
export { Scope, roles, type Role, type Permission, type Caller } from './auth/scope.js';
export { router } from './lib/router.js';
export { body, errorResponses, IdParam, json } from './lib/schemas.js';
export type { Services } from './services.js';
export * from './errors.js';
export { createUser, type CreateUserInput } from './users.js';
export { writeAudit, type AuditEntry } from './audit.js';
export { createSql, type Sql, type DrizzleLike } from './db/sql.js';
export { deviceInScope, publishControl } from './routes/devices/devices.repo.js';
export { tenantInScope } from './routes/tenants/tenants.routes.js';
