export type ProvisioningErrorCode =
  | 'provisioning.not_found'
  | 'provisioning.duplicate'
  | 'provisioning.invalid_name'
  | 'provisioning.invalid_input';

/** A provisioning request that cannot be done as asked; the message says what to do instead. */
export class ProvisioningError extends Error {
  override name = 'ProvisioningError';
  constructor(
    readonly code: ProvisioningErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** True for a unique violation (SQLSTATE 23505) from pg or PGlite, also when drizzle wrapped it. */
export function isUniqueViolation(err: unknown): boolean {
  for (
    let e: unknown = err, i = 0;
    e !== null && typeof e === 'object' && i < 5;
    e = (e as { cause?: unknown }).cause, i++
  ) {
    if ((e as { code?: unknown }).code === '23505') return true;
  }
  return false;
}
