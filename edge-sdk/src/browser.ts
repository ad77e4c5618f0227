// @iotlog/edge-sdk (browser entry): connect() over WebSocket (`ws://`/`wss://`) with an in-memory buffer.
// Must not import node:* modules.
import { MemoryBuffer } from './buffer/memory.js';
import type { BufferLimits, RecordBuffer } from './buffer/types.js';
import { EdgeClient, type ClientOptions } from './client.js';

export * from './exports.js';

export interface ConnectOptions extends Omit<ClientOptions, 'buffer'> {
  /** Bounds of the memory buffer, or your own RecordBuffer (e.g. over IndexedDB). */
  buffer?: BufferLimits | RecordBuffer;
}

export function connect(opts: ConnectOptions): EdgeClient {
  const b = opts.buffer;
  const buffer = b !== undefined && 'append' in b ? b : new MemoryBuffer(b);
  return new EdgeClient({ ...opts, buffer });
}
