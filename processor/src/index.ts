// @iotlog/processor: JetStream (or the in-process bus) to TimescaleDB/PostgreSQL/PGlite, exactly once in storage.
export { createProcessor, type Processor, type ProcessorDeps, type Readiness } from './processor.js';
export { runProcessor, limitsFromEnv, type RunningProcessor } from './run.js';
export { loadEnv, envSchema, type ProcessorEnv } from './env.js';
export { createLogger, type Logger } from './logger.js';
export { createMetrics, type ProcessorMetrics } from './metrics.js';
export { startHttpServer, type HttpServer } from './http/server.js';
export { createMemoryBus, subjectMatches, type MemoryBus, type MemoryBusOptions } from './bus/memory.js';
export { createJetStreamSource, ensureConsumer, type JetStreamSourceOptions } from './bus/jetstream.js';
export { createNatsSubjectBus } from './bus/nats.js';
export type { IngestSource, SourceMessage, SubjectBus, SubjectHandler } from './bus/types.js';
export { fromDatabase, fromPgPool, fromPGlite, type SqlDatabase, type SqlQueryable } from './store/sql.js';
export { STORE_CODES, SEQ_SLOTS } from './decode/message.js';
export { ProcessorError, PoisonError, isDataError } from './errors.js';
