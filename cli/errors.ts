/** A user-facing CLI failure: printed as one line (`iotlog: <message>`) with exit code 2. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly code = 'cli.usage',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
