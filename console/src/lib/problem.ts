// The one error mapping of the API: ApiError codes -> HTTP status + application/problem+json.
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Logger } from 'pino';
import { ApiError, RateLimitedError } from '../errors.js';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: unknown;
}

const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
};

export function problem(status: number, code: string, detail: string, errors?: unknown): Problem {
  return {
    type: `https://iotlog.dev/problems/${code}`,
    title: titles[status] ?? 'Error',
    status,
    detail,
    code,
    ...(errors === undefined ? {} : { errors }),
  };
}

function send(c: Context, p: Problem): Response {
  return c.body(JSON.stringify(p), p.status as 400, { 'content-type': 'application/problem+json' });
}

export function onError(logger: Logger) {
  return (err: Error, c: Context): Response => {
    if (err instanceof ApiError) {
      if (err instanceof RateLimitedError) c.header('retry-after', String(err.retryAfterSeconds));
      return send(c, problem(err.status, err.code, err.message, err.details));
    }
    const pg = pgCode(err);
    if (pg === '23505')
      return send(c, problem(409, 'db.duplicate', 'already exists (a unique name or key is taken)'));
    if (pg === '22P02' || pg === '22007' || pg === '22008') {
      return send(c, problem(400, 'request.invalid', 'invalid value in the request'));
    }
    if (err instanceof HTTPException) {
      return send(
        c,
        problem(err.status, `http.${err.status}`, err.message || (titles[err.status] ?? 'error')),
      );
    }
    logger.error({ err, method: c.req.method, path: c.req.path }, 'unhandled error');
    return send(c, problem(500, 'internal', 'internal error; see the console logs'));
  };
}

export function notFound(c: Context): Response {
  return send(c, problem(404, 'route.not_found', `no route ${c.req.method} ${c.req.path}`));
}

/** The PostgreSQL SQLSTATE of an error or of its causes (drizzle wraps driver errors). */
export function pgCode(err: unknown): string | undefined {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}
