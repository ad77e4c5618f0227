// Idle authenticated connections held by one broker process and the RSS they cost, next to Mosquitto's.
// Clients are spread over several processes (open-files limit 20,000 per process). Bounded: the
// connections are opened at a limited concurrency, held until the RSS is steady (3-20 s), then closed.
// Env: BENCH_CONNECTIONS (19000, the most the broker process can hold with 20,000 file descriptors),
// BENCH_CLIENT_PROCS (4).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect as natsConnect } from '@nats-io/transport-node';
import { createTestDatabase } from '@iotlog/drizzle/testing';
import { rssKiB } from './procstat.js';
import { seedDevices, startIotlogBroker, startMosquitto, type Service } from './services.js';

const N = Math.min(Number(process.env.BENCH_CONNECTIONS ?? 19_000), 19_000);
const procs = Number(process.env.BENCH_CLIENT_PROCS ?? 4);
const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const tag = randomBytes(4).toString('hex');
const stream = `BENCH_${tag}`;
const tmp = mkdtempSync(join(tmpdir(), 'bench-conns-'));
const db = await createTestDatabase({ timescale: false });
const nc = await natsConnect({ servers: NATS_URL });
const services: Service[] = [];
const clients: ChildProcess[] = [];

type Dev = { username: string; password: string; clientId: string };

/** Opens the connections over `procs` client processes; resolves with how many are up. */
async function hold(port: number, devices: Dev[]): Promise<number> {
  const per = Math.ceil(devices.length / procs);
  const counts = await Promise.all(
    Array.from({ length: procs }, (_, i) => {
      const file = join(tmp, `clients-${port}-${i}.json`);
      writeFileSync(
        file,
        JSON.stringify({
          host: '127.0.0.1',
          port,
          devices: devices.slice(i * per, (i + 1) * per),
          concurrency: 100,
          mode: 'hold',
        }),
      );
      const child = spawn(process.execPath, ['--import', 'tsx', 'bench/lib/mqtt-connect.ts', file], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      clients.push(child);
      return new Promise<number>((resolve, reject) => {
        createInterface({ input: child.stdout! }).on('line', (l) => {
          const m = /^ready (\d+) (\d+)/.exec(l);
          if (m) resolve(Number(m[1]));
        });
        child.once('exit', (code) => reject(new Error(`client process exited with ${code}`)));
      });
    }),
  );
  return counts.reduce((a, b) => a + b, 0);
}

async function release(): Promise<void> {
  await Promise.all(
    clients.splice(0).map(
      (c) =>
        new Promise<void>((resolve) => {
          c.removeAllListeners('exit');
          c.once('exit', () => resolve());
          c.kill('SIGTERM');
        }),
    ),
  );
}

/** Heap figures (MiB) from the broker's /metrics, where the RSS goes. */
async function heapOf(httpPort: number): Promise<string> {
  const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
  const mib = (re: RegExp) => (Number(re.exec(text)?.[1] ?? NaN) / 2 ** 20).toFixed(0);
  return `heap used ${mib(/^nodejs_heap_size_used_bytes (\S+)/m)} of ${mib(/^nodejs_heap_size_total_bytes (\S+)/m)} MiB, external ${mib(/^nodejs_external_memory_bytes (\S+)/m)} MiB`;
}

async function measure(
  svc: Service,
  devices: Dev[],
  httpPort?: number,
): Promise<{ up: number; kib: number; earlyKib: number; base: number; loaded: number; heap: string }> {
  await new Promise((r) => setTimeout(r, 1500));
  const base = rssKiB(svc.pid);
  const heap0 = httpPort ? await heapOf(httpPort) : '';
  const up = await hold(svc.port, devices);
  await new Promise((r) => setTimeout(r, 3000)); // settle
  const early = rssKiB(svc.pid);
  // then idle until the RSS is steady (V8 shrinks its heap a few seconds after allocation stopped):
  // what a broker holding idle connections costs, not the garbage of the connect phase. At most 20 s.
  let loaded = early;
  for (let i = 0; i < 10; i++) {
    await new Promise((r) => setTimeout(r, 2000));
    const now = rssKiB(svc.pid);
    const steady = Math.abs(now - loaded) < 1024 && i >= 3;
    loaded = now;
    if (steady) break;
  }
  const heap = httpPort ? `${heap0} -> ${await heapOf(httpPort)}` : '';
  await release();
  const per = (kib: number) => (kib - base) / Math.max(1, up);
  return { up, base, loaded, kib: per(loaded), earlyKib: per(early), heap };
}

try {
  const seeded = await seedDevices(db.database, N);
  const broker = await startIotlogBroker({
    DATABASE_URL: db.url,
    NATS_URL,
    NATS_PREFIX: `bench_${tag}`,
    INGEST_STREAM: stream,
  });
  services.push(broker);
  const ours = await measure(
    broker,
    seeded.map((d) => ({ username: d.deviceId, password: d.token, clientId: d.deviceId })),
    broker.httpPort,
  );
  console.log(
    `iotlog     ${ours.up} connections  RSS ${Math.round(ours.base / 1024)} -> ${Math.round(ours.loaded / 1024)} MiB  ${ours.kib.toFixed(1)} KiB/connection when steady (${ours.earlyKib.toFixed(1)} 3 s after the last CONNACK; ${ours.heap})`,
  );
  await broker.stop();

  const user = { username: 'bench', password: randomBytes(12).toString('hex') };
  const mosq = await startMosquitto(user);
  services.push(mosq);
  const theirs = await measure(
    mosq,
    seeded.map((_, i) => ({ ...user, clientId: `c${i}` })),
  );
  console.log(
    `mosquitto  ${theirs.up} connections  RSS ${Math.round(theirs.base / 1024)} -> ${Math.round(theirs.loaded / 1024)} MiB  ${theirs.kib.toFixed(1)} KiB/connection when steady (${theirs.earlyKib.toFixed(1)} after 3 s)`,
  );
  await mosq.stop();
  console.log(
    `connections=${ours.up} kib_per_connection=${ours.kib.toFixed(1)} mosquitto_kib_per_connection=${theirs.kib.toFixed(1)}`,
  );
} finally {
  await release();
  for (const s of services) await s.stop();
  const jsm = await jetstreamManager(nc);
  await jsm.streams.delete(stream).catch(() => false);
  await nc.drain();
  await db.drop();
  rmSync(tmp, { recursive: true, force: true });
}
