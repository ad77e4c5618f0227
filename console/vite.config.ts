// Builds the operator web app (console/web/) into console/dist/, which startConsole serves with an SPA fallback.
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: `${here}web`,
  base: '/',
  plugins: [svelte({ configFile: `${here}svelte.config.js` })],
  build: {
    outDir: `${here}dist`,
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 600,
    // the compile time of svelte is expected; rolldown's per-plugin timing report is noise here
    rolldownOptions: { checks: { bundlerTimings: false } },
  },
  server: {
    // `npx vite --config console/vite.config.ts` during development proxies the API of a running `iotlog console`.
    proxy: { '/api': 'http://127.0.0.1:8080', '/healthz': 'http://127.0.0.1:8080' },
  },
});
