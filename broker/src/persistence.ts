// Where sessions, retained messages and offline queues live: in memory (one replica) or in Redis
// (aedes-persistence-redis + mqemitter-redis) so that every replica shares them.
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { Redis } from 'ioredis';
import { TrackedMemoryPersistence } from './aedes/tracked-memory.js';

// Both adapters are CommonJS without typings for what we use (the async persistence aedes 1.x needs,
// and the key-prefixed emitter): loaded with require and typed here.
type RedisPersistence = {
  destroy(): Promise<void>;
  createRetainedStreamCombi(patterns: string[]): AsyncIterable<unknown>;
};
type AsyncPersistenceCtor = new (opts: { conn: Redis; maxSessionDelivery?: number }) => RedisPersistence;
type MQEmitterRedisPrefixCtor = new (
  prefix: string,
  opts: { connectionString: string; subConn?: Redis },
) => object;
const require = createRequire(import.meta.url);
const AsyncPersistence = require('aedes-persistence-redis/asyncPersistence.js') as AsyncPersistenceCtor;
const { MQEmitterRedisPrefix } = require('mqemitter-redis') as {
  MQEmitterRedisPrefix: MQEmitterRedisPrefixCtor;
};

export type SharedState = {
  persistence: unknown;
  mq?: unknown;
  /** Set for the in-memory store (one replica): it can tell that a client id has no stored state. */
  memory?: TrackedMemoryPersistence;
  close(): Promise<void>;
};

export function createSharedState(redis: { url: string; prefix: string } | undefined): SharedState {
  if (!redis) {
    const memory = new TrackedMemoryPersistence();
    return { persistence: memory, memory, close: async () => undefined };
  }
  const conn = new Redis(redis.url, { keyPrefix: redis.prefix, maxRetriesPerRequest: 3 });
  const persistence = new AsyncPersistence({ conn });
  // aedes 1.2 pipes the retained messages (`.pipe`) but this persistence returns an async generator
  const retained = persistence.createRetainedStreamCombi.bind(persistence);
  persistence.createRetainedStreamCombi = (patterns) => Readable.from(retained(patterns));
  // The subscriber connection runs no INFO ready check: after a (re)connect ioredis may already be in
  // subscriber mode when the check runs, and then throws "Connection in subscriber mode" as an uncaught error.
  const subConn = new Redis(redis.url, { enableReadyCheck: false });
  const mq = new MQEmitterRedisPrefix(redis.prefix, { connectionString: redis.url, subConn });
  return {
    persistence,
    mq,
    // aedes.close() closes mq; the persistence's Redis connection is ours to end
    close: () => persistence.destroy(),
  };
}
