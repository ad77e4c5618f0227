// What createApp needs: explicit dependencies, no module-level singletons.
import type { Logger } from 'pino';
import type { DrizzleLike } from './db/sql.js';

/** A small publish/subscribe port: a NATS connection (see lib/bus.ts) or the embedded in-process bus. */
export interface Bus {
  publish(subject: string, data: Uint8Array): void | Promise<void>;
  /** Core (non-persistent) subscription; wildcards as in NATS (`*`, `>`). */
  subscribe(subject: string, onMessage: (subject: string, data: Uint8Array) => void): { unsubscribe(): void };
}

export interface StorageInfo {
  mode: 'timescaledb' | 'postgres' | 'pglite';
  edition: 'apache' | 'timescale' | null;
  hypertables: string[];
}

export interface ConsoleConfig {
  /** Session lifetime, seconds. */
  sessionTtlSeconds: number;
  /** Secure flag on cookies. */
  cookieSecure: boolean;
  /** Use X-Forwarded-For as the client address. */
  trustProxy: boolean;
  /** Failed logins allowed per address+email per window. */
  loginMaxAttempts: number;
  loginWindowSeconds: number;
  /** NATS subject prefix (`iot`). */
  natsPrefix: string;
  /** Live tail: heartbeat period and per-client queue bound. */
  tailHeartbeatMs: number;
  tailQueueMax: number;
}

export interface ConsoleDeps {
  db: DrizzleLike;
  bus: Bus;
  logger: Logger;
  config: ConsoleConfig;
  /** Storage mode/edition (drizzle's detectStorage); a SQL probe is used when absent. */
  detectStorage?: () => Promise<StorageInfo>;
  /** Built web app (console/dist) to serve with an SPA fallback; omitted in API tests. */
  staticDir?: string;
}

export const defaultConfig: ConsoleConfig = {
  sessionTtlSeconds: 12 * 3600,
  cookieSecure: false,
  trustProxy: false,
  loginMaxAttempts: 5,
  loginWindowSeconds: 900,
  natsPrefix: 'iot',
  tailHeartbeatMs: 15_000,
  tailQueueMax: 1000,
};
