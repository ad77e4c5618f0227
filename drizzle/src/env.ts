import { z } from 'zod';

// The only reader of process.env in @iotlog/drizzle. Both variables are optional.
const schema = z.object({
  // `off` keeps TimescaleDB out of databases created/migrated by this process even when the server has it
  // (sets the session setting iotlog.timescaledb=off that migration 0002 reads). Default: use it when present.
  IOTLOG_TIMESCALEDB: z.enum(['on', 'off']).default('on'),
  // Server on which @iotlog/drizzle/testing creates its throw-away databases (t_<random>).
  TEST_DATABASE_URL: z.string().default('postgres://postgres@127.0.0.1:5432/postgres'),
});

export type DrizzleEnv = z.infer<typeof schema>;

export function readEnv(source: NodeJS.ProcessEnv = process.env): DrizzleEnv {
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    throw new Error(
      `invalid environment for @iotlog/drizzle: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}
