import type { Command } from 'commander';
import { CliError } from '../errors.js';
import { cliActor } from '../lib/actor.js';
import { withDatabase } from '../lib/db.js';
import { printJson, printLine } from '../lib/output.js';

const roles = ['owner', 'admin', 'operator', 'viewer'] as const;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

export function register(program: Command): void {
  program
    .command('console')
    .description(
      'run the console (API + web app) on CONSOLE_PORT (configuration from environment variables, see console/README.md)',
    )
    .action(async () => {
      const { main } = await import('@iotlog/console/main');
      let running;
      try {
        running = await main();
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        if (
          /^invalid console configuration/.test((err as Error).message) ||
          (typeof code === 'string' && code.startsWith('database.'))
        ) {
          throw new CliError((err as Error).message, typeof code === 'string' ? code : 'cli.config', {
            cause: err,
          });
        }
        throw err;
      }
      await new Promise<void>((resolve) => {
        for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
      });
      await running.close();
    });

  const user = program.command('user').description('console users');
  user
    .command('create')
    .description(
      'create a console user (or add an existing one) as a member of an organization; prints a one-time password unless --password-stdin',
    )
    .requiredOption('--org <org>', 'organization id or slug')
    .requiredOption('--email <email>', 'email address (sign-in name)')
    .option('--role <role>', `one of ${roles.join(', ')}`, 'owner')
    .option('--name <name>', 'display name')
    .option('--password-stdin', 'read the password from stdin instead of generating a one-time password')
    .option('--json', 'print one JSON object')
    .action(
      async (opts: {
        org: string;
        email: string;
        role: string;
        name?: string;
        passwordStdin?: boolean;
        json?: boolean;
      }) => {
        if (!(roles as readonly string[]).includes(opts.role))
          throw new CliError(`--role must be one of ${roles.join(', ')}`);
        const password = opts.passwordStdin ? await readStdin() : undefined;
        const { createUser, ApiError } = await import('@iotlog/console');
        const result = await withDatabase(async (database) => {
          try {
            return await createUser(database.db, {
              org: opts.org,
              email: opts.email,
              role: opts.role as (typeof roles)[number],
              ...(opts.name === undefined ? {} : { name: opts.name }),
              ...(password === undefined ? {} : { password }),
              actor: cliActor(),
            });
          } catch (err) {
            if (err instanceof ApiError) throw new CliError(err.message, err.code, { cause: err });
            const code =
              (err as { cause?: { code?: string }; code?: string }).cause?.code ??
              (err as { code?: string }).code;
            if (code === '23505')
              throw new CliError(`${opts.email} is already a member of that organization`, 'member.exists', {
                cause: err,
              });
            throw err;
          }
        });
        if (opts.json) printJson({ ...result, email: opts.email.toLowerCase(), role: opts.role });
        else {
          printLine(
            `${opts.email.toLowerCase()} is now ${opts.role} of organization ${result.orgId}${result.created ? '' : ' (existing user)'}`,
          );
          if (result.password)
            printLine(`one-time password: ${result.password}   (shown once: sign in and change it)`);
        }
      },
    );
}
