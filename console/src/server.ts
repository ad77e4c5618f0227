// startConsole(deps): serves the API and the built web app on one port.
import { serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { createApp } from './app.js';
import type { ConsoleDeps } from './deps.js';

export interface RunningConsole {
  /** http://host:port of the listening server (the real port when 0 was asked). */
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startConsole(
  deps: ConsoleDeps & { port: number; host?: string },
): Promise<RunningConsole> {
  const app = createApp(deps);
  const host = deps.host ?? '127.0.0.1';
  const { server, info } = await new Promise<{ server: ReturnType<typeof serve>; info: AddressInfo }>(
    (resolve, reject) => {
      const server = serve({ fetch: app.fetch, port: deps.port, hostname: host }, (info) =>
        resolve({ server, info }),
      );
      server.once('error', reject);
    },
  );
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  deps.logger.child({ component: 'server' }).info({ port: info.port, host }, 'console listening');
  return {
    url: `http://${shown}:${info.port}`,
    port: info.port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        // SSE clients hold connections open: close them so close() does not wait for them
        if ('closeAllConnections' in server) server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
