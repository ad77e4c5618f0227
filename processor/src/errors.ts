/** Base of every processor error: a stable dotted `code` and an optional `cause`. */
export class ProcessorError extends Error {
  override name = 'ProcessorError';
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A record or envelope that can never be stored (poison): it becomes a dead letter. */
export class PoisonError extends ProcessorError {
  override name = 'PoisonError';
}

/** The database refused a write for a reason that retrying will not fix (SQLSTATE class 22/23/54). */
export class DataRejectedError extends ProcessorError {
  override name = 'DataRejectedError';
}

const DATA_SQLSTATE_CLASSES = new Set(['22', '23', '54']);

/**
 * True when a database error comes from the data itself (bad value, constraint, too large), so the batch
 * is split to find the record; anything else (connection lost, database unavailable, deadlock) is
 * transient and the batch is retried later with `nak(delay)`.
 */
export function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.length === 5 && DATA_SQLSTATE_CLASSES.has(code.slice(0, 2));
}
