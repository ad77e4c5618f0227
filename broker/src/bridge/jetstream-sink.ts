// The IngestSink over NATS JetStream: one publish per envelope with Nats-Msg-Id for deduplication, and the
// stream (file storage, max age, duplicate window) created or updated at start.
import { jetstream, jetstreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { BrokerError } from '../errors.js';
import type { IngestSink } from '../ports.js';

const NANOS_PER_S = 1_000_000_000;

export async function ensureIngestStream(
  nc: NatsConnection,
  opts: { name: string; prefix: string; maxAgeS: number; duplicateWindowS: number },
): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const config = {
    name: opts.name,
    subjects: [`${opts.prefix}.ingest.>`],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    max_age: opts.maxAgeS * NANOS_PER_S,
    duplicate_window: Math.min(opts.duplicateWindowS, opts.maxAgeS) * NANOS_PER_S,
  };
  try {
    await jsm.streams.info(opts.name);
  } catch {
    // not found (or not reachable: add reports that with its own error)
    try {
      await jsm.streams.add(config);
      return;
    } catch (err) {
      throw new BrokerError('bridge.stream_setup', `cannot create stream ${opts.name}`, { cause: err });
    }
  }
  try {
    await jsm.streams.update(opts.name, {
      subjects: config.subjects,
      max_age: config.max_age,
      duplicate_window: config.duplicate_window,
    });
  } catch (err) {
    throw new BrokerError('bridge.stream_setup', `cannot update stream ${opts.name}`, { cause: err });
  }
}

export function createJetStreamSink(nc: NatsConnection, opts: { timeoutMs?: number } = {}): IngestSink {
  const js = jetstream(nc, { timeout: opts.timeoutMs ?? 5000 });
  return {
    async publish(envelope, subject, msgId) {
      await js.publish(subject, envelope, { msgID: msgId });
    },
  };
}
