// bench/alerts: threshold breach -> signed webhook received (p50/p99), and no-data alert lateness, through the real
// pipeline: MQTT devices -> broker -> NATS JetStream -> two alerting engine replicas (default timings) -> webhook.
// Needs PostgreSQL and NATS (scripts/services.sh). Bounded: about 40 s. Last line: `alert_p99_ms=.. nodata_late_s=..`.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import mqtt from 'mqtt';
import { createAlertingEngine, parseRule, ruleToRow, verifySignature } from '@iotlog/processor/alerting';
import { startStack, waitFor } from '../e2e/alerting-fixture.js';

const DEVICES = 10;
const CYCLES = 5;
const NODATA_DEVICES = 3;
const NODATA_AFTER_S = 5;
const SECRET = 'bench-alerts-webhook-secret';

type Hook = { event: string; alert: { deviceId: string; ruleId: string }; at: number };
const hooks: Hook[] = [];
let badSignatures = 0;
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    if (!verifySignature(SECRET, body, req.headers['x-iotlog-signature'] as string)) badSignatures++;
    hooks.push({ ...(JSON.parse(body) as Omit<Hook, 'at'>), at: Date.now() });
    res.writeHead(204).end();
  });
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;

const stack = await startStack();
const q = stack.db.database;
async function addRule(input: unknown): Promise<string> {
  const r = ruleToRow(parseRule(input));
  const [row] = await q.query<{ id: string }>(
    `INSERT INTO alert_rules (tenant_id, name, kind, spec, label_selector, webhook_url, webhook_secret, actions)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
    [
      stack.tenantId,
      r.name,
      r.kind,
      JSON.stringify(r.spec),
      JSON.stringify(r.labelSelector),
      r.webhookUrl,
      r.webhookSecret,
      JSON.stringify(r.actions),
    ],
  );
  return row!.id;
}
const hot = await addRule({
  name: 'hot',
  labels: { role: 'hot' },
  condition: { type: 'threshold', metric: 'temp', op: '>', value: 80, hysteresis: 5 },
  webhook: { url, secret: SECRET },
});
const silent = await addRule({
  name: 'silent',
  labels: { role: 'quiet' },
  condition: { type: 'no_data', afterSeconds: NODATA_AFTER_S },
  webhook: { url, secret: SECRET },
});

const engines = [0, 1].map((i) =>
  createAlertingEngine({
    nc: stack.nc,
    db: q,
    logger: stack.logger,
    config: { prefix: stack.prefix, stream: stack.stream, bucket: stack.bucket, instanceId: `bench-${i}` },
  }),
);
for (const e of engines) await e.start();

const connectAs = async (name: string, role: string) => {
  const d = await stack.addDevice(name, { role });
  const client = await mqtt.connectAsync(stack.mqttUrl, {
    clientId: d.deviceId,
    username: d.deviceId,
    password: d.token,
    reconnectPeriod: 0,
  });
  return { ...d, client };
};
const send = (c: { deviceId: string; client: mqtt.MqttClient }, temp: number) =>
  c.client.publishAsync(`d/${c.deviceId}/telemetry`, JSON.stringify({ metrics: { temp } }), { qos: 1 });

// no-data: devices talk once, then go silent; lateness = webhook time - (last message + afterSeconds)
const quiet = await Promise.all(
  Array.from({ length: NODATA_DEVICES }, (_, i) => connectAs(`quiet-${i}`, 'quiet')),
);
const lastSent = new Map<string, number>();
for (const d of quiet) {
  lastSent.set(d.deviceId, Date.now());
  await send(d, 20);
}

// threshold: each device breaches, we time the firing webhook, then it recovers and we wait for the resolve
const latencies: number[] = [];
const hotDevices = await Promise.all(Array.from({ length: DEVICES }, (_, i) => connectAs(`hot-${i}`, 'hot')));
const hookFor = (deviceId: string, event: string, after: number) =>
  waitFor(
    `${event} webhook for ${deviceId}`,
    () =>
      hooks.find(
        (h) => h.alert.deviceId === deviceId && h.event === event && h.at >= after && h.alert.ruleId === hot,
      ),
    30_000,
  );
await Promise.all(
  hotDevices.map(async (d) => {
    await send(d, 20);
    for (let c = 0; c < CYCLES; c++) {
      const t0 = Date.now();
      await send(d, 95);
      latencies.push((await hookFor(d.deviceId, 'firing', t0)).at - t0);
      const t1 = Date.now();
      await send(d, 20);
      await hookFor(d.deviceId, 'resolved', t1);
    }
  }),
);

const late: number[] = [];
for (const d of quiet) {
  const h = await waitFor(
    'no-data webhook',
    () =>
      hooks.find((x) => x.alert.deviceId === d.deviceId && x.alert.ruleId === silent && x.event === 'firing'),
    60_000,
  );
  late.push((h.at - (lastSent.get(d.deviceId)! + NODATA_AFTER_S * 1000)) / 1000);
}

for (const d of [...hotDevices, ...quiet]) await d.client.endAsync();
for (const e of engines) await e.stop();
await stack.close();
server.close();

latencies.sort((a, b) => a - b);
const pct = (p: number) =>
  latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)]!;
const duplicates =
  hooks.filter((h) => h.alert.ruleId === silent && h.event === 'firing').length - NODATA_DEVICES;
console.log(
  `threshold: ${latencies.length} breaches (${DEVICES} devices x ${CYCLES}), p50 ${pct(50)} ms, max ${latencies[latencies.length - 1]} ms; ` +
    `no-data: ${NODATA_DEVICES} devices, afterSeconds ${NODATA_AFTER_S}, lateness ${late.map((l) => l.toFixed(2)).join(' ')} s; ` +
    `bad signatures ${badSignatures}, duplicate no-data alerts ${duplicates}`,
);
console.log(`alert_p99_ms=${pct(99)} nodata_late_s=${Math.max(...late).toFixed(2)}`);
