/**
 * Errors of the alerting engine, rules and commands. Each carries a stable dotted `code`; the console maps codes
 * to HTTP statuses (`rules.invalid` -> 400, `command.timeout` -> 504, ...), the CLI prints the message.
 */
export class AlertingError extends Error {
  override name = 'AlertingError';
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown; details?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.details = options?.details;
  }
  readonly details: unknown;
}

/** A rule that makes no sense: `details` lists every problem as `{ path, message }`. */
export class RuleValidationError extends AlertingError {
  override name = 'RuleValidationError';
  constructor(
    readonly issues: { path: string; message: string }[],
    options?: { cause?: unknown },
  ) {
    super(
      'rules.invalid',
      `invalid rule: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`,
      {
        ...options,
        details: issues,
      },
    );
  }
}

/** The command was sent but no reply with its id arrived in time. */
export class CommandTimeoutError extends AlertingError {
  override name = 'CommandTimeoutError';
  constructor(deviceId: string, timeoutMs: number) {
    super('command.timeout', `device ${deviceId} did not reply within ${timeoutMs} ms`);
  }
}
