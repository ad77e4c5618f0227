// Authenticated CONNECTs per second on one broker process: a cold run (every device unknown to the
// credential cache: one PostgreSQL lookup each, as after a restart) then a warm run (cache hits). Each
// client connects, waits for CONNACK 0, disconnects. BENCH_CLIENT_PROCS client processes, 200 connects in
// flight each; their own CPU is reported (loadgen CPU, % of one core over the run) next to the broker's.
// A third run on a broker with AUTH_MODE=open shows what aedes itself costs on this machine.
// Env: BENCH_DEVICES (5000), BENCH_CONCURRENCY (200 per client process), BENCH_CLIENT_PROCS (2).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect as natsConnect } from '@nats-io/transport-node';
import { createTestDatabase } from '@iotlog/drizzle/testing';
import { cpuSeconds } from './procstat.js';
import { seedDevices, startIotlogBroker, type Service } from './services.js';

const N = Number(process.env.BENCH_DEVICES ?? 5000);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 200);
const procs = Number(process.env.BENCH_CLIENT_PROCS ?? 2);
const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const tag = randomBytes(4).toString('hex');
const stream = `BENCH_${tag}`;
const tmp = mkdtempSync(join(tmpdir(), 'bench-storm-'));
const db = await createTestDatabase({ timescale: false });
const nc = await natsConnect({ servers: NATS_URL });
const services: Service[] = [];

type Dev = { username: string; password: string; clientId: string };
type Storm = { connects: number; failures: number; seconds: number; cpuSeconds: number };

const pct = (cpuS: number, r: Storm) => `${Math.round((cpuS / r.seconds) * 100)}% of a core`;
const loadgen = (r: Storm) =>
  `loadgen CPU ${((r.cpuSeconds / Math.max(1, r.connects)) * 1e6).toFixed(0)} us/connect (${pct(r.cpuSeconds, r)} over ${procs} processes)`;

async function storm(port: number, devices: Dev[], label: string): Promise<Storm> {
  const per = Math.ceil(devices.length / procs);
  const t0 = performance.now();
  const parts = await Promise.all(
    Array.from({ length: procs }, (_, i) => {
      const file = join(tmp, `${label}-${i}.json`);
      writeFileSync(
        file,
        JSON.stringify({
          host: '127.0.0.1',
          port,
          devices: devices.slice(i * per, (i + 1) * per),
          concurrency,
          mode: 'storm',
        }),
      );
      return new Promise<Storm>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', 'bench/lib/mqtt-connect.ts', file], {
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        let out = '';
        child.stdout.on('data', (b: Buffer) => (out += b.toString()));
        child.once('exit', (code) =>
          code === 0
            ? resolve(JSON.parse(out.trim().split('\n').pop() ?? '{}') as Storm)
            : reject(new Error(`client exited ${code}`)),
        );
      });
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  return {
    connects: parts.reduce((s, p) => s + p.connects, 0),
    failures: parts.reduce((s, p) => s + p.failures, 0),
    seconds,
    cpuSeconds: parts.reduce((s, p) => s + p.cpuSeconds, 0),
  };
}

try {
  const seeded = await seedDevices(db.database, N);
  const devices = seeded.map((d) => ({ username: d.deviceId, password: d.token, clientId: d.deviceId }));
  const broker = await startIotlogBroker({
    DATABASE_URL: db.url,
    NATS_URL,
    NATS_PREFIX: `bench_${tag}`,
    INGEST_STREAM: stream,
    AUTH_CACHE_TTL_S: '600',
  });
  services.push(broker);
  const results: Record<string, Storm & { cpuUsPerConnect: number }> = {};
  for (const label of ['cold', 'warm']) {
    const cpu0 = cpuSeconds(broker.pid);
    const r = await storm(broker.port, devices, label);
    const cpu = cpuSeconds(broker.pid) - cpu0;
    results[label] = { ...r, cpuUsPerConnect: (cpu / Math.max(1, r.connects)) * 1e6 };
    console.log(
      `${label.padEnd(5)} ${r.connects} connects (${r.failures} failed) in ${r.seconds.toFixed(2)} s = ${Math.round(r.connects / r.seconds)}/s, broker CPU ${results[label].cpuUsPerConnect.toFixed(0)} us/connect (${pct(cpu, r)}), ${loadgen(r)}`,
    );
  }
  await broker.stop();
  // the same storm on a broker without authentication (AUTH_MODE=open): what aedes itself costs here
  const open = await startIotlogBroker({
    DATABASE_URL: db.url,
    NATS_URL,
    NATS_PREFIX: `bench_${tag}`,
    INGEST_STREAM: stream,
    AUTH_MODE: 'open',
  });
  services.push(open);
  const cpu0 = cpuSeconds(open.pid);
  const r = await storm(open.port, devices, 'open');
  const openCpuS = cpuSeconds(open.pid) - cpu0;
  const openCpu = (openCpuS / Math.max(1, r.connects)) * 1e6;
  console.log(
    `open  ${r.connects} connects (${r.failures} failed) in ${r.seconds.toFixed(2)} s = ${Math.round(r.connects / r.seconds)}/s, broker CPU ${openCpu.toFixed(0)} us/connect (${pct(openCpuS, r)}; no auth: aedes baseline), ${loadgen(r)}`,
  );
  const rate = (r: Storm) => Math.round(r.connects / r.seconds);
  console.log(`connects_per_s=${rate(results.warm!)} cold_connects_per_s=${rate(results.cold!)}`);
} finally {
  for (const s of services) await s.stop();
  const jsm = await jetstreamManager(nc);
  await jsm.streams.delete(stream).catch(() => false);
  await nc.drain();
  await db.drop();
  rmSync(tmp, { recursive: true, force: true });
}
