// Start/stop what the broker benchmarks compare, on 127.0.0.1 only: our broker (child process), Debian's
// Mosquitto and a second nats-server with its MQTT listener, each on free ports with tmp config/state.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import type { Queryable } from '@iotlog/drizzle';

export type Service = {
  name: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
  extra?: Record<string, number>;
};

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

export async function waitFor(
  fn: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (
    !(await Promise.resolve()
      .then(fn)
      .catch(() => false))
  ) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function stopper(child: ChildProcess, cleanup: () => void): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) {
        cleanup();
        return resolve();
      }
      child.once('exit', () => {
        cleanup();
        resolve();
      });
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    });
}

export async function startMosquitto(user: { username: string; password: string }): Promise<Service> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-mosquitto-'));
  const port = await freePort();
  execFileSync('mosquitto_passwd', ['-b', '-c', join(dir, 'passwd'), user.username, user.password]);
  writeFileSync(join(dir, 'acl'), 'pattern readwrite d/%u/#\n');
  writeFileSync(
    join(dir, 'mosquitto.conf'),
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous false',
      `password_file ${join(dir, 'passwd')}`,
      `acl_file ${join(dir, 'acl')}`,
      'persistence false',
      'max_connections -1',
      'log_type error',
      '',
    ].join('\n'),
  );
  // mosquitto started as root drops to the `mosquitto` user: it must be able to read its files
  chmodSync(dir, 0o755);
  for (const f of ['passwd', 'acl', 'mosquitto.conf']) chmodSync(join(dir, f), 0o644);
  const child = spawn('mosquitto', ['-c', join(dir, 'mosquitto.conf')], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitFor(() => portOpen(port), 10_000, 'mosquitto');
  return {
    name: 'mosquitto',
    port,
    pid: child.pid!,
    stop: stopper(child, () => rmSync(dir, { recursive: true, force: true })),
  };
}

export async function startNatsMqtt(user: { username: string; password: string }): Promise<Service> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-nats-mqtt-'));
  const [port, mqttPort] = [await freePort(), await freePort()];
  writeFileSync(
    join(dir, 'nats.conf'),
    `server_name: bench_mqtt_${randomBytes(3).toString('hex')}
listen: 127.0.0.1:${port}
jetstream { store_dir: "${join(dir, 'js')}" }
mqtt { listen: 127.0.0.1:${mqttPort}, authorization { username: "${user.username}", password: "${user.password}" } }
`,
  );
  const child = spawn('nats-server', ['-c', join(dir, 'nats.conf')], {
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  await waitFor(() => portOpen(mqttPort), 15_000, 'nats-server mqtt');
  return {
    name: 'nats-mqtt',
    port: mqttPort,
    pid: child.pid!,
    stop: stopper(child, () => rmSync(dir, { recursive: true, force: true })),
  };
}

/** A private nats-server with JetStream (own store dir) on a free port, so that the machine's shared NATS
 * (busy with everyone's tests) does not decide the figures. */
export async function startNatsJetStream(): Promise<Service> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-nats-js-'));
  const port = await freePort();
  writeFileSync(
    join(dir, 'nats.conf'),
    `server_name: bench_js_${randomBytes(3).toString('hex')}\nlisten: 127.0.0.1:${port}\njetstream { store_dir: "${join(dir, 'js')}" }\n`,
  );
  const child = spawn('nats-server', ['-c', join(dir, 'nats.conf')], {
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  await waitFor(() => portOpen(port), 15_000, 'nats-server');
  return {
    name: 'nats',
    port,
    pid: child.pid!,
    stop: stopper(child, () => rmSync(dir, { recursive: true, force: true })),
  };
}

/** Our broker as a child process (`node --import tsx broker/src/main.ts`), so its CPU and RSS are its own. */
export async function startIotlogBroker(
  env: Record<string, string>,
): Promise<Service & { httpPort: number }> {
  const [port, httpPort] = [await freePort(), await freePort()];
  // BENCH_CPU_PROF=<dir>: write a V8 CPU profile of the broker there when it stops
  const prof = process.env.BENCH_CPU_PROF
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
    : [];
  // BENCH_BROKER_NODE_FLAGS: extra node flags for the broker process (e.g. --max-semi-space-size=2)
  const flags = (process.env.BENCH_BROKER_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...prof, ...flags, '--import', 'tsx', 'broker/src/main.ts'], {
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      MQTT_PORT: String(port),
      HTTP_PORT: String(httpPort),
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitFor(
    async () => (await fetch(`http://127.0.0.1:${httpPort}/readyz`)).ok,
    60_000,
    'iotlog broker /readyz',
  );
  return { name: 'iotlog', port, httpPort, pid: child.pid!, stop: stopper(child, () => undefined) };
}

export type BenchDevice = { deviceId: string; token: string };

/** Inserts an organization, a tenant and `n` devices with one token each (sha256 stored). */
export async function seedDevices(db: Queryable, n: number): Promise<BenchDevice[]> {
  const tag = randomBytes(4).toString('hex');
  const [org] = await db.query<{ id: string }>(
    `INSERT INTO organizations (name, slug) VALUES ('bench', $1) RETURNING id`,
    [`bench-${tag}`],
  );
  const [tenant] = await db.query<{ id: string }>(
    `INSERT INTO tenants (organization_id, name, slug) VALUES ($1, 'bench', 'bench') RETURNING id`,
    [org!.id],
  );
  const tokens = Array.from({ length: n }, () => `iot_${randomBytes(32).toString('base64url')}`);
  const devices: BenchDevice[] = [];
  for (let i = 0; i < n; i += 1000) {
    const chunk = tokens.slice(i, i + 1000);
    const ids = await db.query<{ id: string }>(
      `INSERT INTO devices (tenant_id, name) SELECT $1, 'd' || g FROM generate_series($2::int, $3::int) g RETURNING id`,
      [tenant!.id, i, i + chunk.length - 1],
    );
    await db.query(
      `INSERT INTO device_credentials (device_id, kind, secret_hash) SELECT * FROM unnest($1::uuid[], $2::credential_kind[], $3::text[])`,
      [
        ids.map((r) => r.id),
        chunk.map(() => 'token'),
        chunk.map((t) => createHash('sha256').update(t).digest('hex')),
      ],
    );
    ids.forEach((r, j) => devices.push({ deviceId: r.id, token: chunk[j]! }));
  }
  return devices;
}
