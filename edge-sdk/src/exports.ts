// The platform-neutral public surface, re-exported by both entry points (index.ts for Node, browser.ts for
// browsers). Must not import node:* modules.
export {
  EdgeClient,
  type ClientOptions,
  type ClientStatus,
  type ClientEvents,
  type LogAttrs,
} from './client.js';
export { EdgeError, type EdgeErrorCode } from './errors.js';
export type { BatchOptions } from './transport/sender.js';
export type { BackoffOptions } from './transport/backoff.js';
export { MemoryBuffer } from './buffer/memory.js';
export type {
  BufferEntry,
  BufferLimits,
  BufferPolicy,
  BufferStats,
  NewRecord,
  RecordBuffer,
} from './buffer/types.js';
export type { CommandHandler, ConfigHandler } from './commands.js';
export * as protocol from './protocol/index.js';
