// Hono's typed client over the console API: routes, query/body shapes and JSON responses are checked against
// the server's AppType at compile time (type-only import: no server code reaches the browser bundle).
import { hc, parseResponse } from 'hono/client';
import type { AppType } from '../../src/app.js';
import { apiFetch } from './http.js';

export const client = hc<AppType>(location.origin, { fetch: apiFetch });
export { parseResponse };
