import { z } from 'zod';
import { CliError } from '../errors.js';

// The provisioning commands' environment (the only reader of process.env for them).
const schema = z.object({
  // Database that `iotlog migrate`, `org`, `tenant` and `device` work on: postgres://... or pglite:<dir>.
  // The default is the machine's PostgreSQL (database `iotlog`, created by `iotlog migrate` when missing).
  DATABASE_URL: z.string().min(1).default('postgres://postgres@127.0.0.1:5432/iotlog'),
  // NATS server on which revoke/disable publish control events so brokers close live sessions.
  NATS_URL: z.string().min(1).default('nats://127.0.0.1:4222'),
  // Subject prefix ({prefix}.ctl.device); the same value as the brokers' NATS_PREFIX.
  NATS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .default('iot'),
});

export type CliEnv = z.infer<typeof schema>;

export function cliEnv(source: NodeJS.ProcessEnv = process.env): CliEnv {
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CliError(`invalid environment variable ${issue?.path.join('.')}: ${issue?.message}`, 'cli.env');
  }
  return parsed.data;
}
