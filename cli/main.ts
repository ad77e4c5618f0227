// The `iotlog` command line. Each file in cli/commands/ exports `register(program)` and adds its own
// command group, so command groups stay independent of each other and of this file.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Command, CommanderError } from 'commander';
import { CliError } from './errors.js';

type CommandModule = { register(program: Command): void };

const program = new Command('iotlog')
  .description('iotlog: IoT log and telemetry ingestion (MQTT broker, processor, console, edge SDK)')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

const commandsDir = join(dirname(fileURLToPath(import.meta.url)), 'commands');
const files = readdirSync(commandsDir)
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
  .sort();
for (const file of files) {
  const mod = (await import(pathToFileURL(join(commandsDir, file)).href)) as CommandModule;
  mod.register(program);
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // help and version exit 0; usage errors were already printed by commander
    process.exit(err.exitCode === 0 ? 0 : 2);
  }
  if (err instanceof CliError) {
    process.stderr.write(`iotlog: ${err.message}\n`);
    process.exit(2);
  }
  throw err;
}
