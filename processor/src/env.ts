// The processor's configuration: the only reader of process.env. Validated once at start.
import { z } from 'zod';
import { alertingEnvShape } from './alerting/env.js';

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const name = z.string().regex(/^[A-Za-z0-9_-]+$/);

export const envSchema = z
  .object({
    // PostgreSQL/TimescaleDB URL, or `pglite:<dir>` for the embedded database.
    DATABASE_URL: z.string().default('postgres://postgres@127.0.0.1:5432/postgres'),
    // Connections in the PostgreSQL pool (one per concurrent batch plus device-state updates).
    DATABASE_POOL_SIZE: positiveInt.default(4),
    // NATS server(s) with JetStream, comma separated.
    NATS_URL: z.string().default('nats://127.0.0.1:4222'),
    // NATS subject prefix (ARCHITECTURE.md: subjects(prefix)); ingest subjects are `{prefix}.ingest.>`.
    NATS_PREFIX: name.default('iot'),
    // JetStream stream holding ingest envelopes (created when missing, same settings as the broker's).
    INGEST_STREAM: name.default('IOT_INGEST'),
    // Durable pull consumer shared by every processor replica.
    INGEST_CONSUMER: name.default('processor'),
    // Records per database transaction: a batch closes when it reaches this many records.
    BATCH_SIZE: positiveInt.default(2000),
    // JetStream messages pulled ahead per replica (each holds up to a few hundred records).
    FETCH_MAX_MESSAGES: positiveInt.default(256),
    // How long one pull request waits for messages on the server, ms (>= 1000).
    FETCH_EXPIRES_MS: z.coerce.number().int().min(1000).default(30_000),
    // Batches written concurrently by one replica (each in its own transaction).
    MAX_IN_FLIGHT: positiveInt.default(2),
    // Unacknowledged messages allowed on the consumer across all replicas (bounds memory and redelivery).
    MAX_ACK_PENDING: positiveInt.default(10_000),
    // Seconds JetStream waits for an ack before redelivering a message to another replica.
    ACK_WAIT_S: positiveInt.default(30),
    // Device time further ahead of the receive time than this is dead-lettered (protocol.ts_skew), ms.
    MAX_SKEW_MS: positiveInt.default(3_600_000),
    // Device time further behind the receive time than this is dead-lettered (buffered devices drain late), ms.
    MAX_AGE_MS: positiveInt.default(30 * 86_400_000),
    // Largest MQTT payload decoded; bigger payloads are dead-lettered (protocol.too_large), bytes.
    MAX_PAYLOAD_BYTES: positiveInt.default(256 * 1024),
    // Longest log message stored, characters; longer records are dead-lettered.
    MAX_MESSAGE_CHARS: positiveInt.default(64 * 1024),
    // Largest attrs / event data (JSON) stored, bytes; bigger records are dead-lettered.
    MAX_ATTRS_BYTES: positiveInt.default(16 * 1024),
    // Interval of the batched last_seen_at / online / reported-config updates, ms.
    DEVICE_STATE_FLUSH_MS: positiveInt.default(1000),
    // HTTP port of /metrics, /healthz and /readyz. 0 = random port.
    HTTP_PORT: port.default(9102),
    // Interface the HTTP server binds to.
    HTTP_HOST: z.string().default('0.0.0.0'),
    // pino log level.
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    // Alerting engine variables (ALERTING, ALERTING_*, WEBHOOK_*): see src/alerting/env.ts and docs/alerting.md.
    ...alertingEnvShape,
  })
  .superRefine((e, ctx) => {
    if (e.FETCH_MAX_MESSAGES > e.MAX_ACK_PENDING) {
      ctx.addIssue({
        code: 'custom',
        path: ['FETCH_MAX_MESSAGES'],
        message: `FETCH_MAX_MESSAGES (${e.FETCH_MAX_MESSAGES}) must not exceed MAX_ACK_PENDING (${e.MAX_ACK_PENDING})`,
      });
    }
  });

export type ProcessorEnv = z.infer<typeof envSchema>;

/** Parses an environment (default: process.env); throws one readable error listing every bad variable. */
export function loadEnv(source: Record<string, string | undefined> = process.env): ProcessorEnv {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid processor configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
