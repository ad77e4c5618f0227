// Raw-socket MQTT 3.1.1 CONNECT driver (one process) for the connection benchmarks. Config file (JSON)
// path in argv[2]: { host, port, devices: [{ username, password, clientId }], concurrency, mode }.
// mode "hold": open every connection, print `ready <ok> <failed>`, keep them until SIGTERM.
// mode "storm": CONNECT, wait CONNACK, DISCONNECT, close; print JSON { connects, failures, seconds,
// cpuSeconds } (cpuSeconds: this load generator's own CPU, to show it is not the bottleneck).
// The CONNECT packets are encoded before the clock starts: only socket work is measured here.
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import mqttPacket from 'mqtt-packet';

type Device = { username: string; password: string; clientId: string };
type Config = { host: string; port: number; devices: Device[]; concurrency: number; mode: 'hold' | 'storm' };
const cfg = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as Config;
const DISCONNECT = Buffer.from([0xe0, 0x00]);
const held: Socket[] = [];

const connects = cfg.devices.map((dev) =>
  mqttPacket.generate({
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clean: true,
    keepalive: 900,
    clientId: dev.clientId,
    username: dev.username,
    password: Buffer.from(dev.password),
  }),
);

function once(packet: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(cfg.port, cfg.host);
    let done = false;
    const finish = (ok: boolean) => {
      if (done) return;
      done = true;
      if (ok && cfg.mode === 'hold') held.push(s);
      else if (ok) s.end(DISCONNECT);
      else s.destroy();
      resolve(ok);
    };
    // written at once: the kernel queues it until the handshake completes
    s.write(packet);
    s.on('data', (b: Buffer) => finish(b[0] === 0x20 && b[3] === 0));
    s.once('error', () => finish(false));
    s.once('close', () => finish(false));
    s.setTimeout(30_000, () => finish(false));
  });
}

let next = 0;
let ok = 0;
let failed = 0;
const t0 = process.hrtime.bigint();
const cpu0 = process.cpuUsage();
await Promise.all(
  Array.from({ length: Math.min(cfg.concurrency, connects.length) }, async () => {
    while (next < connects.length) {
      const packet = connects[next++]!;
      if (await once(packet)) ok++;
      else failed++;
    }
  }),
);
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const cpu = process.cpuUsage(cpu0);
if (cfg.mode === 'storm') {
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  console.log(JSON.stringify({ connects: ok, failures: failed, seconds, cpuSeconds }));
} else {
  for (const s of held) s.setTimeout(0);
  console.log(`ready ${ok} ${failed}`);
  process.once('SIGTERM', () => {
    for (const s of held) s.destroy();
    process.exit(0);
  });
  setInterval(() => undefined, 1 << 30);
}
