// The broker's ports: what it needs from the outside, implemented by adapters (PostgreSQL, JetStream, NATS)
// or by the embedded mode's in-process bus.

/** One credential of a device as the broker needs it (never the secret itself). */
export interface AuthCredential {
  id: string;
  kind: 'token' | 'x509';
  /** token: sha256(token) lower-case hex; x509: sha256 fingerprint of the certificate DER, lower-case hex. */
  secretHash: string;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

export interface AuthRecord {
  deviceId: string;
  tenantId: string;
  disabled: boolean;
  credentials: AuthCredential[];
}

/** Looks a device up by id; null when it does not exist. Throws when the store is unreachable. */
export interface AuthStore {
  lookup(deviceId: string): Promise<AuthRecord | null>;
}

/** Stores one ingest envelope durably; resolves only once stored (JetStream ack). */
export interface IngestSink {
  publish(envelope: Uint8Array, subject: string, msgId: string): Promise<void>;
}

/** `respond` is set when the message was a request (core NATS reply subject). */
export type BusHandler = (data: Uint8Array, subject: string, respond?: (data: Uint8Array) => void) => void;

/** Core publish/subscribe for control, command, reply and presence subjects (core NATS or in-process). */
export interface SubjectBus {
  publish(subject: string, data: Uint8Array): void;
  /** `queue`: deliver each message to one member of the group only. Returns an unsubscribe function. */
  subscribe(subject: string, handler: BusHandler, opts?: { queue?: string }): () => void;
}
