// A JetStream fixture per test file: own subject prefix, stream and durable names; replicas run in-process.
import { subjects as makeSubjects, type Subjects } from '@iotlog/edge-sdk/protocol';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { pino } from 'pino';
import { createJetStreamSource, ensureConsumer } from '../src/bus/jetstream.js';
import { createNatsSubjectBus } from '../src/bus/nats.js';
import { createProcessor, type Processor, type ProcessorDeps } from '../src/processor.js';
import type { IngestSource } from '../src/bus/types.js';
import type { SqlDatabase } from '../src/store/sql.js';
import { suffix } from './helpers.js';

export const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
export const silentLogger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export interface Fixture {
  nc: NatsConnection;
  prefix: string;
  stream: string;
  durable: string;
  subjects: Subjects;
  publish(subject: string, data: Uint8Array): Promise<void>;
  /** `wrapSource` lets a test interfere with delivery (e.g. lose acks). */
  startReplica(
    db: SqlDatabase,
    opts?: Partial<ProcessorDeps> & { wrapSource?: (s: IngestSource) => IngestSource },
  ): Promise<{ processor: Processor; nc: NatsConnection; stop(): Promise<void> }>;
  consumerInfo(): Promise<{ pending: number; ackPending: number }>;
  close(): Promise<void>;
}

/** `ackWaitS`: how long JetStream waits for an ack before redelivering (short in crash tests). */
export async function createFixture(opts: { ackWaitS?: number } = {}): Promise<Fixture> {
  const s = suffix();
  const prefix = `t_${s}`;
  const stream = `T_${s}_INGEST`;
  const durable = `processor_${s}`;
  const subjects = makeSubjects(prefix);
  const nc = await connect({ servers: NATS_URL });
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  const replicas: { stop(): Promise<void> }[] = [];
  const ackWaitS = opts.ackWaitS ?? 30;
  await ensureConsumer({
    nc,
    stream,
    subjects: [subjects.ingestAll],
    durable,
    maxMessages: 64,
    ackWaitS,
    maxAckPending: 5000,
    maxAgeS: 3600,
  });
  return {
    nc,
    prefix,
    stream,
    durable,
    subjects,
    async publish(subject, data) {
      await js.publish(subject, data);
    },
    async startReplica(db, { wrapSource, ...opts } = {}) {
      const rnc = await connect({ servers: NATS_URL });
      const jsSource = await createJetStreamSource({
        nc: rnc,
        stream,
        subjects: [subjects.ingestAll],
        durable,
        maxMessages: 64,
        expiresMs: 5000,
        ackWaitS,
        maxAckPending: 5000,
        maxAgeS: 3600,
        logger: silentLogger,
      });
      const source = wrapSource ? wrapSource(jsSource) : jsSource;
      const processor = createProcessor({
        db,
        source,
        subjects,
        logger: silentLogger,
        presenceBus: createNatsSubjectBus(rnc, silentLogger),
        busReady: () => !rnc.isClosed(),
        batchSize: 500,
        deviceStateFlushMs: 100,
        ...opts,
      });
      let stopped = false;
      const replica = {
        processor,
        nc: rnc,
        async stop() {
          if (stopped) return;
          stopped = true;
          await processor.stop();
          await rnc.drain();
        },
      };
      replicas.push(replica);
      return replica;
    },
    async consumerInfo() {
      const info = await jsm.consumers.info(stream, durable);
      return { pending: info.num_pending, ackPending: info.num_ack_pending };
    },
    async close() {
      for (const r of replicas) await r.stop();
      await jsm.streams.delete(stream).catch(() => undefined);
      await nc.drain();
    },
  };
}
