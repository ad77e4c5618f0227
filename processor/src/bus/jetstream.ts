// JetStream ingest source: one durable pull consumer (explicit ack) shared by every processor replica.
// The stream and the consumer are created when missing. Messages are pulled ahead into a bounded buffer;
// the backlog waits in JetStream when the database is slow.
import {
  AckPolicy,
  DeliverPolicy,
  jetstreamManager,
  jetstream,
  StorageType,
  type ConsumerMessages,
  type JsMsg,
} from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { ProcessorError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { IngestSource, SourceMessage } from './types.js';
import { createWaiter } from './waiter.js';

export interface JetStreamSourceOptions {
  nc: NatsConnection;
  stream: string;
  /** Subject filter of the stream when it must be created (`{prefix}.ingest.>`). */
  subjects: string[];
  durable: string;
  /** Messages pulled ahead and buffered by this replica. */
  maxMessages: number;
  expiresMs: number;
  ackWaitS: number;
  maxAckPending: number;
  /** Stream settings used only when the stream does not exist yet (the broker's defaults). */
  maxAgeS?: number;
  duplicateWindowS?: number;
  logger: Logger;
}

/** Creates the stream (when missing) and the durable consumer (when missing). Idempotent. */
export async function ensureConsumer(o: Omit<JetStreamSourceOptions, 'logger' | 'expiresMs'>): Promise<void> {
  const jsm = await jetstreamManager(o.nc);
  try {
    await jsm.streams.info(o.stream);
  } catch (err) {
    if ((err as Error).name !== 'StreamNotFoundError')
      throw new ProcessorError('bus.stream', `stream ${o.stream}: ${(err as Error).message}`, { cause: err });
    await jsm.streams.add({
      name: o.stream,
      subjects: o.subjects,
      storage: StorageType.File,
      max_age: nanos((o.maxAgeS ?? 7 * 86_400) * 1000),
      duplicate_window: nanos((o.duplicateWindowS ?? 120) * 1000),
    });
  }
  try {
    await jsm.consumers.info(o.stream, o.durable);
  } catch (err) {
    if ((err as Error).name !== 'ConsumerNotFoundError')
      throw new ProcessorError('bus.consumer', `consumer ${o.durable}: ${(err as Error).message}`, {
        cause: err,
      });
    await jsm.consumers.add(o.stream, {
      durable_name: o.durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(o.ackWaitS * 1000),
      max_ack_pending: o.maxAckPending,
    });
  }
}

export async function createJetStreamSource(o: JetStreamSourceOptions): Promise<IngestSource> {
  await ensureConsumer(o);
  const js = jetstream(o.nc);
  const consumer = await js.consumers.get(o.stream, o.durable);
  const messages: ConsumerMessages = await consumer.consume({
    max_messages: o.maxMessages,
    expires: o.expiresMs,
  });
  const buffer: SourceMessage[] = [];
  let head = 0;
  const arrived = createWaiter();
  const drained = createWaiter();
  let closed = false;

  const wrap = (m: JsMsg): SourceMessage => ({
    data: m.data,
    subject: m.subject,
    seq: m.seq,
    ack: () => m.ack(),
    nak: (delayMs) => m.nak(delayMs),
  });

  let problem: string | null = null;
  const pump = (async () => {
    for await (const m of messages) {
      buffer.push(wrap(m));
      arrived.notify();
      // bounded memory: stop taking from the consumer while the buffer is full
      while (!closed && buffer.length - head >= o.maxMessages) await drained.wait();
    }
    if (!closed)
      throw new ProcessorError(
        'bus.consumer_ended',
        `consumer ${o.durable} on ${o.stream} stopped delivering`,
      );
  })().catch((err: unknown) => {
    problem = (err as Error).message;
    o.logger.error({ err }, 'jetstream consumer stopped: this replica takes no more messages (restart it)');
  });

  void (async () => {
    for await (const s of messages.status()) {
      if (
        s.type === 'heartbeats_missed' ||
        s.type === 'consumer_not_found' ||
        s.type === 'stream_not_found' ||
        s.type === 'consumer_deleted'
      ) {
        o.logger.warn({ status: s.type }, 'jetstream consumer status');
      }
    }
  })().catch((err: unknown) => o.logger.warn({ err }, 'jetstream consumer status stream ended'));

  return {
    poll() {
      if (head >= buffer.length) return undefined;
      const m = buffer[head];
      buffer[head++] = undefined as unknown as SourceMessage;
      if (head > 1024 && head * 2 > buffer.length) {
        buffer.splice(0, head);
        head = 0;
      }
      drained.notify();
      return m;
    },
    async ready() {
      if (closed || head < buffer.length) return;
      await arrived.wait();
    },
    problem: () => problem,
    async lag() {
      const info = await consumer.info(true);
      return { pending: info.num_pending, ackPending: info.num_ack_pending };
    },
    async close() {
      closed = true;
      // buffered, unprocessed messages go back to the stream at once
      while (head < buffer.length) buffer[head++]?.nak(0);
      arrived.notify();
      drained.notify();
      await messages.close();
      await pump;
    },
  };
}
