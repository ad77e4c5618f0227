// Configuration of `iotlog up` (embedded mode). Only what is specific to running everything in one process;
// the broker's and the processor's own variables (BATCH_SIZE, DEVICE_RATE_PER_S, ...) still apply.
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);

export const upEnvSchema = z.object({
  // Where embedded data lives: the PGlite database under <DATA_DIR>/db.
  DATA_DIR: z.string().min(1).default('./data'),
  // Interface every listener binds to (local only by default).
  HOST: z.string().min(1).default('127.0.0.1'),
  // MQTT over TCP. 1884 because Mosquitto often holds 1883. 0 = a free port.
  MQTT_PORT: port.default(1884),
  // Broker /metrics, /healthz, /readyz.
  BROKER_HTTP_PORT: port.default(9464),
  // Processor /metrics, /healthz, /readyz.
  PROCESSOR_HTTP_PORT: port.default(9102),
  // Console (API + web app).
  CONSOLE_PORT: port.default(8080),
  // Set: use this PostgreSQL/TimescaleDB instead of the embedded PGlite (migrated at start).
  DATABASE_URL: z.string().min(1).optional(),
  // Set: use NATS JetStream (stream IOT_INGEST) instead of the in-process bus.
  NATS_URL: z.string().min(1).optional(),
  // Set: broker sessions, retained messages and offline queues in Redis instead of memory.
  REDIS_URL: z.string().min(1).optional(),
  // NATS subject prefix (ARCHITECTURE.md "NATS subjects").
  NATS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .default('iot'),
  // pino log level of every component.
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type UpEnv = z.infer<typeof upEnvSchema>;

export function loadUpEnv(source: Record<string, string | undefined>): UpEnv {
  const parsed = upEnvSchema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid configuration for iotlog up:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
