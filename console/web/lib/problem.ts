// The API answers errors with problem JSON ({ type, title, status, detail, code }); this turns any failure into one shape.

export interface Problem {
  status: number;
  title: string;
  detail?: string;
  code?: string;
  /** Field errors from a validation problem, when the API sends them. */
  errors?: { path: string; message: string }[];
}

export class ApiError extends Error {
  readonly code: string;
  constructor(
    readonly problem: Problem,
    options?: { cause?: unknown },
  ) {
    super(problem.detail ?? problem.title, options);
    this.name = 'ApiError';
    this.code = problem.code ?? `http.${problem.status}`;
  }
}

function asString(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

function fieldErrors(v: unknown): Problem['errors'] {
  if (!Array.isArray(v)) return undefined;
  return v.flatMap((e: unknown) => {
    if (typeof e !== 'object' || e === null) return [];
    const rec = e as Record<string, unknown>;
    const path = Array.isArray(rec.path) ? rec.path.join('.') : (asString(rec.path) ?? '');
    const message = asString(rec.message);
    return message ? [{ path, message }] : [];
  });
}

/** Reads a failed response into a Problem, whether it carries problem JSON, other JSON or text. */
export async function problemFrom(res: Response): Promise<Problem> {
  const text = await res.text();
  const fallback: Problem = { status: res.status, title: res.statusText || `HTTP ${res.status}` };
  if (!text) return fallback;
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    return {
      status: typeof body.status === 'number' ? body.status : res.status,
      title: asString(body.title) ?? asString(body.error) ?? fallback.title,
      detail: asString(body.detail) ?? asString(body.message),
      code: asString(body.code),
      errors: fieldErrors(body.errors ?? body.issues),
    };
  } catch {
    return { ...fallback, detail: text.slice(0, 500) };
  }
}

/** Any thrown value as a Problem, for display. */
export function toProblem(err: unknown): Problem {
  if (err instanceof ApiError) return err.problem;
  if (err instanceof Error) return { status: 0, title: 'Request failed', detail: err.message };
  return { status: 0, title: 'Request failed', detail: String(err) };
}
