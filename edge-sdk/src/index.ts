// @iotlog/edge-sdk (Node entry): connect() with a durable on-disk buffer by default.
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { FileBuffer, type FileBufferOptions } from './buffer/file.js';
import { MemoryBuffer } from './buffer/memory.js';
import type { BufferLimits, RecordBuffer } from './buffer/types.js';
import { EdgeClient, type ClientOptions } from './client.js';
import { EdgeError } from './errors.js';

export * from './exports.js';
export { FileBuffer, type FileBufferOptions, type FsyncPolicy } from './buffer/file.js';

export interface ConnectOptions extends Omit<ClientOptions, 'buffer' | 'deviceId'> {
  /** Device id; with a client certificate it defaults to the certificate's CN. */
  deviceId?: string;
  /**
   * The buffer: options of the on-disk buffer (default dir `./.iotlog-buffer/{deviceId}`), `'memory'`
   * (lost on exit) or your own RecordBuffer.
   */
  buffer?: (Partial<FileBufferOptions> & BufferLimits) | 'memory' | RecordBuffer;
}

function deviceIdFromCert(cert: string | Uint8Array): string {
  const subject = new X509Certificate(typeof cert === 'string' ? cert : Buffer.from(cert)).subject;
  const cn = /(?:^|\n)CN=([^\n]+)/.exec(subject)?.[1];
  if (cn === undefined)
    throw new EdgeError('sdk.bad_input', 'deviceId not given and the client certificate has no CN');
  return cn;
}

function isRecordBuffer(b: unknown): b is RecordBuffer {
  return typeof b === 'object' && b !== null && typeof (b as RecordBuffer).append === 'function';
}

/** Connects a device. Returns at once; records are buffered while offline. See README for options. */
export function connect(opts: ConnectOptions): EdgeClient {
  const deviceId = opts.deviceId ?? (opts.cert !== undefined ? deviceIdFromCert(opts.cert) : undefined);
  if (deviceId === undefined)
    throw new EdgeError('sdk.bad_input', 'deviceId is required (or a client certificate with a CN)');
  const b = opts.buffer;
  let buffer: RecordBuffer;
  if (isRecordBuffer(b)) buffer = b;
  else if (b === 'memory') buffer = new MemoryBuffer();
  else buffer = new FileBuffer({ ...b, dir: b?.dir ?? join('.iotlog-buffer', deviceId) });
  try {
    return new EdgeClient({ ...opts, deviceId, buffer });
  } catch (err) {
    buffer.close();
    throw err;
  }
}
