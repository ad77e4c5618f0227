// The feedback loop end to end: an edge-SDK device -> broker -> NATS JetStream -> alerting engine -> signed webhook,
// and the rule's command action back down through the broker to the same device; the device recovers, the alert
// resolves.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect as connectDevice, type EdgeClient } from '@iotlog/edge-sdk';
import {
  createAlertingEngine,
  parseRule,
  ruleToRow,
  verifySignature,
  type AlertingEngine,
} from '@iotlog/processor/alerting';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startStack, waitFor, type Stack } from './alerting-fixture.js';

const SECRET = 'e2e-webhook-secret-0123456789';
let stack: Stack;
let engine: AlertingEngine;
let server: Server;
let device: EdgeClient | undefined;
const hooks: { event: string; valid: boolean; alertId: string }[] = [];

beforeAll(async () => {
  stack = await startStack();
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const n = JSON.parse(body) as { event: string; alert: { id: string } };
      hooks.push({
        event: n.event,
        alertId: n.alert.id,
        valid: verifySignature(SECRET, body, req.headers['x-iotlog-signature'] as string),
      });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  engine = createAlertingEngine({
    nc: stack.nc,
    db: stack.db.database,
    logger: stack.logger,
    config: {
      prefix: stack.prefix,
      stream: stack.stream,
      bucket: stack.bucket,
      ruleRefreshMs: 200,
      tickMs: 250,
      seenFlushMs: 250,
    },
  });
});
afterAll(async () => {
  await device?.close();
  await engine?.stop();
  await new Promise((r) => server?.close(r));
  await stack?.close();
});

it('a breach fires a signed webhook and a command back to the device; recovery resolves it', async () => {
  const { deviceId, token } = await stack.addDevice('boiler-9', { site: 'north' });
  const r = ruleToRow(
    parseRule({
      name: 'boiler too hot',
      labels: { site: 'north' },
      condition: { type: 'threshold', metric: 'temp', op: '>=', value: 90, hysteresis: 3 },
      webhook: { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, secret: SECRET },
      actions: [{ type: 'command', name: 'burner-off', data: { reason: 'too hot' } }],
    }),
  );
  await stack.db.database.query(
    `INSERT INTO alert_rules (tenant_id, name, kind, spec, label_selector, webhook_url, webhook_secret, actions) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
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
  await engine.start();

  const commands: unknown[] = [];
  device = connectDevice({ url: stack.mqttUrl, deviceId, token, buffer: 'memory' });
  device.onCommand('burner-off', (data) => {
    commands.push(data);
    return { off: true };
  });
  await waitFor('device connected', () => device!.status().connected);

  device.telemetry({ temp: 70 });
  device.telemetry({ temp: 95 });
  const fired = await waitFor('firing webhook', () => hooks.find((h) => h.event === 'firing'));
  expect(fired.valid).toBe(true);
  expect(await waitFor('command action at the device', () => commands[0])).toEqual({ reason: 'too hot' });

  device.telemetry({ temp: 88 }); // below 90 but within the hysteresis of 3: still firing
  device.telemetry({ temp: 86 });
  const resolved = await waitFor('resolved webhook', () => hooks.find((h) => h.event === 'resolved'));
  expect(resolved).toMatchObject({ alertId: fired.alertId, valid: true });
  const rows = await stack.db.database.query<{ state: string }>(
    'SELECT state FROM alerts WHERE device_id = $1',
    [deviceId],
  );
  expect(rows).toEqual([{ state: 'resolved' }]);
  expect(commands).toHaveLength(1);
});
