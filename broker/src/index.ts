// @iotlog/broker: the MQTT broker as a library (createBroker with its ports) and its adapters.
export { createBroker, type BrokerDeps, type RunningBroker } from './broker.js';
export { loadEnv, envSchema, type BrokerEnv } from './env.js';
export type { AuthCredential, AuthRecord, AuthStore, BusHandler, IngestSink, SubjectBus } from './ports.js';
export { createPgAuthStore } from './auth/pg-store.js';
export { createJetStreamSink, ensureIngestStream } from './bridge/jetstream-sink.js';
export { createNatsBus } from './bus/nats-bus.js';
export { createMetrics, type BrokerMetrics } from './metrics.js';
export { createLogger } from './logger.js';
export { runBroker } from './run.js';
export { AuthError, BrokerError, RefusedError, SinkError } from './errors.js';
