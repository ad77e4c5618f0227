/** Base of every broker error: a stable dotted `code` and an optional `cause`. */
export class BrokerError extends Error {
  override name = 'BrokerError';
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** CONNACK return codes of MQTT 3.1.1. */
export const ConnackCode = {
  unacceptableProtocol: 1,
  identifierRejected: 2,
  serverUnavailable: 3,
  badCredentials: 4,
  notAuthorized: 5,
} as const;

/** A refused CONNECT: aedes reads `returnCode` and sends it in the CONNACK. */
export class AuthError extends BrokerError {
  override name = 'AuthError';
  constructor(
    code: string,
    readonly returnCode: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/** A refused PUBLISH/SUBSCRIBE (ACL, payload size, rate, quota): the connection is closed. */
export class RefusedError extends BrokerError {
  override name = 'RefusedError';
}

/** The ingest sink (JetStream) did not store a batch: no PUBACK goes out, the device resends. */
export class SinkError extends BrokerError {
  override name = 'SinkError';
}
