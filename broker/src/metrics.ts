// Prometheus metrics of one broker instance (own registry, so two instances can live in one process).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type BrokerMetrics = ReturnType<typeof createMetrics>;

export function createMetrics(opts: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (opts.defaultMetrics) collectDefaultMetrics({ register: registry });
  const r = [registry];
  return {
    registry,
    connections: new Gauge({
      name: 'iotlog_broker_connections',
      help: 'Connected MQTT clients',
      registers: r,
    }),
    connects: new Counter({ name: 'iotlog_broker_connects_total', help: 'Accepted CONNECTs', registers: r }),
    authFailures: new Counter({
      name: 'iotlog_broker_auth_failures_total',
      help: 'Refused CONNECTs by reason',
      labelNames: ['reason'] as const,
      registers: r,
    }),
    refused: new Counter({
      name: 'iotlog_broker_refused_total',
      help: 'Refused PUBLISH/SUBSCRIBE by reason (acl_publish, acl_subscribe, payload_too_large, device_rate, tenant_quota)',
      labelNames: ['reason'] as const,
      registers: r,
    }),
    messagesIn: new Counter({
      name: 'iotlog_broker_messages_in_total',
      help: 'PUBLISHes received from devices and bridged',
      registers: r,
    }),
    messagesOut: new Counter({
      name: 'iotlog_broker_messages_out_total',
      help: 'Messages delivered to devices',
      registers: r,
    }),
    batches: new Counter({
      name: 'iotlog_broker_bridge_batches_total',
      help: 'Envelopes published to the ingest sink',
      registers: r,
    }),
    bridgeLatency: new Histogram({
      name: 'iotlog_broker_bridge_latency_seconds',
      help: 'Time from receiving a PUBLISH to the ingest sink ack',
      buckets: [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: r,
    }),
    sinkErrors: new Counter({
      name: 'iotlog_broker_jetstream_errors_total',
      help: 'Failed ingest sink (JetStream) publishes',
      registers: r,
    }),
    commands: new Counter({
      name: 'iotlog_broker_commands_total',
      help: 'Commands delivered to device sessions',
      registers: r,
    }),
    kicked: new Counter({
      name: 'iotlog_broker_sessions_closed_by_control_total',
      help: 'Sessions closed by control events',
      registers: r,
    }),
  };
}
