import type { Command } from 'commander';
import { cliActor } from '../lib/actor.js';
import { printJson, printLine } from '../lib/output.js';

export function register(program: Command): void {
  const org = program.command('org').description('organizations');
  org
    .command('create')
    .description('create an organization (its slug is derived from NAME unless --slug is given)')
    .argument('<name>', 'display name')
    .option('--slug <slug>', 'explicit slug (lower-case letters, digits, dashes)')
    .option('--json', 'print one JSON object')
    .action(async (name: string, opts: { slug?: string; json?: boolean }) => {
      const { withDatabase } = await import('../lib/db.js');
      const { createOrganization } = await import('@iotlog/drizzle/provisioning');
      const created = await withDatabase((database) =>
        createOrganization(database.db, {
          name,
          ...(opts.slug === undefined ? {} : { slug: opts.slug }),
          actor: cliActor(),
        }),
      );
      if (opts.json) printJson({ organizationId: created.id, name: created.name, slug: created.slug });
      else printLine(`organization ${created.slug} created: ${created.id}`);
    });
}
