/**
 * The alerting engine of one processor replica: its own durable pull consumer (`alerting`) on the ingest stream,
 * so storage never waits on alerting; rule state in NATS KV (compare-and-set); the clock-driven checks run by
 * the holder of a leader lease. Start any number of replicas against the same stream, bucket and consumer.
 */
import { randomUUID } from 'node:crypto';
import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  type ConsumerMessages,
} from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { ProtocolError, subjects as makeSubjects } from '@iotlog/edge-sdk/protocol';
import type { Logger } from 'pino';
import { createAlertStore, type Queryable } from './alert-store.js';
import { AlertingError } from './errors.js';
import { createEffects } from './effects.js';
import { createEvaluator } from './evaluator.js';
import { createLease } from './lease.js';
import { createRuleSource } from './rule-source.js';
import { createSeenTracker } from './seen.js';
import { createJsonKv } from './state-store.js';
import { createTicker } from './ticker.js';
import { createWebhookSender, type WebhookOptions } from './webhook.js';

export interface AlertingConfig {
  /** NATS subject prefix (`iot`). */
  prefix: string;
  /** Ingest stream (`IOT_INGEST`); must exist (the broker/processor create it). */
  stream: string;
  /** Durable pull consumer of the engine replicas. */
  consumer: string;
  /** KV bucket for rule state, last-seen times and the leader lease. */
  bucket: string;
  /** Rules reload interval, ms. */
  ruleRefreshMs: number;
  /** Leader tick (no-data checks) interval, ms; the lease lasts `leaseTtlMs`. */
  tickMs: number;
  leaseTtlMs: number;
  /** Interval of the last-seen flush to KV, ms. */
  seenFlushMs: number;
  /** Redelivery after this long without ack, s. */
  ackWaitS: number;
  webhook?: Partial<WebhookOptions>;
  /** Name of this replica in the lease (default: random). */
  instanceId?: string;
}

export const DEFAULT_ALERTING_CONFIG: AlertingConfig = {
  prefix: 'iot',
  stream: 'IOT_INGEST',
  consumer: 'alerting',
  bucket: 'iot_alerting',
  ruleRefreshMs: 2_000,
  tickMs: 1_000,
  leaseTtlMs: 5_000,
  seenFlushMs: 1_000,
  ackWaitS: 30,
};

export interface AlertingEngine {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly instanceId: string;
  /** True while this replica holds the leader lease. */
  isLeader(): boolean;
}

export function createAlertingEngine(deps: {
  nc: NatsConnection;
  db: Queryable;
  logger: Logger;
  config?: Partial<AlertingConfig>;
}): AlertingEngine {
  const cfg = { ...DEFAULT_ALERTING_CONFIG, ...deps.config };
  const instanceId = cfg.instanceId ?? randomUUID();
  const log = deps.logger.child({ component: 'alerting', instance: instanceId });
  const subjects = makeSubjects(cfg.prefix);
  const rules = createRuleSource({ db: deps.db, logger: log, refreshMs: cfg.ruleRefreshMs });
  const webhooks = createWebhookSender({
    db: deps.db,
    logger: log,
    ...(cfg.webhook ? { options: cfg.webhook } : {}),
  });
  const effects = createEffects({
    nc: deps.nc,
    subjects,
    alerts: createAlertStore(deps.db),
    webhooks,
    logger: log,
  });
  let messages: ConsumerMessages | undefined;
  let consumeLoop: Promise<void> | undefined;
  const timers: NodeJS.Timeout[] = [];
  let leader = false;
  let stopping = false;
  let release: (() => Promise<void>) | undefined;
  const running = new Set<Promise<void>>();

  /** Runs `fn` every `ms`, one run at a time, logging failures; stops with the engine. */
  function every(ms: number, name: string, fn: () => Promise<void>): void {
    const run = () => {
      if (stopping) return;
      const p = fn()
        .catch((err: unknown) => log.error({ err }, `${name} failed`))
        .finally(() => {
          running.delete(p);
          if (!stopping) timers.push(setTimeout(run, ms));
        });
      running.add(p);
    };
    timers.push(setTimeout(run, ms));
  }

  return {
    instanceId,
    isLeader: () => leader,
    async start() {
      const kv = createJsonKv(await new Kvm(deps.nc).create(cfg.bucket, { history: 1 }));
      const seen = createSeenTracker(kv);
      const evaluator = createEvaluator({ rules, store: kv, seen, effects });
      const ticker = createTicker({
        db: deps.db,
        rules,
        store: kv,
        seen,
        effects,
        slackMs: cfg.seenFlushMs + 1_000,
        logger: log,
      });
      const lease = createLease({ kv, key: 'lease.nodata', holder: instanceId, ttlMs: cfg.leaseTtlMs });
      release = () => lease.release();
      await rules.start();

      const jsm = await jetstreamManager(deps.nc);
      try {
        await jsm.consumers.info(cfg.stream, cfg.consumer); // an existing consumer keeps its position
      } catch (err) {
        if ((err as Error).name !== 'ConsumerNotFoundError') {
          throw new AlertingError(
            'alerting.consumer',
            `alerting consumer ${cfg.consumer} on ${cfg.stream}: ${(err as Error).message}`,
            { cause: err },
          );
        }
        // new: start at the live edge, not at 7 days of history
        await jsm.consumers.add(cfg.stream, {
          durable_name: cfg.consumer,
          ack_policy: AckPolicy.Explicit,
          deliver_policy: DeliverPolicy.New,
          ack_wait: cfg.ackWaitS * 1e9,
          max_ack_pending: 10_000,
        });
      }
      const consumer = await jetstream(deps.nc).consumers.get(cfg.stream, cfg.consumer);
      messages = await consumer.consume({ max_messages: 256 });
      const msgs = messages;
      consumeLoop = (async () => {
        for await (const m of msgs) {
          try {
            await evaluator.handle(m.data, { redelivered: m.redelivered });
            m.ack();
          } catch (err) {
            if (isForeignKeyViolation(err)) {
              // the device or rule was deleted meanwhile: nothing to alert on
              log.warn(
                { err, subject: m.subject, seq: m.seq },
                'device or rule gone; message skipped by alerting',
              );
              m.ack();
            } else if (err instanceof ProtocolError) {
              log.warn({ err, subject: m.subject, seq: m.seq }, 'malformed envelope; dropped by alerting');
              m.term();
            } else {
              log.error(
                { err, subject: m.subject, seq: m.seq },
                'alert evaluation failed; will be redelivered',
              );
              m.nak(2_000);
            }
          }
        }
      })();

      every(cfg.seenFlushMs, 'last-seen flush', () => seen.flush());
      every(cfg.tickMs, 'leader tick', async () => {
        const was = leader;
        leader = await lease.acquire();
        if (leader !== was)
          log.info({ leader }, leader ? 'took the no-data leader lease' : 'lost the no-data leader lease');
        if (leader) await ticker.tick();
      });
      log.info({ stream: cfg.stream, consumer: cfg.consumer, bucket: cfg.bucket }, 'alerting engine started');
    },
    async stop() {
      stopping = true;
      for (const t of timers) clearTimeout(t);
      rules.stop();
      await messages?.close();
      await consumeLoop;
      await Promise.allSettled([...running]);
      if (leader) await release?.();
      leader = false;
      await webhooks.close();
    },
  };
}

/** PostgreSQL 23503 (foreign key violation), also when wrapped. */
function isForeignKeyViolation(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as { code?: unknown }).code === '23503') return true;
  }
  return false;
}
