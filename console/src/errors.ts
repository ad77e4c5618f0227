// Errors of the console API: a stable dotted `code`, an HTTP status, a `cause`. One onError maps them.
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    options?: { cause?: unknown; details?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.details = options?.details;
  }
  readonly details: unknown;
}

export class UnauthenticatedError extends ApiError {
  constructor(message = 'sign in first (session cookie or Bearer API token)', cause?: unknown) {
    super('auth.unauthenticated', 401, message, { cause });
  }
}

export class BadCredentialsError extends ApiError {
  constructor() {
    super('auth.bad_credentials', 401, 'wrong email or password');
  }
}

export class ForbiddenError extends ApiError {
  constructor(message: string) {
    super('auth.forbidden', 403, message);
  }
}

export class CsrfError extends ApiError {
  constructor() {
    super(
      'auth.csrf',
      403,
      'missing or wrong x-csrf-token header (read it from GET /api/auth/me or the iotlog_csrf cookie)',
    );
  }
}

export class RateLimitedError extends ApiError {
  constructor(readonly retryAfterSeconds: number) {
    super('auth.rate_limited', 429, `too many attempts; retry in ${retryAfterSeconds} s`);
  }
}

export class NotFoundError extends ApiError {
  constructor(what: string, id?: string) {
    super(`${what}.not_found`, 404, id === undefined ? `${what} not found` : `${what} ${id} not found`);
  }
}

export class ConflictError extends ApiError {
  constructor(code: string, message: string, cause?: unknown) {
    super(code, 409, message, { cause });
  }
}

export class ValidationError extends ApiError {
  constructor(message: string, details?: unknown, cause?: unknown) {
    super('request.invalid', 400, message, { details, cause });
  }
}
