// MQTT listeners: TCP, TLS, WebSocket and secure WebSocket, each optional except TCP, with the PROXY
// protocol on TCP/TLS when enabled. Every connection's source address and verified client certificate
// fingerprint are recorded (connection-info) before aedes sees the stream.
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, TLSSocket } from 'node:tls';
import type { Aedes } from 'aedes';
import type { Logger } from 'pino';
import { createWebSocketStream, WebSocketServer } from 'ws';
import { peerFingerprint, setConnectionInfo } from '../connection-info.js';
import { readProxyHeader } from './proxy-protocol.js';

export type ListenerConfig = {
  host: string;
  mqttPort: number;
  tlsPort?: number | undefined;
  wsPort?: number | undefined;
  wssPort?: number | undefined;
  tls?: { cert: string; key: string; ca?: string | undefined; requireClientCert: boolean } | undefined;
  proxyProtocol: boolean;
};

export type ListenerPorts = { mqtt: number; tls?: number; ws?: number; wss?: number };

export function readTlsFiles(files: {
  certFile?: string | undefined;
  keyFile?: string | undefined;
  caFile?: string | undefined;
}) {
  if (!files.certFile || !files.keyFile) return undefined;
  return {
    cert: readFileSync(files.certFile, 'utf8'),
    key: readFileSync(files.keyFile, 'utf8'),
    ca: files.caFile ? readFileSync(files.caFile, 'utf8') : undefined,
  };
}

function listen(server: Server | HttpServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.removeListener('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export async function startListeners(deps: { aedes: Aedes; config: ListenerConfig; logger: Logger }) {
  const { aedes, config, logger } = deps;
  const servers: (Server | HttpServer)[] = [];
  const sockets = new Set<Socket>();
  const ports: ListenerPorts = { mqtt: 0 };
  const tlsOpts = config.tls;

  // one shared listener, not a closure per connection
  function untrack(this: Socket): void {
    sockets.delete(this);
  }
  function track(socket: Socket): void {
    sockets.add(socket);
    socket.once('close', untrack);
  }

  async function sourceOf(socket: Socket): Promise<string> {
    if (!config.proxyProtocol) return socket.remoteAddress ?? 'unknown';
    const header = await readProxyHeader(socket);
    return header.sourceAddress ?? socket.remoteAddress ?? 'unknown';
  }

  const onTcp = (socket: Socket) => {
    track(socket);
    socket.setNoDelay(true);
    if (!config.proxyProtocol) {
      const remoteAddress = socket.remoteAddress ?? 'unknown';
      setConnectionInfo(socket, { remoteAddress, certFingerprint: undefined, transport: 'tcp' });
      aedes.handle(socket);
      return;
    }
    sourceOf(socket).then(
      (remoteAddress) => {
        setConnectionInfo(socket, { remoteAddress, certFingerprint: undefined, transport: 'tcp' });
        aedes.handle(socket);
      },
      (err: unknown) => {
        logger.warn({ err, remoteAddress: socket.remoteAddress }, 'refused connection: bad PROXY header');
        socket.destroy();
      },
    );
  };
  const tcp = createNetServer(onTcp);
  servers.push(tcp);
  ports.mqtt = await listen(tcp, config.mqttPort, config.host);

  if (config.tlsPort !== undefined && tlsOpts) {
    // tls.Server verifies client certificates (socket.authorized); with the PROXY protocol the raw socket
    // is read by a plain TCP server first and then handed to it ('connection'), keyed by its peer address.
    const proxied = new Map<string, string>();
    const tlsServer = createTlsServer({
      cert: tlsOpts.cert,
      key: tlsOpts.key,
      ca: tlsOpts.ca,
      requestCert: Boolean(tlsOpts.ca),
      rejectUnauthorized: tlsOpts.requireClientCert,
      handshakeTimeout: 10_000,
    });
    tlsServer.on('tlsClientError', (err, socket) =>
      logger.debug({ err, remoteAddress: socket.remoteAddress }, 'TLS handshake failed'),
    );
    tlsServer.on('secureConnection', (socket: TLSSocket) => {
      const key = `${socket.remoteAddress}:${socket.remotePort}`;
      const remoteAddress = proxied.get(key) ?? socket.remoteAddress ?? 'unknown';
      proxied.delete(key);
      setConnectionInfo(socket, {
        remoteAddress,
        certFingerprint: peerFingerprint(socket),
        transport: 'tls',
      });
      aedes.handle(socket);
    });
    tlsServer.on('connection', track);
    if (config.proxyProtocol) {
      const front = createNetServer((raw) => {
        track(raw);
        sourceOf(raw).then(
          (remoteAddress) => {
            const key = `${raw.remoteAddress}:${raw.remotePort}`;
            proxied.set(key, remoteAddress);
            raw.once('close', () => proxied.delete(key));
            tlsServer.emit('connection', raw);
          },
          (err: unknown) => {
            logger.warn({ err, remoteAddress: raw.remoteAddress }, 'refused connection: bad PROXY header');
            raw.destroy();
          },
        );
      });
      servers.push(front);
      ports.tls = await listen(front, config.tlsPort, config.host);
    } else {
      servers.push(tlsServer);
      ports.tls = await listen(tlsServer, config.tlsPort, config.host);
    }
  }

  function attachWs(server: HttpServer, transport: 'ws' | 'wss'): void {
    const wss = new WebSocketServer({ server, perMessageDeflate: false });
    wss.on('connection', (ws, req) => {
      const stream = createWebSocketStream(ws);
      const socket = req.socket;
      const certFingerprint = socket instanceof TLSSocket ? peerFingerprint(socket) : undefined;
      setConnectionInfo(stream, {
        remoteAddress: socket.remoteAddress ?? 'unknown',
        certFingerprint,
        transport,
      });
      aedes.handle(stream, req);
    });
    server.on('connection', track);
  }

  if (config.wsPort !== undefined) {
    const server = createHttpServer();
    attachWs(server, 'ws');
    servers.push(server);
    ports.ws = await listen(server, config.wsPort, config.host);
  }
  if (config.wssPort !== undefined && tlsOpts) {
    const server = createHttpsServer({
      cert: tlsOpts.cert,
      key: tlsOpts.key,
      ca: tlsOpts.ca,
      requestCert: Boolean(tlsOpts.ca),
      rejectUnauthorized: tlsOpts.requireClientCert,
    });
    attachWs(server, 'wss');
    servers.push(server);
    ports.wss = await listen(server, config.wssPort, config.host);
  }

  return {
    ports,
    async close(): Promise<void> {
      for (const s of sockets) s.destroy();
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.close(() => resolve());
            }),
        ),
      );
    },
  };
}
