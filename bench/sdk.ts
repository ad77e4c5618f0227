// Edge SDK figures: bundle size without mqtt (esbuild, minified), RSS of one idle client process, and records/s
// one client pushes with batching through the iotlog broker (child process): in AUTH_MODE=open (MQTT + PUBACK,
// no auth, no JetStream bridge) with the memory and the durable file buffer, and in token mode with the JetStream
// bridge (PUBACK after JetStream stored the batch), with the file buffer.
// Bounded: about 30 s. Run from the repository root: bench/sdk. Last line: sdk_kb=<n> sdk_records_per_s=<n> ...
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect as natsConnect } from '@nats-io/transport-node';
import { build } from 'esbuild';
import { connect, type EdgeClient } from '@iotlog/edge-sdk';
import { cpuSeconds } from './lib/procstat.js';
import { seedDevices, startIotlogBroker } from './lib/services.js';
import { createTestDatabase } from '@iotlog/drizzle/testing';

const SECONDS = Number(process.env.SDK_BENCH_SECONDS ?? 5);
const root = resolve(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'iotlog-bench-sdk-'));

async function bundleKb(entry: string, platform: 'browser' | 'node'): Promise<number> {
  const r = await build({
    entryPoints: [join(root, entry)],
    bundle: true,
    minify: true,
    platform,
    format: 'esm',
    external: ['mqtt'],
    write: false,
    logLevel: 'silent',
  });
  return Math.round((r.outputFiles[0]!.contents.length / 1024) * 10) / 10;
}

function runForRss(script: string): Promise<number> {
  return new Promise<number>((res, rej) => {
    const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let s = '';
    child.stdout.on('data', (d: Buffer) => (s += d.toString()));
    child.on('exit', (code) =>
      code === 0
        ? res(Math.round((Number(s.trim()) / 1024 / 1024) * 10) / 10)
        : rej(new Error(`${script} exited ${code}`)),
    );
  });
}

/** RSS of a bare Node process idling 3 s (what a device pays before any library). */
function baselineRssMb(): Promise<number> {
  const script = join(work, 'baseline.cjs');
  writeFileSync(
    script,
    `setTimeout(() => { process.stdout.write(String(process.memoryUsage().rss) + '\\n'); }, 3000);`,
  );
  return runForRss(script);
}

async function idleRssMb(url: string): Promise<number> {
  const script = join(work, 'idle.cjs');
  await build({
    stdin: {
      contents: `import { connect } from ${JSON.stringify(join(root, 'edge-sdk/src/index.ts'))};
void (async () => {
  const c = connect({ url: ${JSON.stringify(url)}, deviceId: 'bench-idle', buffer: 'memory' });
  await c.whenConnected();
  c.info('hello');
  await c.flush();
  setTimeout(() => { process.stdout.write(String(process.memoryUsage().rss) + '\\n'); process.exit(0); }, 3000);
})();`,
      resolveDir: root,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile: script,
    logLevel: 'silent',
  });
  return runForRss(script);
}

/** One client logging as fast as its buffer drains for SECONDS; returns acknowledged records per second. */
async function throughput(
  url: string,
  deviceId: string,
  token: string | undefined,
  buffer: 'memory' | { dir: string },
  brokerPid: number,
): Promise<{ rps: number; usPerRecord: number }> {
  const client: EdgeClient = connect({ url, deviceId, buffer, ...(token === undefined ? {} : { token }) });
  await client.whenConnected();
  const cpu0 = cpuSeconds(brokerPid);
  const start = Date.now();
  let i = 0;
  while (Date.now() - start < SECONDS * 1000) {
    if (client.status().buffered < 5000)
      for (let k = 0; k < 500; k++) client.info(`bench record ${i++}`, { i });
    await new Promise((r) => setImmediate(r));
  }
  const acked = client.status().acked;
  const elapsed = (Date.now() - start) / 1000;
  const cpu = cpuSeconds(brokerPid) - cpu0;
  await client.close({ flushTimeoutMs: 5000 });
  return { rps: Math.round(acked / elapsed), usPerRecord: Math.round((cpu / acked) * 1e6 * 10) / 10 };
}

const s = randomBytes(4).toString('hex');
const streams = [`BENCH_${s}_INGEST`, `BENCHJS_${s}_INGEST`];
const stops: (() => Promise<void>)[] = [];
try {
  const sdkKb = await bundleKb('edge-sdk/src/browser.ts', 'browser');
  const sdkNodeKb = await bundleKb('edge-sdk/src/index.ts', 'node');
  const protocolKb = await bundleKb('edge-sdk/src/protocol/index.ts', 'browser');
  console.log(
    `bundle (minified, mqtt external): browser ${sdkKb} KB, node ${sdkNodeKb} KB, protocol alone ${protocolKb} KB`,
  );

  // 1. @iotlog/broker in AUTH_MODE=open: MQTT + PUBACK only (no auth, nothing bridged)
  const open = await startIotlogBroker({
    AUTH_MODE: 'open',
    NATS_PREFIX: `bench_${s}`,
    INGEST_STREAM: streams[0]!,
  });
  stops.push(open.stop);
  const url = `mqtt://127.0.0.1:${open.port}`;
  const baseline = await baselineRssMb();
  const rss = await idleRssMb(url);
  console.log(`idle client process RSS (node + mqtt + SDK, connected): ${rss} MB; bare node: ${baseline} MB`);
  const mem = await throughput(url, 'bench-mem', undefined, 'memory', open.pid);
  console.log(
    `open broker, memory buffer: ${mem.rps} records/s acknowledged, broker ${mem.usPerRecord} us CPU/record`,
  );
  const file = await throughput(url, 'bench-file', undefined, { dir: join(work, 'buf') }, open.pid);
  console.log(
    `open broker, file buffer (fsync interval): ${file.rps} records/s acknowledged, broker ${file.usPerRecord} us CPU/record`,
  );

  // 2. the production path: token auth against PostgreSQL, PUBACK after JetStream stored the batch
  const t = await createTestDatabase();
  stops.push(() => t.drop());
  const [device] = await seedDevices(t.database, 1);
  const real = await startIotlogBroker({
    DATABASE_URL: t.url,
    NATS_PREFIX: `benchjs_${s}`,
    INGEST_STREAM: streams[1]!,
  });
  stops.push(real.stop);
  const js = await throughput(
    `mqtt://127.0.0.1:${real.port}`,
    device!.deviceId,
    device!.token,
    { dir: join(work, 'buf-js') },
    real.pid,
  );
  console.log(
    `token broker + JetStream, file buffer: ${js.rps} records/s acknowledged, broker ${js.usPerRecord} us CPU/record`,
  );
  console.log(
    `1 client, batches of up to 100 records, ${SECONDS} s per run; brokers are @iotlog/broker child processes`,
  );
  console.log(
    `sdk_kb=${sdkKb} sdk_records_per_s=${file.rps} sdk_records_per_s_memory=${mem.rps} sdk_records_per_s_jetstream=${js.rps} sdk_idle_rss_mb=${rss} node_baseline_rss_mb=${baseline} sdk_node_kb=${sdkNodeKb}`,
  );
} finally {
  for (const stop of stops.reverse())
    await stop().catch((err: unknown) => console.error('cleanup failed:', err));
  const nc = await natsConnect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' });
  const jsm = await jetstreamManager(nc);
  for (const name of streams) await jsm.streams.delete(name).catch(() => undefined);
  await nc.close();
  rmSync(work, { recursive: true, force: true });
}
