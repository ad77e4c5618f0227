// Test helpers: polling waits, temp dirs, a child process runner, an in-test aedes broker on port 0.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Aedes, type AedesOptions } from 'aedes';
import { createServer as createHttpServer } from 'node:http';
import { WebSocketServer, createWebSocketStream } from 'ws';

export async function waitFor<T>(
  what: string,
  fn: () => T | Promise<T>,
  timeoutMs = 20_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== null && v !== false) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`, { cause: last });
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function tempDir(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'iotlog-sdk-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

const FIXTURE = fileURLToPath(new URL('./fixtures/append-and-hang.ts', import.meta.url));

/** Runs the crash fixture until it printed "ready", then SIGKILLs it; returns the last seq it appended. */
export async function appendThenKill(args: string[]): Promise<number> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', FIXTURE, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  try {
    const m = await waitFor(`fixture ready (stderr: ${err})`, () => /ready (\d+)/.exec(out), 30_000);
    return Number(m[1]);
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
}

export interface TestBroker {
  aedes: Aedes;
  server: Server;
  port: number;
  url: string;
  close(): Promise<void>;
}

export async function startAedes(opts: Partial<AedesOptions> = {}, port = 0): Promise<TestBroker> {
  const aedes = await Aedes.createBroker(opts);
  const server = createServer(aedes.handle);
  await new Promise<void>((resolve, reject) =>
    server.once('error', reject).listen(port, '127.0.0.1', () => resolve()),
  );
  const real = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    aedes,
    server,
    port: real,
    url: `mqtt://127.0.0.1:${real}`,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        aedes.close();
      })),
  };
}

/** aedes behind a WebSocket endpoint (what browsers use) on an HTTP server on port 0; `files` are served at their path. */
export async function startAedesWs(
  opts: Partial<AedesOptions> = {},
  files: Record<string, { type: string; body: string }> = {},
): Promise<TestBroker> {
  const aedes = await Aedes.createBroker(opts);
  const server = createHttpServer((req, res) => {
    const f = files[req.url ?? ''];
    if (f === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': f.type }).end(f.body);
  });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws) => aedes.handle(createWebSocketStream(ws)));
  await new Promise<void>((resolve, reject) =>
    server.once('error', reject).listen(0, '127.0.0.1', () => resolve()),
  );
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    aedes,
    server: server as unknown as Server,
    port,
    url: `ws://127.0.0.1:${port}`,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.close(() => resolve());
        aedes.close();
      })),
  };
}
