// The browser entry in a real headless Chromium over WebSocket against aedes (and the same client from
// Node over ws://). The page bundle is built with esbuild from src/browser.ts with mqtt's browser build.
import { fileURLToPath } from 'node:url';
import type { Client } from 'aedes';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { connect } from '../src/index.js';
import { decodePayload, parseTopic } from '../src/protocol/index.js';
import { startAedesWs, waitFor, type TestBroker } from './helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function wsBroker(
  files: Record<string, { type: string; body: string }> = {},
): Promise<TestBroker & { seqs: number[] }> {
  const seqs: number[] = [];
  const b = await startAedesWs(
    {
      authorizePublish: (client: Client | null, packet, cb) => {
        const t = parseTopic(packet.topic);
        if (client !== null && t?.kind === 'channel') {
          for (const r of decodePayload(t.channel, packet.payload as Buffer, Date.now()).records)
            seqs.push(r.seq as number);
        }
        cb(null);
      },
    },
    files,
  );
  cleanups.push(() => b.close());
  return { ...b, seqs };
}

describe('WebSocket transport', () => {
  it('Node client over ws://', async () => {
    const b = await wsBroker();
    const c = connect({ url: b.url, deviceId: 'ws-node', buffer: 'memory' });
    cleanups.push(() => c.close({ flushTimeoutMs: 0 }));
    await c.whenConnected();
    for (let i = 0; i < 20; i++) c.info(`ws ${i}`);
    expect(await c.flush(20_000)).toBe(true);
    expect(b.seqs).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('browser bundle in Chromium: memory buffer, batches over ws://, status', async () => {
    const bundle = await build({
      stdin: {
        contents: `import { connect } from ${JSON.stringify(fileURLToPath(new URL('../src/browser.ts', import.meta.url)))}; window.iotlog = { connect };`,
        resolveDir: fileURLToPath(new URL('.', import.meta.url)),
        loader: 'ts',
      },
      bundle: true,
      platform: 'browser',
      format: 'iife',
      write: false,
      logLevel: 'silent',
    });
    const js = bundle.outputFiles[0]!.text;
    const b = await wsBroker({
      '/': { type: 'text/html', body: '<!doctype html><script src="/sdk.js"></script>' },
      '/sdk.js': { type: 'text/javascript', body: js },
    });
    const browser: Browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox'],
    });
    cleanups.push(() => browser.close());
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${b.port}/`);
    const status = await page.evaluate(async (url) => {
      type Sdk = {
        connect(o: unknown): {
          whenConnected(): Promise<void>;
          info(m: string): number;
          telemetry(m: object): number;
          flush(t: number): Promise<boolean>;
          status(): unknown;
        };
      };
      const c = (globalThis as unknown as { iotlog: Sdk }).iotlog.connect({ url, deviceId: 'ws-browser' });
      await c.whenConnected();
      for (let i = 0; i < 30; i++) c.info(`from the browser ${i}`);
      c.telemetry({ fps: 60 });
      const flushed = await c.flush(20_000);
      return { flushed, status: c.status() };
    }, b.url);
    expect(status).toMatchObject({
      flushed: true,
      status: { connected: true, buffered: 0, acked: 31, dropped: 0 },
    });
    await waitFor('31 records at the broker', () => b.seqs.length === 31);
    expect(b.seqs.sort((x, y) => x - y)).toEqual(Array.from({ length: 31 }, (_, i) => i + 1));
  });
});
