// A small hash router: `#/devices?tenant=...` -> { path: '/devices', params }. Hash routing keeps the server's
// SPA fallback trivial and deep links shareable.

export interface Route {
  path: string;
  params: URLSearchParams;
}

function parse(hash: string): Route {
  const raw = hash.replace(/^#/, '') || '/';
  const [path = '/', qs = ''] = raw.split('?');
  return { path: path || '/', params: new URLSearchParams(qs) };
}

export const route: Route = $state(parse(location.hash));

window.addEventListener('hashchange', () => {
  const next = parse(location.hash);
  route.path = next.path;
  route.params = next.params;
});

export function navigate(path: string, params?: Record<string, string | undefined>): void {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params ?? {})) if (v) qs.set(k, v);
  const s = qs.toString();
  location.hash = s ? `${path}?${s}` : path;
}
