// Micro-batching bridge: PUBLISHes of one device and channel received within `lingerMs` (or up to
// `maxItems`) become one envelope and one sink publish. Every callback of a batch runs after the sink
// acked (null) or finally failed (SinkError), in the order the PUBLISHes came. With no linger, every batch
// opened during one event-loop turn is sent from one setImmediate, so that their sink publishes leave in
// one socket write; a batch is sent once, also when it filled up before that.
import type { Logger } from 'pino';
import { SinkError } from '../errors.js';
import type { BrokerMetrics } from '../metrics.js';
import type { IngestSink } from '../ports.js';
import { encodeEnvelope, subjects as makeSubjects, type Channel } from '../protocol.js';

export type BatchCallback = (err: Error | null) => void;

type Batch = {
  sent: boolean;
  tenantId: string;
  deviceId: string;
  channel: Channel;
  messages: { receivedAtMs: number; payload: Uint8Array }[];
  callbacks: BatchCallback[];
  bytes: number;
  timer: NodeJS.Timeout | null;
};

export interface Batcher {
  add(tenantId: string, deviceId: string, channel: Channel, payload: Uint8Array, cb: BatchCallback): void;
  /** Publishes everything pending and resolves once all in-flight batches settled. */
  flush(): Promise<void>;
}

const MAX_BATCH_BYTES = 900 * 1024; // under the default 1 MiB NATS max_payload

export function createBatcher(deps: {
  sink: IngestSink;
  brokerId: string;
  prefix: string;
  lingerMs: number;
  maxItems: number;
  retries?: number;
  retryDelayMs?: number;
  metrics: BrokerMetrics;
  logger: Logger;
}): Batcher {
  const { sink, metrics, logger } = deps;
  const subjects = makeSubjects(deps.prefix);
  const retries = deps.retries ?? 2;
  const retryDelayMs = deps.retryDelayMs ?? 250;
  // open batches by device id, then channel (no key string built per PUBLISH)
  const pending = new Map<string, Map<Channel, Batch>>();
  const inflight = new Set<Promise<void>>();
  let counter = 0;
  // lingerMs = 0: batches opened since the last setImmediate, sent by it in the order they were opened
  let due: Batch[] = [];
  const sendDue = (): void => {
    const batches = due;
    due = [];
    for (const b of batches) send(b);
  };

  async function publishWithRetry(bytes: Uint8Array, subject: string, msgId: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await sink.publish(bytes, subject, msgId);
        return;
      } catch (err) {
        metrics.sinkErrors.inc();
        if (attempt >= retries) throw err;
        // same message id: a publish that was stored but whose ack was lost is deduplicated
        await new Promise((r) => setTimeout(r, retryDelayMs * (attempt + 1)));
      }
    }
  }

  function send(batch: Batch): void {
    if (batch.sent) return;
    batch.sent = true;
    if (batch.timer) clearTimeout(batch.timer);
    const open = pending.get(batch.deviceId);
    if (open?.get(batch.channel) === batch) {
      open.delete(batch.channel);
      if (open.size === 0) pending.delete(batch.deviceId);
    }
    const msgId = `${deps.brokerId}-${++counter}`;
    const subject = subjects.ingest(batch.tenantId, batch.deviceId, batch.channel);
    const first = batch.messages[0]?.receivedAtMs ?? Date.now();
    const bytes = encodeEnvelope(batch);
    const p = publishWithRetry(bytes, subject, msgId).then(
      () => {
        metrics.batches.inc();
        metrics.messagesIn.inc(batch.callbacks.length);
        metrics.bridgeLatency.observe((Date.now() - first) / 1000);
        for (const cb of batch.callbacks) cb(null);
      },
      (err: unknown) => {
        logger.warn(
          { err, subject, msgId, count: batch.callbacks.length },
          'ingest sink publish failed, no PUBACK',
        );
        const e = new SinkError('bridge.sink_failed', 'ingest sink did not store the batch', { cause: err });
        for (const cb of batch.callbacks) cb(e);
      },
    );
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
  }

  return {
    add(tenantId, deviceId, channel, payload, cb) {
      let batch = pending.get(deviceId)?.get(channel);
      if (batch && batch.bytes + payload.length > MAX_BATCH_BYTES) {
        send(batch);
        batch = undefined;
      }
      if (!batch) {
        batch = {
          sent: false,
          tenantId,
          deviceId,
          channel,
          messages: [],
          callbacks: [],
          bytes: 0,
          timer: null,
        };
        // looked up again: sending a full batch above may have dropped the device's map
        let open = pending.get(deviceId);
        if (!open) {
          open = new Map();
          pending.set(deviceId, open);
        }
        open.set(channel, batch);
        if (deps.lingerMs > 0) batch.timer = setTimeout(send, deps.lingerMs, batch);
        else if (due.push(batch) === 1) setImmediate(sendDue);
      }
      batch.messages.push({ receivedAtMs: Date.now(), payload });
      batch.callbacks.push(cb);
      batch.bytes += payload.length + 12;
      if (batch.messages.length >= deps.maxItems) send(batch);
    },
    async flush() {
      for (const open of [...pending.values()]) for (const batch of [...open.values()]) send(batch);
      await Promise.allSettled([...inflight]);
    },
  };
}
