// Public types of EdgeClient: options, status snapshot, events.
import type { RecordBuffer } from './buffer/types.js';
import type { EdgeError } from './errors.js';
import type { ConfigDocument } from './protocol/index.js';
import type { BackoffOptions } from './transport/backoff.js';
import type { BatchOptions } from './transport/sender.js';

/** Batching options (batchDelayMs, batchMaxRecords, batchMaxBytes, maxInflightBatches) are in BatchOptions. */
export interface ClientOptions extends BatchOptions {
  /** Broker URL: `mqtt://`, `mqtts://` (TLS), `ws://`, `wss://`. */
  url: string;
  /** The device id (MQTT username and client id). */
  deviceId: string;
  /** Device token (MQTT password). Omit with client certificates. */
  token?: string;
  /** Client certificate, key and CA (PEM) for mTLS / a private CA. */
  cert?: string | Uint8Array;
  key?: string | Uint8Array;
  ca?: string | Uint8Array;
  /** Verify the server certificate (default true). Turning it off is for tests only. */
  rejectUnauthorized?: boolean;
  /** The store-and-forward buffer. */
  buffer: RecordBuffer;
  /** MQTT keep-alive, seconds (default 30). */
  keepaliveSec?: number;
  /** Reconnect backoff (default 500 ms doubling to 30 s, with jitter). */
  reconnect?: BackoffOptions;
  /** Connect timeout, ms (default 10,000). */
  connectTimeoutMs?: number;
}

export interface ClientStatus {
  connected: boolean;
  /** Records in the buffer not yet acknowledged (includes in-flight). */
  buffered: number;
  bufferedBytes: number;
  inflight: number;
  /** Records published in this process (including re-sends). */
  sent: number;
  /** Records acknowledged by the broker in this process. */
  acked: number;
  /** Records dropped by the buffer's drop-oldest policy (persisted counter). */
  dropped: number;
  lastError: EdgeError | null;
}

export interface ClientEvents {
  connect: [];
  disconnect: [];
  error: [EdgeError];
  /** Records acknowledged by the broker (count of this ack). */
  acked: [number];
  /** Buffered record count changed (after a batch is sent or acknowledged). */
  buffered: [number];
  /** The dropped counter grew (total). */
  dropped: [number];
  /** A new desired configuration arrived. */
  config: [ConfigDocument];
  status: [ClientStatus];
}

export type LogAttrs = Record<string, unknown>;
