// QoS1 throughput, 100-byte payloads, many publishers, auth and ACL on: iotlog broker (JetStream
// persistence on a private nats-server started here, PUBACK after the JetStream ack) vs Mosquitto (Debian, auth + ACL,
// no persistence) vs nats-server's MQTT listener (second nats-server, JetStream-backed), same raw-socket
// load generator (BENCH_LOAD_PROCS processes, 2), same run. Reports msgs/s, the target's CPU per message (from /proc) and
// the load generator's CPU. Bounded: ~3 x (2 s warmup + 8 s measure) plus startup.
// Env: BENCH_PUBLISHERS (20), BENCH_WINDOW (in-flight QoS1 per connection, 32), BENCH_MEASURE_S (8),
// BENCH_NATS_URL (use that NATS, e.g. the machine's, instead of a private nats-server).
import { jetstreamManager } from '@nats-io/jetstream';
import { connect as natsConnect } from '@nats-io/transport-node';
import { createTestDatabase } from '@iotlog/drizzle/testing';
import { randomBytes } from 'node:crypto';
import { runLoad, type LoadResult } from './run-load.js';
import {
  seedDevices,
  startIotlogBroker,
  startMosquitto,
  startNatsJetStream,
  startNatsMqtt,
  type Service,
} from './services.js';

const publishers = Number(process.env.BENCH_PUBLISHERS ?? 20);
const window = Number(process.env.BENCH_WINDOW ?? 32);
const measureS = Number(process.env.BENCH_MEASURE_S ?? 8);
const warmupS = 2;
const services: Service[] = [];
let NATS_URL = process.env.BENCH_NATS_URL;
if (!NATS_URL) {
  const nats = await startNatsJetStream();
  services.push(nats);
  NATS_URL = `nats://127.0.0.1:${nats.port}`;
}

const tag = randomBytes(4).toString('hex');
const prefix = `bench_${tag}`;
const stream = `BENCH_${tag}`;
const db = await createTestDatabase({ timescale: false });
const nc = await natsConnect({ servers: NATS_URL });
const results: Record<string, LoadResult> = {};

function line(name: string, r: LoadResult): string {
  return `${name.padEnd(10)} ${Math.round(r.rate).toString().padStart(7)} msg/s  target CPU ${r.targetCpuPct.toFixed(0).padStart(3)}% = ${r.targetUsPerMsg.toFixed(1).padStart(5)} us/msg  loadgen CPU ${r.loadgenCpuPct.toFixed(0)}%  failures ${r.failures}`;
}

try {
  const devices = await seedDevices(db.database, publishers);
  const shared = { username: 'bench', password: randomBytes(12).toString('hex') };
  const load = (
    port: number,
    devs: { username: string; password: string; clientId: string; topic: string }[],
  ) => ({
    host: '127.0.0.1',
    port,
    devices: devs,
    window,
    payload: 100,
    warmupS,
    measureS,
  });

  const broker = await startIotlogBroker({
    DATABASE_URL: db.url,
    NATS_URL,
    NATS_PREFIX: prefix,
    INGEST_STREAM: stream,
    INGEST_MAX_AGE_S: '600',
    DEVICE_RATE_PER_S: '1000000',
    TENANT_QUOTA_PER_S: '10000000',
    ...(process.env.BRIDGE_BATCH_MS ? { BRIDGE_BATCH_MS: process.env.BRIDGE_BATCH_MS } : {}),
  });
  services.push(broker);
  results.iotlog = await runLoad(
    load(
      broker.port,
      devices.map((d) => ({
        username: d.deviceId,
        password: d.token,
        clientId: d.deviceId,
        topic: `d/${d.deviceId}/logs`,
      })),
    ),
    [broker.pid],
  );
  console.log(line('iotlog', results.iotlog));
  const metrics = await (await fetch(`http://127.0.0.1:${broker.httpPort}/metrics`)).text();
  const metric = (name: string) =>
    Number(new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(metrics)?.[1] ?? NaN);
  const batches = metric('iotlog_broker_bridge_batches_total');
  console.log(
    `iotlog bridge: ${metric('iotlog_broker_messages_in_total')} messages in ${batches} JetStream publishes ` +
      `(mean ${(metric('iotlog_broker_messages_in_total') / batches).toFixed(1)} per envelope), mean receive -> JetStream ack ` +
      `${((metric('iotlog_broker_bridge_latency_seconds_sum') / metric('iotlog_broker_bridge_latency_seconds_count')) * 1000).toFixed(1)} ms`,
  );
  await broker.stop();

  const mosq = await startMosquitto(shared);
  services.push(mosq);
  results.mosquitto = await runLoad(
    load(
      mosq.port,
      devices.map((d, i) => ({ ...shared, clientId: `c${i}`, topic: `d/${shared.username}/logs` })),
    ),
    [mosq.pid],
  );
  console.log(line('mosquitto', results.mosquitto));
  await mosq.stop();

  const nm = await startNatsMqtt(shared);
  services.push(nm);
  results.nats = await runLoad(
    load(
      nm.port,
      devices.map((d, i) => ({ ...shared, clientId: `c${i}`, topic: `d/${shared.username}/logs` })),
    ),
    [nm.pid],
  );
  console.log(line('nats-mqtt', results.nats));
  await nm.stop();

  console.log(
    `${publishers} publishers x ${window} in flight, QoS1, 100-byte payloads, ${measureS} s measured; iotlog CPU per message ` +
      `${(results.iotlog.targetUsPerMsg / results.mosquitto.targetUsPerMsg).toFixed(2)}x Mosquitto's, ` +
      `${(results.iotlog.targetUsPerMsg / results.nats.targetUsPerMsg).toFixed(2)}x NATS MQTT's`,
  );
  console.log(
    `broker_vs_mosquitto=${(results.iotlog.rate / results.mosquitto.rate).toFixed(2)} broker_vs_nats_mqtt=${(results.iotlog.rate / results.nats.rate).toFixed(2)}`,
  );
} finally {
  const jsm = await jetstreamManager(nc);
  await jsm.streams.delete(stream).catch(() => false);
  await nc.drain();
  for (const s of services.reverse()) await s.stop();
  await db.drop();
}
