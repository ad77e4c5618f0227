// Alerting/command errors (codes from @iotlog/processor/alerting) translated to the API's errors, at the edge.
import { AlertingError, RuleValidationError } from '@iotlog/processor/alerting';
import { ApiError, NotFoundError, ValidationError } from '../../errors.js';

const statusOf: Record<string, number> = {
  'command.timeout': 504,
  'command.bad_name': 400,
  'command.too_large': 400,
  'config.invalid': 400,
  'config.too_large': 400,
};

export function toApiError(err: unknown): unknown {
  if (err instanceof RuleValidationError) return new ValidationError(err.message, err.issues, err);
  if (err instanceof AlertingError) {
    if (err.code === 'device.not_found') return new NotFoundError('device');
    return new ApiError(err.code, statusOf[err.code] ?? 500, err.message, {
      cause: err,
      details: err.details,
    });
  }
  return err;
}

/** Runs fn, translating alerting errors. */
export async function translating<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toApiError(err);
  }
}
