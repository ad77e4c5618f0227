/**
 * Configuration of the alerting engine as environment variables: a zod shape for the processor's env schema to
 * spread in (processor/src/env.ts stays the only reader of process.env), and its mapping to AlertingConfig.
 */
import { z } from 'zod';
import type { AlertingConfig } from './engine.js';

const ms = z.coerce.number().int().min(50);

export const alertingEnvShape = {
  // on: this replica also runs the alerting engine (its own durable consumer on the ingest stream).
  ALERTING: z.enum(['on', 'off']).default('on'),
  // Durable pull consumer of the alerting engine replicas.
  ALERTING_CONSUMER: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .default('alerting'),
  // NATS KV bucket holding rule state, last-seen times and the no-data leader lease (default `{NATS_PREFIX}_alerting`).
  ALERTING_BUCKET: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .optional(),
  // How often rules are reloaded from alert_rules, ms.
  ALERTING_RULE_REFRESH_MS: ms.default(2_000),
  // Leader tick (no-data checks, pending thresholds, quiet log_match windows), ms.
  ALERTING_TICK_MS: ms.default(1_000),
  // Lifetime of the no-data leader lease, ms; another replica takes over this long after the leader died.
  ALERTING_LEASE_TTL_MS: ms.default(5_000),
  // Interval of the last-seen flush to KV, ms (no-data alerts allow this much extra silence).
  ALERTING_SEEN_FLUSH_MS: ms.default(1_000),
  // Webhook delivery attempts per notification (exponential backoff from 500 ms, capped at 30 s).
  WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(6),
  // Timeout of one webhook request, ms.
  WEBHOOK_TIMEOUT_MS: ms.default(5_000),
};

export const alertingEnvSchema = z.object(alertingEnvShape);
export type AlertingEnv = z.infer<typeof alertingEnvSchema>;

export function alertingConfigFromEnv(
  env: AlertingEnv & { NATS_PREFIX: string; INGEST_STREAM: string },
): Partial<AlertingConfig> {
  return {
    prefix: env.NATS_PREFIX,
    stream: env.INGEST_STREAM,
    consumer: env.ALERTING_CONSUMER,
    bucket: env.ALERTING_BUCKET ?? `${env.NATS_PREFIX}_alerting`,
    ruleRefreshMs: env.ALERTING_RULE_REFRESH_MS,
    tickMs: env.ALERTING_TICK_MS,
    leaseTtlMs: env.ALERTING_LEASE_TTL_MS,
    seenFlushMs: env.ALERTING_SEEN_FLUSH_MS,
    webhook: { maxAttempts: env.WEBHOOK_MAX_ATTEMPTS, timeoutMs: env.WEBHOOK_TIMEOUT_MS },
  };
}
