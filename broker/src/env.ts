// The broker's configuration: the only reader of process.env. Validated once at start.
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const port = z.coerce.number().int().min(0).max(65535);
const optionalPort = port.optional();

export const envSchema = z
  .object({
    // Host/interface every listener binds to.
    HOST: z.string().default('0.0.0.0'),
    // MQTT over TCP. Default 1884 because Mosquitto often holds 1883. 0 = random port.
    MQTT_PORT: port.default(1884),
    // MQTT over TLS (needs TLS_CERT_FILE and TLS_KEY_FILE). Unset = no TLS listener.
    MQTT_TLS_PORT: optionalPort,
    // MQTT over WebSocket (path /mqtt or any path). Unset = no WS listener.
    MQTT_WS_PORT: optionalPort,
    // MQTT over secure WebSocket (needs TLS_CERT_FILE/TLS_KEY_FILE). Unset = none.
    MQTT_WSS_PORT: optionalPort,
    // PEM certificate chain of the server for TLS and WSS.
    TLS_CERT_FILE: z.string().optional(),
    // PEM private key of the server for TLS and WSS.
    TLS_KEY_FILE: z.string().optional(),
    // PEM CA bundle used to verify device client certificates (X.509 authentication).
    TLS_CA_FILE: z.string().optional(),
    // Refuse TLS handshakes without a client certificate signed by TLS_CA_FILE.
    TLS_REQUIRE_CLIENT_CERT: bool.default(false),
    // HTTP port of /metrics, /healthz and /readyz. 0 = random port.
    HTTP_PORT: port.default(9464),
    // PostgreSQL URL holding devices and credentials.
    DATABASE_URL: z.string().default('postgres://postgres@127.0.0.1:5432/postgres'),
    // NATS server(s) with JetStream, comma separated.
    NATS_URL: z.string().default('nats://127.0.0.1:4222'),
    // NATS subject prefix (see ARCHITECTURE.md: subjects(prefix)).
    NATS_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/)
      .default('iot'),
    // JetStream stream receiving ingest envelopes; created or updated at start.
    INGEST_STREAM: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/)
      .default('IOT_INGEST'),
    // Max age of ingest messages in the stream, seconds (default 7 days).
    INGEST_MAX_AGE_S: z.coerce
      .number()
      .int()
      .positive()
      .default(7 * 24 * 3600),
    // JetStream duplicate window, seconds (default 2 minutes).
    INGEST_DUPLICATE_WINDOW_S: z.coerce.number().int().positive().default(120),
    // Redis URL: when set, sessions/retained/offline queues and pub/sub are shared by all replicas.
    REDIS_URL: z.string().optional(),
    // Key prefix in Redis (tests isolate themselves with their own).
    REDIS_PREFIX: z.string().default('iotlog:'),
    // token = devices must authenticate; open = lab mode, no authentication and no device ACL (never in production).
    AUTH_MODE: z.enum(['token', 'open']).default('token'),
    // Largest accepted PUBLISH payload in bytes; bigger ones close the connection.
    MAX_PAYLOAD_BYTES: z.coerce.number().int().positive().default(262_144),
    // Sustained messages per second one device may publish (token bucket, burst = 2 s worth).
    DEVICE_RATE_PER_S: z.coerce.number().positive().default(1000),
    // Messages per second one tenant may publish across its devices on this replica.
    TENANT_QUOTA_PER_S: z.coerce.number().positive().default(50_000),
    // Micro-batch linger of the JetStream bridge in ms. 0 = flush right after the current socket read: aedes
    // reads a connection's next chunk only once all its publishes are acknowledged, so a linger cannot merge
    // chunks of one connection and only adds latency; > 0 helps when one device uses several connections.
    BRIDGE_BATCH_MS: z.coerce.number().min(0).max(1000).default(0),
    // Micro-batch size limit (records) of the JetStream bridge.
    BRIDGE_BATCH_MAX: z.coerce.number().int().positive().default(256),
    // Seconds a device/credential lookup stays cached (revocations invalidate at once).
    AUTH_CACHE_TTL_S: z.coerce.number().positive().default(60),
    // Failed CONNECTs per minute allowed per device id and per source address.
    AUTH_FAIL_LIMIT_PER_MIN: z.coerce.number().int().positive().default(20),
    // Accept the PROXY protocol (v1 and v2) header on TCP/TLS listeners (behind a load balancer).
    PROXY_PROTOCOL: bool.default(false),
    // Identifier of this replica (JetStream message ids, logs). Default: random.
    BROKER_ID: z.string().optional(),
    // pino log level.
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .superRefine((e, ctx) => {
    const needsTls = e.MQTT_TLS_PORT !== undefined || e.MQTT_WSS_PORT !== undefined;
    if (needsTls && (!e.TLS_CERT_FILE || !e.TLS_KEY_FILE)) {
      ctx.addIssue({
        code: 'custom',
        path: ['TLS_CERT_FILE'],
        message: 'MQTT_TLS_PORT/MQTT_WSS_PORT need TLS_CERT_FILE and TLS_KEY_FILE (PEM files)',
      });
    }
    if (e.TLS_REQUIRE_CLIENT_CERT && !e.TLS_CA_FILE) {
      ctx.addIssue({
        code: 'custom',
        path: ['TLS_CA_FILE'],
        message: 'TLS_REQUIRE_CLIENT_CERT=true needs TLS_CA_FILE to verify client certificates',
      });
    }
  });

export type BrokerEnv = z.infer<typeof envSchema>;

/** Parse an environment (default: process.env); throws a readable error listing every bad variable. */
export function loadEnv(source: Record<string, string | undefined> = process.env): BrokerEnv {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid broker configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
