// Protocol errors: one class, a stable dotted `code` per failure. Broker and processor map codes to
// CONNACK/disconnect reasons and dead-letter rows; the console shows `code` and `message` to operators.

/** Every code a protocol function can throw or report. Stable: dashboards and dead letters key on them. */
export const PROTOCOL_ERROR_CODES = [
  'protocol.bad_utf8', // payload is not valid UTF-8
  'protocol.bad_json', // payload looks like JSON (starts with `{`) but does not parse
  'protocol.bad_shape', // valid JSON, but not a record/batch shape this channel accepts
  'protocol.missing_field', // a required field is absent (message, metrics, name, records, ...)
  'protocol.bad_type', // a field has the wrong type or range (seq not an integer, metric not finite, ...)
  'protocol.bad_severity', // severity is neither 0..7 nor a known name
  'protocol.bad_ts', // ts is neither ISO-8601 nor epoch milliseconds
  'protocol.ts_skew', // ts too far in the future or the past relative to receipt
  'protocol.too_large', // payload, batch, message or attrs over their limits
  'protocol.empty', // empty payload or empty batch
  'protocol.bad_version', // batch `v` or envelope version not supported
  'protocol.bad_channel', // unknown channel name or code
  'protocol.bad_envelope', // truncated or malformed binary envelope
  'protocol.bad_id', // device id / tenant id / subject token / topic name not allowed
] as const;

export type ProtocolErrorCode = (typeof PROTOCOL_ERROR_CODES)[number];

export class ProtocolError extends Error {
  override name = 'ProtocolError';
  readonly code: ProtocolErrorCode;

  constructor(code: ProtocolErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  static is(err: unknown): err is ProtocolError {
    return err instanceof ProtocolError;
  }
}
