// Down-link documents: commands and desired configuration, parsed on the device side.
import { ProtocolError } from './errors.js';
import type { Command, ConfigDocument } from './records.js';
import { isObject } from './validate.js';

const decoder = new TextDecoder('utf-8', { fatal: true });

function parseObject(bytes: Uint8Array, what: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(decoder.decode(bytes));
  } catch (err) {
    throw new ProtocolError('protocol.bad_json', `${what} is not valid UTF-8 JSON`, { cause: err });
  }
  if (!isObject(v)) throw new ProtocolError('protocol.bad_shape', `${what} must be a JSON object`);
  return v;
}

/** Parses a command `{ id, name, data, ts }`. */
export function parseCommand(bytes: Uint8Array): Command {
  const o = parseObject(bytes, 'command');
  if (typeof o.id !== 'string' || o.id.length === 0)
    throw new ProtocolError('protocol.missing_field', 'command needs a string "id"');
  if (typeof o.name !== 'string' || o.name.length === 0)
    throw new ProtocolError('protocol.missing_field', 'command needs a string "name"');
  const ts = typeof o.ts === 'number' && Number.isFinite(o.ts) ? o.ts : 0;
  return { id: o.id, name: o.name, data: o.data ?? null, ts };
}

/** Parses a configuration document `{ version, config }`. */
export function parseConfigDocument(bytes: Uint8Array): ConfigDocument {
  const o = parseObject(bytes, 'configuration');
  if (typeof o.version !== 'number' || !Number.isSafeInteger(o.version) || o.version < 0) {
    throw new ProtocolError('protocol.bad_type', 'configuration needs a non-negative integer "version"');
  }
  if (!isObject(o.config))
    throw new ProtocolError('protocol.bad_type', 'configuration needs an object "config"');
  return { version: o.version, config: o.config };
}
