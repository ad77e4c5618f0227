/** Errors of the data layer. `code` is stable and dotted; `cause` keeps the driver's error. */
export class DatabaseError extends Error {
  override name = 'DatabaseError';
  constructor(
    readonly code:
      | 'database.bad_url'
      | 'database.unreachable'
      | 'database.migrations_pending'
      | 'database.migration_failed',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Hides the password of a connection URL for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:/@]+:)[^@]*@/, '$1***@');
}
