export {
  createDatabase,
  type CreateDatabaseOptions,
  type Database,
  type Db,
  type Queryable,
  type Schema,
} from './database.js';
export { createDatabaseIfMissing } from './bootstrap.js';
export { DatabaseError, redactUrl } from './errors.js';
export {
  assertMigrated,
  migrate,
  migrationsFolder,
  pendingMigrations,
  readMigrations,
  type MigrateResult,
} from './migrate.js';
export { detectStorage, type StorageInfo } from './storage.js';
export * as schema from './schema/index.js';
export * from './schema/index.js';
