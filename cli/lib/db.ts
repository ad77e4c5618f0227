import { createDatabase, DatabaseError, assertMigrated, type Database } from '@iotlog/drizzle';
import { ProvisioningError } from '@iotlog/drizzle/provisioning';
import { CliError } from '../errors.js';
import { cliEnv } from './env.js';

/** Opens DATABASE_URL; connection problems become a one-line CliError naming the fix. */
export async function openDatabase(options: { requireMigrated?: boolean } = {}): Promise<Database> {
  const { DATABASE_URL } = cliEnv();
  const database = await createDatabase(DATABASE_URL).catch((err: unknown) => {
    throw toCliError(err);
  });
  if (options.requireMigrated !== false) {
    try {
      await assertMigrated(database);
    } catch (err) {
      await database.close();
      throw toCliError(err);
    }
  }
  return database;
}

/** Runs `fn` with an open database and closes it; known errors become CliErrors. */
export async function withDatabase<T>(
  fn: (database: Database) => Promise<T>,
  options?: { requireMigrated?: boolean },
): Promise<T> {
  const database = await openDatabase(options);
  try {
    return await fn(database);
  } catch (err) {
    throw toCliError(err);
  } finally {
    await database.close();
  }
}

export function toCliError(err: unknown): unknown {
  if (err instanceof ProvisioningError || err instanceof DatabaseError)
    return new CliError(err.message, err.code, { cause: err });
  return err;
}
