// A tiny raw-socket MQTT 3.1.1 load generator (one process): C connections, each keeping `window` QoS1
// PUBLISHes of `payload` bytes in flight, for warmup + measure seconds. Hand-built packets, so that the
// generator costs far less CPU than the broker under test. Prints "mark start"/"mark end" around the
// measured window and a final JSON line. Config as JSON in argv[2]:
// { host, port, devices: [{ username, password, clientId, topic }], window, payload, warmupS, measureS }
import { connect, type Socket } from 'node:net';
import mqttPacket from 'mqtt-packet';

type Device = { username: string; password: string; clientId: string; topic: string };
type Config = {
  host: string;
  port: number;
  devices: Device[];
  window: number;
  payload: number;
  warmupS: number;
  measureS: number;
};

const cfg = JSON.parse(process.argv[2] ?? '{}') as Config;
const payload = Buffer.alloc(cfg.payload, 0x61);

function publishPacket(topic: Buffer, msgId: number): Buffer {
  const remaining = 2 + topic.length + 2 + payload.length;
  const lenBytes: number[] = [];
  let x = remaining;
  do {
    let b = x % 128;
    x = Math.floor(x / 128);
    if (x > 0) b |= 0x80;
    lenBytes.push(b);
  } while (x > 0);
  const buf = Buffer.allocUnsafe(1 + lenBytes.length + remaining);
  let o = 0;
  buf[o++] = 0x32; // PUBLISH, QoS1
  for (const b of lenBytes) buf[o++] = b;
  o = buf.writeUInt16BE(topic.length, o);
  o += topic.copy(buf, o);
  o = buf.writeUInt16BE(msgId, o);
  payload.copy(buf, o);
  return buf;
}

let acked = 0;
let measuring = false;
let measuredAcks = 0;
let stopping = false;
let failures = 0;

function run(dev: Device): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const topic = Buffer.from(dev.topic);
    const s = connect(cfg.port, cfg.host);
    s.setNoDelay(true);
    let inflight = 0;
    let nextId = 1;
    let connected = false;
    let pending: Buffer = Buffer.alloc(0);
    const pump = () => {
      if (stopping || !connected) return;
      const bufs: Buffer[] = [];
      while (inflight < cfg.window) {
        bufs.push(publishPacket(topic, nextId));
        nextId = nextId === 65535 ? 1 : nextId + 1;
        inflight++;
      }
      if (bufs.length) s.write(bufs.length === 1 ? bufs[0]! : Buffer.concat(bufs));
    };
    s.on('connect', () => {
      s.write(
        mqttPacket.generate({
          cmd: 'connect',
          protocolId: 'MQTT',
          protocolVersion: 4,
          clean: true,
          keepalive: 60,
          clientId: dev.clientId,
          username: dev.username,
          password: Buffer.from(dev.password),
        }),
      );
    });
    s.on('data', (chunk: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      let o = 0;
      while (pending.length - o >= 4) {
        const type = pending[o]! >> 4;
        if (type === 2) {
          if (pending[o + 3] !== 0) return reject(new Error(`CONNACK ${pending[o + 3]} for ${dev.clientId}`));
          connected = true;
          resolve(s);
        } else if (type === 4) {
          inflight--;
          acked++;
          if (measuring) measuredAcks++;
        } else {
          return reject(new Error(`unexpected packet type ${type}`));
        }
        o += 4;
      }
      pending = pending.subarray(o);
      pump();
    });
    s.once('error', (err) => {
      failures++;
      reject(err);
    });
    s.once('close', () => {
      if (!stopping) failures++;
    });
    const kick = setInterval(() => {
      if (connected) {
        clearInterval(kick);
        pump();
      }
    }, 5);
  });
}

const sockets = await Promise.all(cfg.devices.map(run));
await new Promise((r) => setTimeout(r, cfg.warmupS * 1000));
const cpu0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
measuring = true;
console.log('mark start');
await new Promise((r) => setTimeout(r, cfg.measureS * 1000));
measuring = false;
console.log('mark end');
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const cpu = process.cpuUsage(cpu0);
stopping = true;
for (const s of sockets) s.destroy();
console.log(
  JSON.stringify({
    acked: measuredAcks,
    seconds,
    rate: measuredAcks / seconds,
    loadgenCpuPct: ((cpu.user + cpu.system) / 1e6 / seconds) * 100,
    failures,
    total: acked,
  }),
);
