// One processor replica: the ingest consumer, batched device state (last seen, presence, reported config),
// and readiness. Transport-agnostic: JetStream or the in-process bus come in as an IngestSource.
import type { DecodeOptions, Subjects } from '@iotlog/edge-sdk/protocol';
import type { IngestSource, SubjectBus } from './bus/types.js';
import { startIngestConsumer, type IngestConsumer } from './consumers/ingest.js';
import { createMessageDecoder } from './decode/message.js';
import type { Logger } from './logger.js';
import { createMetrics, type ProcessorMetrics } from './metrics.js';
import { createDeviceStateBuffer, type DeviceStateBuffer } from './state/buffer.js';
import type { SqlDatabase } from './store/sql.js';

export interface ProcessorDeps {
  db: SqlDatabase;
  source: IngestSource;
  subjects: Subjects;
  logger: Logger;
  /** Presence events (`{prefix}.presence.*.*`) arrive here; each replica takes a share (queue group). */
  presenceBus?: SubjectBus;
  metrics?: ProcessorMetrics;
  /** Reports whether the bus connection is up (readiness). */
  busReady?: () => boolean;
  batchSize?: number;
  maxInFlight?: number;
  limits?: DecodeOptions;
  deviceStateFlushMs?: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
}

export interface Readiness {
  ok: boolean;
  checks: Record<string, string>;
}

export interface Processor {
  metrics: ProcessorMetrics;
  consumer: IngestConsumer;
  state: DeviceStateBuffer;
  /** Database and bus reachable, and the last batch write did not fail. */
  readiness(): Promise<Readiness>;
  /** Refreshes the consumer lag gauges from the bus. */
  refreshLag(): Promise<void>;
  /** Stops consuming, waits for batches being written, flushes device state. */
  stop(): Promise<void>;
}

interface PresenceEvent {
  deviceId?: unknown;
  online?: unknown;
  at?: unknown;
}

export function createProcessor(deps: ProcessorDeps): Processor {
  const logger = deps.logger;
  const metrics = deps.metrics ?? createMetrics();
  const state = createDeviceStateBuffer();
  const decoder = createMessageDecoder({
    subjects: deps.subjects,
    ...(deps.limits ? { limits: deps.limits } : {}),
  });
  const consumer = startIngestConsumer({
    source: deps.source,
    db: deps.db,
    decoder,
    state,
    metrics,
    logger: logger.child({ component: 'ingest' }),
    batchSize: deps.batchSize ?? 2000,
    maxInFlight: deps.maxInFlight ?? 2,
    ...(deps.initialBackoffMs !== undefined ? { initialBackoffMs: deps.initialBackoffMs } : {}),
    ...(deps.maxBackoffMs !== undefined ? { maxBackoffMs: deps.maxBackoffMs } : {}),
  });

  const stateLog = logger.child({ component: 'device-state' });
  const decoderText = new TextDecoder();
  const unsubscribe = deps.presenceBus?.subscribe(
    deps.subjects.presenceAll,
    (data, subject) => {
      try {
        const e = JSON.parse(decoderText.decode(data)) as PresenceEvent;
        if (typeof e.deviceId === 'string' && typeof e.online === 'boolean' && typeof e.at === 'number') {
          state.presence(e.deviceId, e.online, e.at);
        } else {
          stateLog.warn({ subject }, 'presence event without deviceId/online/at ignored');
        }
      } catch (err) {
        stateLog.warn({ err, subject }, 'presence event is not JSON; ignored');
      }
    },
    { queue: 'processor' },
  );

  let flushing: Promise<void> = Promise.resolve();
  const flush = () => {
    flushing = flushing.then(async () => {
      if (state.size === 0) return;
      try {
        await state.flush(deps.db);
      } catch (err) {
        stateLog.warn({ err }, 'device state update failed; retried on the next flush');
      }
    });
    return flushing;
  };
  const timer = setInterval(() => void flush(), deps.deviceStateFlushMs ?? 1000);
  timer.unref();

  return {
    metrics,
    consumer,
    state,
    async readiness() {
      const checks: Record<string, string> = {};
      try {
        await deps.db.query('SELECT 1');
        checks.database = 'ok';
      } catch (err) {
        checks.database = `unreachable: ${(err as Error).message}`;
      }
      const problem = deps.source.problem();
      checks.bus =
        problem !== null ? problem : deps.busReady === undefined || deps.busReady() ? 'ok' : 'disconnected';
      checks.writes = consumer.failures === 0 ? 'ok' : `${consumer.failures} consecutive failures`;
      return { ok: Object.values(checks).every((v) => v === 'ok'), checks };
    },
    async refreshLag() {
      const lag = await deps.source.lag();
      if (lag === null) return;
      metrics.consumerPending.set(lag.pending);
      metrics.consumerAckPending.set(lag.ackPending);
    },
    async stop() {
      clearInterval(timer);
      unsubscribe?.();
      await consumer.stop();
      await flush();
    },
  };
}
