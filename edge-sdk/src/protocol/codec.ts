// JSON codec of MQTT payloads (ARCHITECTURE.md "Records on the wire"). decodePayload never throws for bad
// device input: it returns what it could decode and one error per refused record or payload.
import { ProtocolError, type ProtocolErrorCode } from './errors.js';
import {
  PROTOCOL_VERSION,
  type Batch,
  type DecodeError,
  type DecodeResult,
  type DecodedRecord,
  type WireRecord,
} from './records.js';
import { isChannel, type Channel } from './topics.js';
import {
  DEFAULT_LIMITS,
  isObject,
  toConfig,
  toEvent,
  toLog,
  toReply,
  toTelemetry,
  type DecodeLimits,
  type Json,
  type RecordContext,
} from './validate.js';

export { DEFAULT_LIMITS, type DecodeLimits } from './validate.js';

export interface DecodeOptions extends Partial<DecodeLimits> {
  /** Maximum payload size, bytes (default 256 KiB). */
  maxPayloadBytes?: number;
  /** Maximum records in one batch (default 10,000). */
  maxBatchRecords?: number;
}

export const DEFAULT_MAX_PAYLOAD_BYTES = 256 * 1024;
export const DEFAULT_MAX_BATCH_RECORDS = 10_000;

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

type Validator = (o: Json, ctx: RecordContext) => DecodedRecord;
const VALIDATORS: Record<Channel, Validator> = {
  logs: toLog,
  telemetry: toTelemetry,
  events: toEvent,
  reply: toReply,
  config: toConfig,
};

function refuse(code: ProtocolErrorCode, reason: string, index = -1): DecodeResult {
  return { records: [], errors: [{ index, code, reason }] };
}

function asError(err: unknown, index: number): DecodeError {
  if (err instanceof ProtocolError) return { index, code: err.code, reason: err.message };
  throw err; // a bug, not bad input: never hide it as a dead letter
}

/**
 * Decodes one MQTT payload received on `channel`. Accepted shapes:
 * - a batch `{ "v": 1, "records": [...] }` (logs, telemetry, events);
 * - one JSON record object;
 * - on `logs`, any UTF-8 text not starting with `{`: one info log stamped on receipt;
 * - on `telemetry`, a bare object of metric names to numbers.
 * Errors have `index` = position in the batch (0 for a single record) or -1 when the whole payload is refused.
 */
export function decodePayload(
  channel: Channel,
  bytes: Uint8Array,
  receivedAtMs: number,
  opts: DecodeOptions = {},
): DecodeResult {
  if (!isChannel(channel))
    throw new ProtocolError('protocol.bad_channel', `unknown channel ${JSON.stringify(channel)}`);
  const limits: DecodeLimits = { ...DEFAULT_LIMITS };
  for (const k of Object.keys(DEFAULT_LIMITS) as (keyof DecodeLimits)[]) {
    const v = opts[k];
    if (v !== undefined) limits[k] = v;
  }
  const maxPayload = opts.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  if (bytes.length === 0) return refuse('protocol.empty', 'empty payload');
  if (bytes.length > maxPayload)
    return refuse('protocol.too_large', `payload of ${bytes.length} bytes exceeds ${maxPayload}`);
  let text: string;
  try {
    text = utf8Decoder.decode(bytes);
  } catch {
    return refuse('protocol.bad_utf8', 'payload is not valid UTF-8');
  }
  const trimmed = text.trim();
  if (trimmed.length === 0) return refuse('protocol.empty', 'payload is only whitespace');
  if (channel === 'logs' && !trimmed.startsWith('{')) {
    const message = text.replace(/[\r\n]+$/, '');
    return decodeOne(channel, { message }, { index: 0, receivedAt: receivedAtMs, limits });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch (err) {
    return refuse('protocol.bad_json', `payload is not valid JSON: ${(err as Error).message}`);
  }
  if (!isObject(parsed)) {
    return refuse(
      'protocol.bad_shape',
      `expected a JSON object on ${channel}, got ${Array.isArray(parsed) ? 'an array' : typeof parsed}`,
    );
  }
  if ('records' in parsed && (channel === 'logs' || channel === 'telemetry' || channel === 'events')) {
    return decodeBatch(
      channel,
      parsed,
      receivedAtMs,
      limits,
      opts.maxBatchRecords ?? DEFAULT_MAX_BATCH_RECORDS,
    );
  }
  return decodeOne(channel, parsed, { index: 0, receivedAt: receivedAtMs, limits });
}

function decodeOne(channel: Channel, o: Json, ctx: RecordContext): DecodeResult {
  try {
    return { records: [VALIDATORS[channel](o, ctx)], errors: [] };
  } catch (err) {
    return { records: [], errors: [asError(err, ctx.index)] };
  }
}

function decodeBatch(
  channel: Channel,
  o: Json,
  receivedAt: number,
  limits: DecodeLimits,
  maxRecords: number,
): DecodeResult {
  if (o.v === undefined) return refuse('protocol.missing_field', 'batch needs "v": 1');
  if (o.v !== PROTOCOL_VERSION)
    return refuse(
      'protocol.bad_version',
      `batch version ${JSON.stringify(o.v)} is not supported (expected ${PROTOCOL_VERSION})`,
    );
  if (!Array.isArray(o.records)) return refuse('protocol.bad_type', '"records" must be an array');
  if (o.records.length === 0) return refuse('protocol.empty', 'batch has no records');
  if (o.records.length > maxRecords)
    return refuse('protocol.too_large', `batch of ${o.records.length} records exceeds ${maxRecords}`);
  const validate = VALIDATORS[channel];
  const result: DecodeResult = { records: [], errors: [] };
  for (let index = 0; index < o.records.length; index++) {
    const r: unknown = o.records[index];
    if (!isObject(r)) {
      result.errors.push({
        index,
        code: 'protocol.bad_shape',
        reason: `record ${index} is not a JSON object`,
      });
      continue;
    }
    try {
      result.records.push(validate(r, { index, receivedAt, limits }));
    } catch (err) {
      result.errors.push(asError(err, index));
    }
  }
  return result;
}

/** Encodes records of one channel as a batch `{ "v": 1, "records": [...] }` (UTF-8 JSON). */
export function encodeRecords(records: readonly WireRecord[]): Uint8Array {
  const batch: Batch = { v: PROTOCOL_VERSION, records: records as WireRecord[] };
  return utf8Encoder.encode(JSON.stringify(batch));
}

/** Encodes one record (or any JSON value: a reply, a config document) as UTF-8 JSON. */
export function encodeJson(value: unknown): Uint8Array {
  return utf8Encoder.encode(JSON.stringify(value));
}
