// The session cookie (httpOnly) and the CSRF cookie (readable by the web app: double-submit token).
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { ConsoleConfig } from '../deps.js';

export const SESSION_COOKIE = 'iotlog_session';
export const CSRF_COOKIE = 'iotlog_csrf';
export const CSRF_HEADER = 'x-csrf-token';

export function setSessionCookies(c: Context, config: ConsoleConfig, session: string, csrf: string): void {
  const base = {
    path: '/',
    sameSite: 'Lax',
    secure: config.cookieSecure,
    maxAge: config.sessionTtlSeconds,
  } as const;
  setCookie(c, SESSION_COOKIE, session, { ...base, httpOnly: true });
  setCookie(c, CSRF_COOKIE, csrf, { ...base, httpOnly: false });
}

export function clearSessionCookies(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { path: '/' });
  deleteCookie(c, CSRF_COOKIE, { path: '/' });
}

export function sessionCookie(c: Context): string | undefined {
  return getCookie(c, SESSION_COOKIE);
}
