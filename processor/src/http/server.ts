// HTTP endpoints of a processor replica: /metrics (Prometheus), /healthz (process alive), /readyz (database,
// bus and writes healthy). Plain node:http: three routes do not need a framework.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logger.js';
import type { Processor } from '../processor.js';

export interface HttpServer {
  server: Server;
  port: number;
  close(): Promise<void>;
}

export async function startHttpServer(deps: {
  processor: Processor;
  port: number;
  host?: string;
  logger: Logger;
}): Promise<HttpServer> {
  const { processor, logger } = deps;
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const reply = (status: number, body: string, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    const handle = async () => {
      if (path === '/healthz') return reply(200, '{"ok":true}');
      if (path === '/readyz') {
        const r = await processor.readiness();
        return reply(r.ok ? 200 : 503, JSON.stringify(r));
      }
      if (path === '/metrics') {
        await processor
          .refreshLag()
          .catch((err: unknown) => logger.warn({ err }, 'consumer lag unavailable'));
        return reply(200, await processor.metrics.registry.metrics(), processor.metrics.registry.contentType);
      }
      return reply(404, '{"error":"not found"}');
    };
    handle().catch((err: unknown) => {
      logger.error({ err, path }, 'http handler failed');
      if (!res.headersSent) reply(500, '{"error":"internal"}');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(deps.port, deps.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}
