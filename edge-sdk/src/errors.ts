// SDK errors: one class with a stable dotted `code` and the underlying `cause`. The SDK never logs; it
// emits these on the client's `error` event and keeps the last one in `status().lastError`.

export type EdgeErrorCode =
  | 'sdk.bad_input' // invalid argument to a client method (empty message, non-finite metric, ...)
  | 'sdk.buffer_full' // buffer at maxBytes with policy `reject`
  | 'sdk.buffer_io' // reading or writing the on-disk buffer failed
  | 'sdk.closed' // the client was closed
  | 'sdk.tls' // the server certificate was refused (verification on by default)
  | 'sdk.auth' // the broker refused the credentials (CONNACK 4/5)
  | 'sdk.connection' // network or protocol failure talking to the broker
  | 'sdk.publish' // a publish failed (will be retried from the buffer)
  | 'sdk.command' // a command or configuration document could not be parsed or handled
  | 'sdk.handler'; // a command/config handler threw

export class EdgeError extends Error {
  override name = 'EdgeError';
  readonly code: EdgeErrorCode;

  constructor(code: EdgeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
]);

/** Wraps an error from mqtt.js / the socket into an EdgeError with a useful code and message. */
export function connectionError(err: unknown): EdgeError {
  if (err instanceof EdgeError) return err;
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = e?.code;
  const message = typeof e?.message === 'string' ? e.message : String(err);
  if (typeof code === 'string' && TLS_CODES.has(code)) {
    return new EdgeError(
      'sdk.tls',
      `server certificate refused (${code}): ${message}; pass the broker's CA as \`ca\``,
      {
        cause: err,
      },
    );
  }
  if (code === 4 || code === 5 || code === 134 || code === 135) {
    return new EdgeError('sdk.auth', `broker refused the credentials: ${message}`, { cause: err });
  }
  return new EdgeError('sdk.connection', message, { cause: err });
}
