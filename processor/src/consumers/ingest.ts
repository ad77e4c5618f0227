// The ingest consumer: takes buffered messages from the bus, decodes them into one batch of rows (up to
// BATCH_SIZE records), writes the batch in ONE transaction and acks every message only after COMMIT.
// Transient failures (database down) nak the batch with a growing delay and pause this replica; a batch the
// database refuses for its data is written row by row so that one bad record never holds back the others.
import type { IngestSource, SourceMessage } from '../bus/types.js';
import { createWaiter } from '../bus/waiter.js';
import type { MessageDecoder } from '../decode/message.js';
import { isDataError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ProcessorMetrics } from '../metrics.js';
import type { DeviceStateBuffer } from '../state/buffer.js';
import { writeRowByRow } from '../store/row-by-row.js';
import { emptyRows, rowCount, type BatchRows } from '../store/rows.js';
import type { SqlDatabase } from '../store/sql.js';
import { writeBatch, type WriteResult } from '../store/writer.js';

export interface IngestConsumerDeps {
  source: IngestSource;
  db: SqlDatabase;
  decoder: MessageDecoder;
  state?: DeviceStateBuffer;
  metrics: ProcessorMetrics;
  logger: Logger;
  /** A batch closes once it holds this many rows. */
  batchSize: number;
  /** Batches written at the same time (each in its own transaction). */
  maxInFlight: number;
  /** Delay before retrying after the first transient failure, doubled per failure up to `maxBackoffMs`. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
}

export interface IngestConsumer {
  /** Resolves when the consumer stopped (after stop()). */
  readonly done: Promise<void>;
  /** Consecutive transient write failures (0 = healthy). */
  readonly failures: number;
  /** Stops taking messages, gives buffered ones back, waits for batches being written. */
  stop(): Promise<void>;
}

export function startIngestConsumer(deps: IngestConsumerDeps): IngestConsumer {
  const { source, db, decoder, state, metrics, logger } = deps;
  const initialBackoffMs = deps.initialBackoffMs ?? 500;
  const maxBackoffMs = deps.maxBackoffMs ?? 15_000;
  let running = true;
  let failures = 0;
  let pausedUntil = 0;
  const inFlight = new Set<Promise<void>>();
  const wake = createWaiter();

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      void wake.wait().then(() => {
        clearTimeout(t);
        resolve();
      });
    });

  function observe(result: WriteResult, rows: BatchRows, seconds: number): void {
    metrics.commitSeconds.observe(seconds);
    metrics.batchRecords.observe(rowCount(rows));
    metrics.rowsWritten.inc({ table: 'logs' }, result.logs);
    metrics.rowsWritten.inc({ table: 'telemetry' }, result.telemetry);
    metrics.rowsWritten.inc({ table: 'events' }, result.events);
    metrics.rowsWritten.inc({ table: 'dead_letters' }, result.deadLetters);
    for (const code of rows.deadLetters.code) metrics.deadLetters.inc({ code });
  }

  function retryLater(msgs: SourceMessage[], err: unknown): void {
    failures++;
    const delay = Math.min(initialBackoffMs * 2 ** (failures - 1), maxBackoffMs);
    pausedUntil = Date.now() + delay;
    metrics.writeFailures.inc({ kind: 'transient' });
    logger.warn(
      { err, failures, retryInMs: delay, messages: msgs.length },
      'batch write failed; messages nak-ed for redelivery',
    );
    for (const m of msgs) m.nak(delay);
  }

  async function commit(msgs: SourceMessage[], rows: BatchRows): Promise<void> {
    const started = performance.now();
    try {
      let result: WriteResult;
      try {
        result = await writeBatch(db, rows);
      } catch (err) {
        if (!isDataError(err)) throw err;
        metrics.writeFailures.inc({ kind: 'data' });
        logger.warn(
          { err, messages: msgs.length },
          'database refused a batch for its data; writing it row by row',
        );
        const r = await writeRowByRow(db, rows);
        for (let i = 0; i < r.rejected; i++) metrics.deadLetters.inc({ code: 'store.rejected' });
        result = r;
      }
      observe(result, rows, (performance.now() - started) / 1000);
      for (const m of msgs) m.ack();
      if (failures > 0) logger.info({ failures }, 'database writes recovered');
      failures = 0;
    } catch (err) {
      retryLater(msgs, err);
    }
  }

  function decodeInto(m: SourceMessage, rows: BatchRows): void {
    metrics.messagesIn.inc();
    try {
      const s = decoder.decode(m, rows, state);
      metrics.recordsIn.inc(s.records + s.deadLetters);
    } catch (err) {
      // a decoder bug, not bad input: keep the message as a dead letter instead of crashing or looping
      logger.error({ err, seq: m.seq, subject: m.subject }, 'decoder failed on a message');
      const d = rows.deadLetters;
      d.receivedAt.push(Date.now());
      d.tenantId.push(null);
      d.deviceId.push(null);
      d.channel.push('unknown');
      d.code.push('store.decode_failed');
      d.reason.push(String((err as Error).message).slice(0, 1000));
      d.payloadHex.push(Buffer.from(m.data).toString('hex'));
      d.streamSeq.push(m.seq);
      d.position.push(-1);
    }
  }

  async function loop(): Promise<void> {
    while (running) {
      const wait = pausedUntil - Date.now();
      if (wait > 0) {
        await sleep(wait);
        continue;
      }
      if (inFlight.size >= deps.maxInFlight) {
        await Promise.race(inFlight);
        continue;
      }
      await source.ready();
      if (!running) break;
      const msgs: SourceMessage[] = [];
      const rows = emptyRows();
      let m: SourceMessage | undefined;
      while (rowCount(rows) < deps.batchSize && (m = source.poll()) !== undefined) {
        msgs.push(m);
        decodeInto(m, rows);
      }
      if (msgs.length === 0) continue;
      const p = commit(msgs, rows).finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
  }

  const done = loop().catch((err: unknown) => {
    logger.fatal({ err }, 'ingest consumer loop failed');
    throw err;
  });

  return {
    done,
    get failures() {
      return failures;
    },
    async stop() {
      running = false;
      wake.notify();
      await source.close();
      await done;
      await Promise.all(inFlight);
    },
  };
}
