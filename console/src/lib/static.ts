// Serves the built web app (console/dist) with an SPA fallback to index.html. /api and /healthz never reach it.
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { Context, Next } from 'hono';

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

export function serveWebApp(dir: string) {
  const root = resolve(dir);
  return async (c: Context, next: Next) => {
    if (c.req.path.startsWith('/api/') || c.req.path === '/api') return next();
    const rel = normalize(decodeURIComponent(c.req.path)).replace(/^([/\\])+/, '');
    let file = join(root, rel);
    if (!(file + sep).startsWith(root + sep) && file !== root) return next();
    const isFile = await stat(file).then(
      (st) => st.isFile(),
      () => false,
    );
    if (!isFile) {
      if (extname(rel) !== '') return next(); // a missing asset is a 404, not the app
      file = join(root, 'index.html');
    }
    const data = await readFile(file);
    const immutable = rel.startsWith('assets/');
    return c.body(data, 200, {
      'content-type': types[extname(file)] ?? 'application/octet-stream',
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
  };
}
