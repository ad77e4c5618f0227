// The one place the web app talks HTTP: same-origin fetch with the session cookie, the CSRF header on unsafe
// methods, and problem JSON turned into ApiError.
import { ApiError, problemFrom } from './problem.js';

let csrfToken: string | undefined;
let orgId: string | undefined;
let onUnauthorized: (() => void) | undefined;

/** Called when a request answers 401 (session expired or signed out elsewhere): the app shows the sign-in page. */
export function setUnauthorizedHandler(fn: () => void): void {
  onUnauthorized = fn;
}

/** The organization every request is scoped to (sent as the x-org-id header). */
export function setOrg(id: string | undefined): void {
  orgId = id;
}
export function currentOrg(): string | undefined {
  return orgId;
}

/** Remembers the CSRF token the API handed out with the session (login, setup or GET /api/session). */
export function setCsrfToken(token: string | null | undefined): void {
  csrfToken = token ?? undefined;
}

function csrfFromCookie(): string | undefined {
  for (const part of document.cookie.split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name && /csrf/i.test(name)) return decodeURIComponent(rest.join('='));
  }
  return undefined;
}

export type Query = Record<string, string | number | boolean | undefined | null | (string | number)[]>;

export function queryString(query: Query | undefined): string {
  if (!query) return '';
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) for (const item of v) qs.append(k, String(item));
    else qs.set(k, String(v));
  }
  const s = qs.toString();
  return s ? `?${s}` : '';
}

/** The custom fetch every API call goes through (also handed to the typed client). */
export const apiFetch: typeof fetch = async (input, init) => {
  const method = (init?.method ?? 'GET').toUpperCase();
  const headers = new Headers(init?.headers);
  headers.set('accept', 'application/json');
  if (orgId && !headers.has('x-org-id')) headers.set('x-org-id', orgId);
  if (method !== 'GET' && method !== 'HEAD') {
    const token = csrfToken ?? csrfFromCookie();
    if (token) headers.set('x-csrf-token', token);
  }
  const res = await fetch(input, { ...init, headers, credentials: 'same-origin' });
  if (!res.ok) {
    const problem = await problemFrom(res);
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (res.status === 401 && !/\/api\/(auth\/login|setup)\b/.test(url)) onUnauthorized?.();
    throw new ApiError(problem);
  }
  return res;
};

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  /** Raw body (e.g. CSV text) sent with this content type instead of JSON. */
  raw?: { body: string; contentType: string };
}

export async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const init: RequestInit = { method };
  if (opts.raw) init.body = opts.raw.body;
  else if (opts.body !== undefined) init.body = JSON.stringify(opts.body);
  if (opts.raw || opts.body !== undefined) {
    init.headers = { 'content-type': opts.raw?.contentType ?? 'application/json' };
  }
  const res = await apiFetch(path + queryString(opts.query), init);
  if (res.status === 204) return undefined as T;
  const type = res.headers.get('content-type') ?? '';
  if (type.includes('json')) return (await res.json()) as T;
  return (await res.text()) as T;
}
