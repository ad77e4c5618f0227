// Edge SDK figures: bundle size without mqtt (esbuild, minified), RSS of one idle client process, and records/s
// one client pushes through the iotlog broker (child process, AUTH_MODE=open: MQTT + PUBACK, no auth, no
// JetStream bridge) with batching, with the memory buffer and with the durable file buffer (default fsync).
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
import { startIotlogBroker } from './lib/services.js';

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
  const out = await new Promise<string>((res, rej) => {
    const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let s = '';
    child.stdout.on('data', (d: Buffer) => (s += d.toString()));
    child.on('exit', (code) => (code === 0 ? res(s) : rej(new Error(`idle client exited ${code}`))));
  });
  return Math.round((Number(out.trim()) / 1024 / 1024) * 10) / 10;
}

/** One client logging as fast as its buffer drains for SECONDS; returns acknowledged records per second. */
async function throughput(
  url: string,
  deviceId: string,
  buffer: 'memory' | { dir: string },
  brokerPid: number,
): Promise<{ rps: number; usPerRecord: number }> {
  const client: EdgeClient = connect({ url, deviceId, buffer });
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
const prefix = `bench_${s}`;
const stream = `BENCH_${s}_INGEST`;
const broker = await startIotlogBroker({ AUTH_MODE: 'open', NATS_PREFIX: prefix, INGEST_STREAM: stream });
try {
  const url = `mqtt://127.0.0.1:${broker.port}`;
  const sdkKb = await bundleKb('edge-sdk/src/browser.ts', 'browser');
  const sdkNodeKb = await bundleKb('edge-sdk/src/index.ts', 'node');
  const protocolKb = await bundleKb('edge-sdk/src/protocol/index.ts', 'browser');
  console.log(
    `bundle (minified, mqtt external): browser ${sdkKb} KB, node ${sdkNodeKb} KB, protocol alone ${protocolKb} KB`,
  );
  const rss = await idleRssMb(url);
  console.log(`idle client process RSS (node + mqtt + SDK, connected): ${rss} MB`);
  const mem = await throughput(url, 'bench-mem', 'memory', broker.pid);
  console.log(`memory buffer: ${mem.rps} records/s acknowledged, broker ${mem.usPerRecord} us CPU/record`);
  const dir = join(work, 'buf');
  const file = await throughput(url, 'bench-file', { dir }, broker.pid);
  console.log(
    `file buffer (fsync interval): ${file.rps} records/s acknowledged, broker ${file.usPerRecord} us CPU/record`,
  );
  writeFileSync(join(work, 'done'), '');
  console.log(
    `broker: @iotlog/broker AUTH_MODE=open (child process), batches of up to 100 records, ${SECONDS} s per run, 1 client`,
  );
  console.log(
    `sdk_kb=${sdkKb} sdk_records_per_s=${file.rps} sdk_records_per_s_memory=${mem.rps} sdk_idle_rss_mb=${rss} sdk_node_kb=${sdkNodeKb} broker_us_per_record=${file.usPerRecord}`,
  );
} finally {
  await broker.stop();
  const nc = await natsConnect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' });
  await (await jetstreamManager(nc)).streams.delete(stream).catch(() => undefined);
  await nc.close();
  rmSync(work, { recursive: true, force: true });
}
