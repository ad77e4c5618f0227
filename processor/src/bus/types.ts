// The processor's view of its bus: JetStream in production, the in-process bus in embedded mode.
// Same delivery rules for both: a message stays owned until ack; nak(delay) or a missed ack redelivers it.
import type { IngestMessage } from '../decode/message.js';

export interface SourceMessage extends IngestMessage {
  /** Acknowledges the message: called only after the rows it produced are committed. */
  ack(): void;
  /** Gives the message back for redelivery after `delayMs`. */
  nak(delayMs: number): void;
}

/** A buffered stream of ingest messages for one replica. */
export interface IngestSource {
  /** The next buffered message, or undefined when none is buffered right now (never waits). */
  poll(): SourceMessage | undefined;
  /** Resolves once a message is buffered, or when the source closes. */
  ready(): Promise<void>;
  /** Messages waiting for this consumer and messages delivered but not acked, when the bus knows. */
  lag(): Promise<{ pending: number; ackPending: number } | null>;
  /** Null while delivery works; otherwise why it stopped (readiness reports it). */
  problem(): string | null;
  /** Stops delivery; unacked messages go back to the bus. */
  close(): Promise<void>;
}

/** `respond` is set when the message was a request. */
export type SubjectHandler = (
  data: Uint8Array,
  subject: string,
  respond?: (data: Uint8Array) => void,
) => void;

/** Core publish/subscribe (core NATS or in-process); the same shape as the broker's SubjectBus port. */
export interface SubjectBus {
  publish(subject: string, data: Uint8Array): void;
  /** `queue`: deliver each message to one member of the group only. Returns an unsubscribe function. */
  subscribe(subject: string, handler: SubjectHandler, opts?: { queue?: string }): () => void;
}
