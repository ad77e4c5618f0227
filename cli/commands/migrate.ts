import type { Command } from 'commander';
import { cliEnv } from '../lib/env.js';
import { printJson, printLine } from '../lib/output.js';

export function register(program: Command): void {
  program
    .command('migrate')
    .description(
      'apply the database migrations to DATABASE_URL (creates the database if missing) and print the storage mode',
    )
    .option('--json', 'print one JSON object')
    .action(async (opts: { json?: boolean }) => {
      const { createDatabaseIfMissing, detectStorage, migrate, redactUrl } = await import('@iotlog/drizzle');
      const { withDatabase, toCliError } = await import('../lib/db.js');
      const url = cliEnv().DATABASE_URL;
      const created = await createDatabaseIfMissing(url).catch((err: unknown) => {
        throw toCliError(err);
      });
      const { applied, storage } = await withDatabase(
        async (database) => ({ ...(await migrate(database)), storage: await detectStorage(database) }),
        { requireMigrated: false },
      );
      if (opts.json) {
        printJson({ database: redactUrl(url), created, applied, storage });
        return;
      }
      if (created) printLine(`created database ${redactUrl(url)}`);
      printLine(
        applied.length === 0
          ? `${redactUrl(url)}: already up to date`
          : `${redactUrl(url)}: applied ${applied.length} migration(s): ${applied.join(', ')}`,
      );
      const edition = storage.edition ? ` (${storage.edition} edition)` : '';
      const hyper =
        storage.mode === 'timescaledb' ? `, hypertables: ${storage.hypertables.join(', ') || 'none'}` : '';
      printLine(`storage: ${storage.mode}${edition}${hyper}`);
    });
}
