// bench/e2e: devices publish QoS1 through the broker until every record is committed (see bench/e2e).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase } from '@iotlog/drizzle';
import { generateLogRows, insertLogsUnnest } from '@iotlog/drizzle/ingest';
import { createTestDatabase } from '@iotlog/drizzle/testing';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import {
  connectDevices,
  logPayloads,
  cpuSeconds,
  freePort,
  iotlog,
  metric,
  NATS_URL,
  provisionDevices,
  publishLoad,
  startPipeline,
  until,
  type BenchDevice,
  type Child,
} from './e2e-lib.js';

const num = (name: string, fallback: number): number => {
  const v = process.env[name];
  const n = v === undefined ? fallback : Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name}=${v} must be a positive number`);
  return n;
};
const DEVICES = num('DEVICES', 8);
const SINGLE_MESSAGES = num('SINGLE_MESSAGES', 40_000);
const BATCH_MESSAGES = num('BATCH_MESSAGES', 3_000);
const EMBEDDED_SINGLE_MESSAGES = num('EMBEDDED_SINGLE_MESSAGES', 5_000);
const EMBEDDED_BATCH_MESSAGES = num('EMBEDDED_BATCH_MESSAGES', 300);
const RAW_ROWS = num('RAW_ROWS', 100_000);
const WINDOW = num('WINDOW', 64);
const LIMITS = { DEVICE_RATE_PER_S: '10000000', TENANT_QUOTA_PER_S: '100000000' };

interface CaseResult {
  records: number;
  seconds: number;
  rate: number;
  brokerCpu: number;
  processorCpu: number;
}

/** Publishes one case and waits until the processor reports every row written. */
async function runCase(
  name: string,
  conns: Awaited<ReturnType<typeof connectDevices>>,
  messages: number,
  perMessage: number,
  metricsUrl: string,
  pids: { broker?: number; processor?: number },
): Promise<CaseResult> {
  const payloads = logPayloads(messages, perMessage);
  const sample = 'iotlog_processor_rows_written_total{table="logs"}';
  const before = await metric(metricsUrl, sample);
  const cpu0 = { b: cpuSeconds(pids.broker), p: cpuSeconds(pids.processor) };
  const t0 = performance.now();
  const records = messages * perMessage;
  await publishLoad(conns, 'logs', messages, WINDOW, (i) => payloads[i] as Buffer);
  await until(
    async () => (await metric(metricsUrl, sample)) - before >= records,
    `${name}: ${records} rows`,
    180_000,
  );
  const seconds = (performance.now() - t0) / 1000;
  const r = {
    records,
    seconds,
    rate: Math.round(records / seconds),
    brokerCpu: cpuSeconds(pids.broker) - cpu0.b,
    processorCpu: cpuSeconds(pids.processor) - cpu0.p,
  };
  const cpu =
    pids.processor === pids.broker
      ? `process_cpu_s=${r.processorCpu.toFixed(1)}`
      : `broker_cpu_s=${r.brokerCpu.toFixed(1)} processor_cpu_s=${r.processorCpu.toFixed(1)}`;
  console.log(`case ${name} records=${records} seconds=${seconds.toFixed(2)} records_per_s=${r.rate} ${cpu}`);
  return r;
}

async function production(): Promise<{ single: CaseResult; batch: CaseResult }> {
  const t = await createTestDatabase();
  const s = randomBytes(4).toString('hex');
  const stream = `BENCH_${s}_INGEST`;
  const children: Child[] = [];
  try {
    const devices = await provisionDevices(t.database, DEVICES);
    const { broker, processor, mqttPort, metricsUrl } = await startPipeline({
      databaseUrl: t.url,
      prefix: `bench_${s}`,
      stream,
      consumer: `processor_${s}`,
      brokerEnv: LIMITS,
      children,
    });
    const conns = await connectDevices(mqttPort, devices);
    const pids = { broker: broker.proc.pid, processor: processor.proc.pid };
    const single = await runCase('production_single', conns, SINGLE_MESSAGES, 1, metricsUrl, pids);
    const batch = await runCase('production_batch100', conns, BATCH_MESSAGES, 100, metricsUrl, pids);
    await Promise.all(conns.map((c) => c.client.endAsync()));
    const [stored] = await t.database.query<{ n: number }>(`SELECT count(*)::int AS n FROM logs`);
    const expected = single.records + batch.records;
    if (stored?.n !== expected)
      throw new Error(`production: stored ${stored?.n} rows, expected exactly ${expected}`);
    return { single, batch };
  } finally {
    for (const c of children.reverse()) await c.stop();
    const nc = await connect({ servers: NATS_URL });
    await (await jetstreamManager(nc)).streams.delete(stream).catch(() => undefined);
    await nc.drain();
    await t.drop();
  }
}

async function embedded(): Promise<{ single: CaseResult; batch: CaseResult }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'iotlog-bench-up-'));
  const [mqttPort, brokerHttp, processorHttp, consolePort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const up = iotlog(['up'], {
    ...LIMITS,
    DATA_DIR: dataDir,
    MQTT_PORT: String(mqttPort),
    BROKER_HTTP_PORT: String(brokerHttp),
    PROCESSOR_HTTP_PORT: String(processorHttp),
    CONSOLE_PORT: String(consolePort),
  });
  try {
    await until(
      async () => /token: +(\S+)/.test(up.output()),
      `iotlog up to print the demo device (${up.output()})`,
      120_000,
    );
    const device: BenchDevice = {
      id: /device id: +(\S+)/.exec(up.output())?.[1] ?? '',
      token: /token: +(\S+)/.exec(up.output())?.[1] ?? '',
    };
    // one demo device: several connections of it (client ids `{id}:{n}`)
    const conns = await connectDevices(mqttPort, [device], DEVICES);
    const metricsUrl = `http://127.0.0.1:${processorHttp}/metrics`;
    const pids = { broker: up.proc.pid, processor: up.proc.pid };
    const single = await runCase('embedded_single', conns, EMBEDDED_SINGLE_MESSAGES, 1, metricsUrl, pids);
    const batch = await runCase('embedded_batch100', conns, EMBEDDED_BATCH_MESSAGES, 100, metricsUrl, pids);
    await Promise.all(conns.map((c) => c.client.endAsync()));
    await up.stop();
    const database = await createDatabase(`pglite:${join(dataDir, 'db')}`);
    try {
      const [stored] = await database.query<{ n: number }>(`SELECT count(*)::int AS n FROM logs`);
      const expected = single.records + batch.records;
      if (stored?.n !== expected)
        throw new Error(`embedded: stored ${stored?.n} rows, expected exactly ${expected}`);
    } finally {
      await database.close();
    }
    return { single, batch };
  } finally {
    await up.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * The raw unnest rate (bench/ingest-raw's generator and insert) on a fresh TimescaleDB database, batches of
 * 2,000 rows, with 1 and with 2 connections (the processor writes MAX_IN_FLIGHT=2 batches at once); the best
 * wall-clock rate is the reference.
 */
async function raw(connections: number): Promise<number> {
  const t = await createTestDatabase();
  try {
    const start = new Date(Date.now() - RAW_ROWS * 10);
    const batches: ReturnType<typeof generateLogRows>[] = [];
    for (let done = 0; done < RAW_ROWS; done += 2000)
      batches.push(generateLogRows(Math.min(2000, RAW_ROWS - done), { start, offset: done }));
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (next < batches.length) await insertLogsUnnest(t.database, batches[next++]!);
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const [stored] = await t.database.query<{ n: number }>(`SELECT count(*)::int AS n FROM logs`);
    if (stored?.n !== RAW_ROWS) throw new Error(`raw: stored ${stored?.n} rows, expected ${RAW_ROWS}`);
    const rate = Math.round(RAW_ROWS / seconds);
    console.log(
      `case raw_unnest connections=${connections} rows=${RAW_ROWS} seconds=${seconds.toFixed(2)} rows_per_s=${rate}`,
    );
    return rate;
  } finally {
    await t.drop();
  }
}

const prod = await production();
const rawRate = Math.max(await raw(1), await raw(2));
const emb = await embedded();
console.log(
  `e2e_records_per_s=${prod.batch.rate} e2e_vs_raw=${(prod.batch.rate / rawRate).toFixed(2)} e2e_single_records_per_s=${prod.single.rate} raw_rows_per_s=${rawRate} embedded_records_per_s=${emb.batch.rate} embedded_single_records_per_s=${emb.single.rate}`,
);
