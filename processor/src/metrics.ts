// Prometheus metrics of one processor instance, in its own registry (tests run several in one process).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface ProcessorMetrics {
  registry: Registry;
  messagesIn: Counter;
  recordsIn: Counter;
  rowsWritten: Counter<'table'>;
  deadLetters: Counter<'code'>;
  batchRecords: Histogram;
  commitSeconds: Histogram;
  writeFailures: Counter<'kind'>;
  consumerPending: Gauge;
  consumerAckPending: Gauge;
}

export function createMetrics(opts: { defaultMetrics?: boolean } = {}): ProcessorMetrics {
  const registry = new Registry();
  if (opts.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'iotlog_processor_' });
  const registers = [registry];
  return {
    registry,
    messagesIn: new Counter({
      name: 'iotlog_processor_messages_in_total',
      help: 'Ingest messages (envelopes) received, redeliveries included',
      registers,
    }),
    recordsIn: new Counter({
      name: 'iotlog_processor_records_in_total',
      help: 'Records decoded from ingest messages, redeliveries included',
      registers,
    }),
    rowsWritten: new Counter({
      name: 'iotlog_processor_rows_written_total',
      help: 'Rows inserted, per table (rows already stored by an earlier delivery are not counted)',
      labelNames: ['table'],
      registers,
    }),
    deadLetters: new Counter({
      name: 'iotlog_processor_dead_letters_total',
      help: 'Refused payloads/records stored in dead_letters, per code',
      labelNames: ['code'],
      registers,
    }),
    batchRecords: new Histogram({
      name: 'iotlog_processor_batch_records',
      help: 'Rows per committed batch',
      buckets: [1, 10, 50, 100, 250, 500, 1000, 2000, 5000, 10_000],
      registers,
    }),
    commitSeconds: new Histogram({
      name: 'iotlog_processor_commit_seconds',
      help: 'Time to write and commit one batch',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    writeFailures: new Counter({
      name: 'iotlog_processor_write_failures_total',
      help: 'Failed batch writes: transient (nak and retry) or data (batch split row by row)',
      labelNames: ['kind'],
      registers,
    }),
    consumerPending: new Gauge({
      name: 'iotlog_processor_consumer_pending',
      help: 'Messages waiting in the stream for the consumer (lag)',
      registers,
    }),
    consumerAckPending: new Gauge({
      name: 'iotlog_processor_consumer_ack_pending',
      help: 'Messages delivered but not yet acknowledged',
      registers,
    }),
  };
}
