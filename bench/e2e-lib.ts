// Shared pieces of bench/e2e and bench/e2e-latency: child processes of the `iotlog` CLI on free local ports,
// device provisioning, a QoS1 MQTT load with a bounded in-flight window, Prometheus text parsing, /proc CPU.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Database } from '@iotlog/drizzle';
import { generateLogRows } from '@iotlog/drizzle/ingest';
import { createDevice, createOrganization, createTenant } from '@iotlog/drizzle/provisioning';
import mqtt, { type MqttClient } from 'mqtt';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until(check: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

export interface Child {
  proc: ChildProcess;
  output(): string;
  /** SIGTERM, then waits for exit (SIGKILL after 20 s). */
  stop(): Promise<void>;
}

/** Runs `node bin/iotlog.mjs <args>` with extra env; stdout/stderr are kept for error reports. */
export function iotlog(args: string[], env: Record<string, string>): Child {
  const proc = spawn(process.execPath, ['bin/iotlog.mjs', ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  return {
    proc,
    output: () => out,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(t);
    },
  };
}

export async function httpOk(url: string): Promise<boolean> {
  const r = await fetch(url);
  return r.ok;
}

/** Value of one sample in Prometheus text (`name{labels} value`), 0 when absent. */
export async function metric(url: string, sample: string): Promise<number> {
  const body = await (await fetch(url)).text();
  for (const line of body.split('\n'))
    if (line.startsWith(`${sample} `)) return Number(line.slice(sample.length + 1));
  return 0;
}

export interface BenchDevice {
  id: string;
  token: string;
}

export async function provisionDevices(database: Database, n: number): Promise<BenchDevice[]> {
  const org = await createOrganization(database.db, { name: 'Bench' });
  const tenant = await createTenant(database.db, { organization: org.id, name: 'Load' });
  const out: BenchDevice[] = [];
  for (let i = 0; i < n; i++) {
    const d = await createDevice(database.db, { tenant: tenant.id, name: `dev-${i}` });
    out.push({ id: d.device.id, token: d.token });
  }
  return out;
}

export async function connectDevices(
  port: number,
  devices: BenchDevice[],
  connectionsPerDevice = 1,
): Promise<{ client: MqttClient; device: BenchDevice }[]> {
  const out: { client: MqttClient; device: BenchDevice }[] = [];
  for (const device of devices) {
    for (let c = 0; c < connectionsPerDevice; c++) {
      const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
        clientId: `${device.id}:${c}`,
        username: device.id,
        password: device.token,
        reconnectPeriod: 0,
        clean: true,
      });
      out.push({ client, device });
    }
  }
  return out;
}

/**
 * Publishes `messages` QoS1 messages spread over the connections, each keeping at most `window` unacknowledged.
 * `payload(i)` builds message i. Resolves when every PUBACK arrived.
 */
export async function publishLoad(
  conns: { client: MqttClient; device: BenchDevice }[],
  channel: 'logs' | 'telemetry',
  messages: number,
  window: number,
  payload: (i: number) => Buffer | string,
): Promise<void> {
  let next = 0;
  await Promise.all(
    conns.map(async ({ client, device }) => {
      const topic = `d/${device.id}/${channel}`;
      const inflight = new Set<Promise<unknown>>();
      while (next < messages) {
        const i = next++;
        const p = client.publishAsync(topic, payload(i), { qos: 1 }).finally(() => inflight.delete(p));
        inflight.add(p);
        if (inflight.size >= window) await Promise.race(inflight);
      }
      await Promise.all(inflight);
    }),
  );
}

/** User + system CPU seconds of a process (Linux /proc, CLK_TCK = 100). */
export function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

/**
 * Payloads of `messages` MQTT messages of `perMessage` log records each, with the message texts, severities and
 * attrs of bench/ingest-raw's generator (so both write the same kind of rows, trigram index included). No
 * `seq`/`ts`: every record gets a stream-derived key and the receive time.
 */
export function logPayloads(messages: number, perMessage: number): Buffer[] {
  const rows = generateLogRows(messages * perMessage);
  const out: Buffer[] = new Array<Buffer>(messages);
  for (let m = 0; m < messages; m++) {
    const records = rows
      .slice(m * perMessage, (m + 1) * perMessage)
      .map((r) =>
        r.attrs === null
          ? { severity: r.severity, message: r.message }
          : { severity: r.severity, message: r.message, attrs: r.attrs },
      );
    out[m] = Buffer.from(JSON.stringify(perMessage === 1 ? records[0] : { v: 1, records }));
  }
  return out;
}

export interface Pipeline {
  broker: Child;
  processor: Child;
  mqttPort: number;
  /** The processor's Prometheus endpoint (rows written per table). */
  metricsUrl: string;
}

/**
 * Starts `iotlog broker` and `iotlog processor` as child processes on free ports, on the given database and a
 * private NATS prefix/stream, and waits until both report ready. Each child is pushed to `children` as soon as
 * it is spawned, so the caller's cleanup stops it even when the other one fails to start.
 */
export async function startPipeline(opts: {
  databaseUrl: string;
  prefix: string;
  stream: string;
  consumer: string;
  brokerEnv: Record<string, string>;
  children: Child[];
}): Promise<Pipeline> {
  const [mqttPort, brokerHttp, processorHttp] = [await freePort(), await freePort(), await freePort()];
  const common = {
    DATABASE_URL: opts.databaseUrl,
    NATS_URL,
    NATS_PREFIX: opts.prefix,
    INGEST_STREAM: opts.stream,
  };
  const broker = iotlog(['broker'], {
    ...common,
    ...opts.brokerEnv,
    HOST: '127.0.0.1',
    MQTT_PORT: String(mqttPort),
    HTTP_PORT: String(brokerHttp),
  });
  opts.children.push(broker);
  await until(
    () => httpOk(`http://127.0.0.1:${brokerHttp}/readyz`),
    `broker ready (${broker.output()})`,
    60_000,
  );
  const processor = iotlog(['processor'], {
    ...common,
    INGEST_CONSUMER: opts.consumer,
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: String(processorHttp),
  });
  opts.children.push(processor);
  await until(
    () => httpOk(`http://127.0.0.1:${processorHttp}/readyz`),
    `processor ready (${processor.output()})`,
    60_000,
  );
  return { broker, processor, mqttPort, metricsUrl: `http://127.0.0.1:${processorHttp}/metrics` };
}
