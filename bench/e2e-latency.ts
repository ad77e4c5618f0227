// bench/e2e-latency: publish -> stored row latency at half the maximum end-to-end rate (see bench/e2e-latency).
import { randomBytes } from 'node:crypto';
import { createTestDatabase } from '@iotlog/drizzle/testing';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import {
  connectDevices,
  metric,
  NATS_URL,
  provisionDevices,
  publishLoad,
  sleep,
  startPipeline,
  until,
  type Child,
} from './e2e-lib.js';

const num = (name: string, fallback: number): number => {
  const v = process.env[name];
  const n = v === undefined ? fallback : Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name}=${v} must be a positive number`);
  return n;
};
const DEVICES = num('DEVICES', 8);
const SATURATE_MESSAGES = num('SATURATE_MESSAGES', 20_000);
const MEASURE_S = num('MEASURE_S', 10);
const WINDOW = num('WINDOW', 64);
const SAMPLE = 'iotlog_processor_rows_written_total{table="logs"}';
const nowMs = () => performance.timeOrigin + performance.now();

const t = await createTestDatabase();
// the time each row is inserted, inside the batch's transaction (the commit follows within the batch's
// commit latency, see iotlog_processor_commit_seconds)
await t.database.query(
  `ALTER TABLE logs ADD COLUMN inserted_ms double precision DEFAULT (extract(epoch FROM clock_timestamp()) * 1000)`,
);
const s = randomBytes(4).toString('hex');
const stream = `BENCHLAT_${s}_INGEST`;
const children: Child[] = [];
try {
  const devices = await provisionDevices(t.database, DEVICES);
  const { mqttPort, metricsUrl } = await startPipeline({
    databaseUrl: t.url,
    prefix: `benchlat_${s}`,
    stream,
    consumer: `processor_${s}`,
    brokerEnv: { DEVICE_RATE_PER_S: '10000000', TENANT_QUOTA_PER_S: '100000000' },
    children,
  });
  const conns = await connectDevices(mqttPort, devices);

  // 1. maximum end-to-end rate of single-record messages (publish until every row is written)
  const saturate = Buffer.from(JSON.stringify({ message: 'saturate pump pressure reading=421' }));
  const t0 = performance.now();
  await publishLoad(conns, 'logs', SATURATE_MESSAGES, WINDOW, () => saturate);
  await until(
    async () => (await metric(metricsUrl, SAMPLE)) >= SATURATE_MESSAGES,
    'saturation rows',
    120_000,
  );
  const maxRate = SATURATE_MESSAGES / ((performance.now() - t0) / 1000);
  const rate = maxRate / 2;
  console.log(`case max_rate records_per_s=${Math.round(maxRate)}`);

  // 2. paced publishing at half that rate; each record carries its sequence number, its send time is kept
  const sentAt: number[] = [];
  const start = nowMs();
  let sent = 0;
  const pubs: Promise<unknown>[] = [];
  while (nowMs() - start < MEASURE_S * 1000) {
    const due = Math.floor(((nowMs() - start) / 1000) * rate);
    while (sent < due) {
      const c = conns[sent % conns.length]!;
      sentAt[sent] = nowMs();
      pubs.push(
        c.client.publishAsync(
          `d/${c.device.id}/logs`,
          JSON.stringify({ seq: sent, message: `lat ${sent}` }),
          { qos: 1 },
        ),
      );
      sent++;
    }
    await sleep(2);
  }
  await Promise.all(pubs);
  await until(
    async () => (await metric(metricsUrl, SAMPLE)) >= SATURATE_MESSAGES + sent,
    'measured rows',
    120_000,
  );
  await Promise.all(conns.map((c) => c.client.endAsync()));

  const rows = await t.database.query<{ seq: string; inserted_ms: number }>(
    `SELECT seq::text AS seq, inserted_ms FROM logs WHERE seq >= 0`,
  );
  if (rows.length !== sent) throw new Error(`stored ${rows.length} measured rows, sent ${sent}`);
  const lat = rows.map((r) => r.inserted_ms - (sentAt[Number(r.seq)] as number)).sort((a, b) => a - b);
  const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] as number;
  const batches = await metric(metricsUrl, 'iotlog_processor_commit_seconds_count');
  const commitMeanMs = ((await metric(metricsUrl, 'iotlog_processor_commit_seconds_sum')) / batches) * 1000;
  console.log(
    `case half_rate records=${sent} records_per_s=${Math.round(rate)} p50_ms=${q(0.5).toFixed(1)} p90_ms=${q(0.9).toFixed(1)} p99_ms=${q(0.99).toFixed(1)} max_ms=${q(1).toFixed(1)} batches=${batches} commit_mean_ms=${commitMeanMs.toFixed(1)}`,
  );
  console.log(`p50_ms=${Math.round(q(0.5))} p99_ms=${Math.round(q(0.99))}`);
} finally {
  for (const c of children.reverse()) await c.stop();
  const nc = await connect({ servers: NATS_URL });
  await (await jetstreamManager(nc)).streams.delete(stream).catch(() => undefined);
  await nc.drain();
  await t.drop();
}
