// The console's configuration: the only reader of process.env in this package.
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

export const envSchema = z.object({
  // TCP port of the console (API + web app); 0 picks a free port.
  CONSOLE_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  // Interface to listen on.
  CONSOLE_HOST: z.string().min(1).default('0.0.0.0'),
  // Database: postgres://... (PostgreSQL/TimescaleDB) or pglite:<dir> (embedded).
  DATABASE_URL: z.string().min(1).default('postgres://postgres@127.0.0.1:5432/iotlog'),
  // NATS server for the live tail and control events (credential revocation).
  NATS_URL: z.string().min(1).default('nats://127.0.0.1:4222'),
  // Subject prefix (ARCHITECTURE.md "NATS subjects"); tests and benches use their own.
  NATS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .default('iot'),
  // Console session lifetime in seconds (sliding is not used: sign in again after it).
  SESSION_TTL: z.coerce
    .number()
    .int()
    .min(60)
    .default(12 * 3600),
  // Mark the session cookie Secure (set true behind HTTPS).
  COOKIE_SECURE: bool.default(false),
  // Trust X-Forwarded-For for the client address (login rate limit) when behind a proxy.
  TRUST_PROXY: bool.default(false),
  // Failed login attempts allowed per client address + email in LOGIN_WINDOW seconds.
  LOGIN_MAX_ATTEMPTS: z.coerce.number().int().min(1).default(5),
  // Window of the login rate limit, seconds.
  LOGIN_WINDOW: z.coerce.number().int().min(1).default(900),
  // Directory with the built web app (vite build output); served with an SPA fallback.
  CONSOLE_STATIC_DIR: z.string().optional(),
  // pino log level.
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type ConsoleEnv = z.infer<typeof envSchema>;

/** Parse the environment; throws one error listing every bad variable. */
export function loadEnv(source: Record<string, string | undefined> = process.env): ConsoleEnv {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid console configuration:\n  ${lines.join('\n  ')}`);
  }
  return parsed.data;
}
