import type { Command } from 'commander';
import { cliActor } from '../lib/actor.js';
import { printJson, printLine } from '../lib/output.js';

export function register(program: Command): void {
  const tenant = program.command('tenant').description('tenants of an organization');
  tenant
    .command('create')
    .description('create a tenant in an organization')
    .requiredOption('--org <org>', 'organization id or slug')
    .argument('<name>', 'display name')
    .option('--slug <slug>', 'explicit slug (lower-case letters, digits, dashes)')
    .option('--json', 'print one JSON object')
    .action(async (name: string, opts: { org: string; slug?: string; json?: boolean }) => {
      const { withDatabase } = await import('../lib/db.js');
      const { createTenant } = await import('@iotlog/drizzle/provisioning');
      const created = await withDatabase((database) =>
        createTenant(database.db, {
          organization: opts.org,
          name,
          ...(opts.slug === undefined ? {} : { slug: opts.slug }),
          actor: cliActor(),
        }),
      );
      if (opts.json)
        printJson({
          tenantId: created.id,
          organizationId: created.organizationId,
          name: created.name,
          slug: created.slug,
        });
      else printLine(`tenant ${opts.org}/${created.slug} created: ${created.id}`);
    });
}
